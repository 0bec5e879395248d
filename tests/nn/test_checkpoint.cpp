// Checkpoints: round trips, numpy interoperability, and every failure raising tg::IoError
// with nothing changed.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "module_gradcheck.hpp"
#include "optim_helpers.hpp"
#include "temp_dir.hpp"

using tg::nn::Activation;
using tg::nn::MLP;

namespace {

constexpr const char* kPython = "/usr/bin/python3";

bool numpy_available() {
  return std::filesystem::exists(kPython) &&
         std::system((std::string(kPython) + " -c 'import numpy' 2>/dev/null").c_str()) == 0;
}

std::vector<float> flat(const tg::nn::Module& m) {
  std::vector<float> out;
  for (const auto& p : m.parameters())
    for (float v : p.to_vector<float>()) out.push_back(v);
  return out;
}

void truncate_to(const std::string& path, std::uintmax_t size) {
  std::filesystem::resize_file(path, size);
}

}  // namespace

TEST(Checkpoint, ModuleRoundTrip) {
  tgtest::TempDir dir;
  tg::Generator g1(1), g2(2);
  MLP a({2, 5, 3}, Activation::ReLU, g1), b({2, 5, 3}, Activation::ReLU, g2);
  ASSERT_NE(flat(a), flat(b));
  tg::nn::save(a, dir.file("model.npz"));
  tg::nn::load(b, dir.file("model.npz"));
  EXPECT_EQ(flat(a), flat(b));
  // Only the final file remains: the temporary one was renamed.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 1);
}

TEST(Checkpoint, LoadConvertsDtype) {
  tgtest::TempDir dir;
  tg::Generator gen(1);
  MLP a({2, 3, 1}, Activation::Tanh, gen, {.dtype = tg::kFloat64});
  MLP b({2, 3, 1}, Activation::Tanh, gen);
  tg::nn::save(a, dir.file("m.npz"));
  tg::nn::load(b, dir.file("m.npz"));
  EXPECT_EQ(b.parameters()[0].dtype(), tg::kFloat32);
  EXPECT_TRUE(tgtest::values_near(b.parameters()[0], a.parameters()[0].to_vector<double>(), 1e-7));
}

TEST(Checkpoint, Int64TensorsRoundTripExactly) {
  // '<i8' members (Note [Int64 tensors] in dtype.hpp): indices beyond 2^53 stay exact.
  tgtest::TempDir dir;
  const std::vector<int64_t> values = {0, -1, (int64_t{1} << 62) + 1, 7};
  tg::nn::write_npz(dir.file("i.npz"), {{"picks", tg::from_vector(values, {2, 2})}});
  const auto read = tg::nn::read_npz(dir.file("i.npz"));
  ASSERT_EQ(read.size(), 1u);
  EXPECT_EQ(read[0].second.dtype(), tg::kInt64);
  EXPECT_EQ(read[0].second.shape(), tg::Shape({2, 2}));
  EXPECT_EQ(read[0].second.to_vector<int64_t>(), values);
}

TEST(Checkpoint, OptimizerRoundTripResumesIdentically) {
  tgtest::TempDir dir;
  auto grads = [](std::vector<tg::Tensor>& ps, int t) {
    for (auto& p : ps) p.set_grad(tg::full(p.shape(), 0.1 * t, p.dtype()) + p * 0.5);
  };
  tg::Tensor p1 = tg::from_vector(std::vector<double>{1, -2, 3}, {3}).requires_grad_();
  std::vector<tg::Tensor> ps1 = {p1};
  tg::optim::Adam a(ps1, {.lr = 0.1, .amsgrad = true});
  for (int t = 1; t <= 3; ++t) {
    grads(ps1, t);
    a.step();
  }
  tg::nn::save(a, dir.file("adam.npz"));

  tg::Tensor p2 = p1.detach().clone().requires_grad_();
  std::vector<tg::Tensor> ps2 = {p2};
  tg::optim::Adam b(ps2, {.lr = 0.5, .amsgrad = true});
  tg::nn::load(b, dir.file("adam.npz"));
  EXPECT_EQ(b.step_count(0), 3);
  EXPECT_DOUBLE_EQ(b.lr(), 0.1);
  grads(ps1, 4);
  grads(ps2, 4);
  a.step();
  b.step();
  EXPECT_EQ(p1.to_vector<double>(), p2.to_vector<double>());
}

TEST(Checkpoint, OptimizerShapeMismatch) {
  tgtest::TempDir dir;
  tg::optim::SGD a({tg::zeros({3}).requires_grad_()}, {.momentum = 0.9});
  tg::optim::SGD b({tg::zeros({4}).requires_grad_()}, {.momentum = 0.9});
  tg::nn::save(a, dir.file("sgd.npz"));
  const std::string msg =
      tgtest::error_message<tg::IoError>([&] { tg::nn::load(b, dir.file("sgd.npz")); });
  EXPECT_NE(msg.find("state.0.momentum_buffer"), std::string::npos) << msg;
}

TEST(Checkpoint, WrongShapeListsNamesAndShapesAndChangesNothing) {
  tgtest::TempDir dir;
  tg::Generator gen(1);
  MLP a({2, 3, 1}, Activation::ReLU, gen), b({2, 4, 1}, Activation::ReLU, gen);
  tg::nn::save(a, dir.file("m.npz"));
  const auto before = flat(b);
  const std::string msg =
      tgtest::error_message<tg::IoError>([&] { tg::nn::load(b, dir.file("m.npz")); });
  EXPECT_NE(msg.find("0.weight (file [3, 2], module [4, 2])"), std::string::npos) << msg;
  EXPECT_NE(msg.find("0.bias (file [3], module [4])"), std::string::npos) << msg;
  EXPECT_NE(msg.find("2.weight (file [1, 3], module [1, 4])"), std::string::npos) << msg;
  EXPECT_EQ(flat(b), before);
}

TEST(Checkpoint, MissingAndUnexpectedKeys) {
  tgtest::TempDir dir;
  tg::Generator gen(1);
  MLP a({2, 3, 1}, Activation::ReLU, gen);
  auto state = a.state();
  state.erase(state.begin() + 1);  // 0.bias
  state.emplace_back("extra", tg::zeros({1}));
  tg::nn::write_npz(dir.file("m.npz"), state);
  const std::string msg =
      tgtest::error_message<tg::IoError>([&] { tg::nn::load(a, dir.file("m.npz")); });
  EXPECT_NE(msg.find("missing keys: 0.bias"), std::string::npos) << msg;
  EXPECT_NE(msg.find("unexpected keys: extra"), std::string::npos) << msg;
}

TEST(Checkpoint, TruncatedFileRaises) {
  tgtest::TempDir dir;
  tg::Generator gen(1);
  MLP a({2, 3, 1}, Activation::ReLU, gen);
  tg::nn::save(a, dir.file("m.npz"));
  const auto size = std::filesystem::file_size(dir.file("m.npz"));
  for (std::uintmax_t keep :
       {size - 1, size - 30, size / 2, std::uintmax_t{40}, std::uintmax_t{0}}) {
    std::filesystem::copy_file(dir.file("m.npz"), dir.file("t.npz"),
                               std::filesystem::copy_options::overwrite_existing);
    truncate_to(dir.file("t.npz"), keep);
    const std::string msg =
        tgtest::error_message<tg::IoError>([&] { tg::nn::load(a, dir.file("t.npz")); });
    EXPECT_NE(msg.find("t.npz"), std::string::npos) << msg;
  }
}

TEST(Checkpoint, CorruptDataFailsTheCrc) {
  tgtest::TempDir dir;
  tg::Generator gen(1);
  MLP a({2, 3, 1}, Activation::ReLU, gen);
  tg::nn::save(a, dir.file("m.npz"));
  {
    std::fstream f(dir.file("m.npz"), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(180);  // inside 0.weight's values (30 + 12 name + 128 .npy header = 170)
    f.put('\x7f');
  }
  const std::string msg =
      tgtest::error_message<tg::IoError>([&] { tg::nn::load(a, dir.file("m.npz")); });
  EXPECT_NE(msg.find("CRC"), std::string::npos) << msg;
}

TEST(Checkpoint, LyingHeaderSizesRaiseWithoutHugeAllocations) {
  tgtest::TempDir dir;
  // A .npy header claiming a huge shape, stored as a valid zip member.
  tg::nn::write_npz(dir.file("m.npz"), {{"w", tg::zeros({2})}});
  std::string bytes;
  {
    std::ifstream in(dir.file("m.npz"), std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  const auto at = bytes.find("(2,)");
  ASSERT_NE(at, std::string::npos);
  bytes.replace(at, 4, "(9999999999,)");  // also breaks the CRC and sizes: any IoError is fine
  std::ofstream(dir.file("m.npz"), std::ios::binary) << bytes;
  tgtest::error_message<tg::IoError>([&] { tg::nn::read_npz(dir.file("m.npz")); });
}

TEST(Checkpoint, MissingFileAndNotAZip) {
  tgtest::TempDir dir;
  tgtest::error_message<tg::IoError>([&] { tg::nn::read_npz(dir.file("nope.npz")); });
  std::ofstream(dir.file("junk.npz")) << "this is not a zip file at all, just some words";
  tgtest::error_message<tg::IoError>([&] { tg::nn::read_npz(dir.file("junk.npz")); });
}

TEST(Checkpoint, FailedSaveOverwritesNothing) {
  tgtest::TempDir dir;
  tg::Generator gen(1);
  MLP a({2, 3, 1}, Activation::ReLU, gen), b({2, 3, 1}, Activation::ReLU, gen);
  tg::nn::save(a, dir.file("m.npz"));
  const auto before = std::filesystem::file_size(dir.file("m.npz"));
  for (int64_t limit : {0, 10, 100, 300}) {
    tg::nn::testing::fail_writes_after(limit);
    tgtest::error_message<tg::IoError>([&] { tg::nn::save(b, dir.file("m.npz")); });
  }
  tg::nn::testing::fail_writes_after(-1);
  EXPECT_EQ(std::filesystem::file_size(dir.file("m.npz")), before);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 1);
  MLP c({2, 3, 1}, Activation::ReLU, gen);
  tg::nn::load(c, dir.file("m.npz"));
  EXPECT_EQ(flat(c), flat(a));
}

TEST(Checkpoint, SaveIntoMissingDirectoryRaises) {
  tgtest::TempDir dir;
  tg::Generator gen(1);
  MLP a({2, 1}, Activation::ReLU, gen);
  tgtest::error_message<tg::IoError>([&] { tg::nn::save(a, dir.file("no/such/dir/m.npz")); });
}

TEST(Checkpoint, NumpyReadsOurFiles) {
  if (!numpy_available()) GTEST_SKIP() << kPython << " with numpy is not available";
  tgtest::TempDir dir;
  tg::nn::write_npz(dir.file("m.npz"),
                    {{"0.weight", tg::from_vector(std::vector<float>{1, 2, 3, 4, 5, 6}, {2, 3})},
                     {"scalar", tg::scalar_tensor(2.5, tg::kFloat64)},
                     {"v", tg::from_vector(std::vector<double>{-1, 0.5}, {2})},
                     {"i", tg::from_vector(std::vector<int64_t>{-3, int64_t{1} << 60}, {2})}});
  const std::string cmd = std::string(kPython) + " -c \"import numpy as np; d = np.load('" +
                          dir.file("m.npz") +
                          "'); w = d['0.weight']; "
                          "assert w.dtype == np.float32 and w.shape == (2, 3) and w[1, 2] == 6; "
                          "assert d['scalar'].shape == () and d['scalar'] == 2.5; "
                          "assert list(d['v']) == [-1, 0.5] and d['v'].dtype == np.float64; "
                          "assert d['i'].dtype == np.int64 and list(d['i']) == [-3, 2**60]\"";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
}

TEST(Checkpoint, WeReadNumpyFilesPlainAndCompressed) {
  if (!numpy_available()) GTEST_SKIP() << kPython << " with numpy is not available";
  tgtest::TempDir dir;
  const std::string cmd =
      std::string(kPython) +
      " -c \"import numpy as np; a = np.arange(6, dtype=np.float32).reshape(2, 3); "
      "np.savez('" +
      dir.file("plain.npz") +
      "', a=a, b=np.float64(7), c=np.array([5, -2**62])); "
      "np.savez_compressed('" +
      dir.file("zipped.npz") + "', a=a, b=np.float64(7), c=np.array([5, -2**62]))\"";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  for (const char* name : {"plain.npz", "zipped.npz"}) {
    const auto t = tg::nn::read_npz(dir.file(name));
    ASSERT_EQ(t.size(), 3u) << name;
    EXPECT_EQ(t[2].second.dtype(), tg::kInt64);
    EXPECT_EQ(t[2].second.to_vector<int64_t>(), (std::vector<int64_t>{5, -(int64_t{1} << 62)}));
    EXPECT_EQ(t[0].first, "a");
    EXPECT_EQ(t[0].second.shape(), tg::Shape({2, 3}));
    EXPECT_EQ(t[0].second.to_vector<float>(), (std::vector<float>{0, 1, 2, 3, 4, 5}));
    EXPECT_EQ(t[1].second.item<double>(), 7.0);
  }
}

TEST(Checkpoint, UnsupportedNumpyArraysRaise) {
  if (!numpy_available()) GTEST_SKIP() << kPython << " with numpy is not available";
  tgtest::TempDir dir;
  const std::string cmd = std::string(kPython) + " -c \"import numpy as np; np.savez('" +
                          dir.file("int.npz") + "', a=np.arange(3, dtype=np.int32)); np.savez('" +
                          dir.file("fortran.npz") +
                          "', a=np.asfortranarray(np.ones((2, 3)))); np.savez('" +
                          dir.file("big.npz") + "', a=np.ones(3, dtype='>f8'))\"";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  EXPECT_NE(tgtest::error_message<tg::IoError>([&] {
              tg::nn::read_npz(dir.file("int.npz"));
            }).find("<i4"),
            std::string::npos);
  EXPECT_NE(tgtest::error_message<tg::IoError>([&] {
              tg::nn::read_npz(dir.file("fortran.npz"));
            }).find("C-order"),
            std::string::npos);
  EXPECT_NE(tgtest::error_message<tg::IoError>([&] {
              tg::nn::read_npz(dir.file("big.npz"));
            }).find(">f8"),
            std::string::npos);
}

TEST(Checkpoint, AnEmptyStateRoundTripsAndNumpyReadsIt) {
  tgtest::TempDir dir;
  tg::nn::write_npz(dir.file("empty.npz"), {});
  EXPECT_TRUE(tg::nn::read_npz(dir.file("empty.npz")).empty());
  if (!numpy_available()) GTEST_SKIP() << kPython << " with numpy is not available";
  const std::string cmd = std::string(kPython) + " -c \"import numpy as np; assert np.load('" +
                          dir.file("empty.npz") + "').files == []\"";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
}

// More than 65535 members do not fit a plain zip's 16-bit counts: the archive needs the
// zip64 end record and its locator, which numpy (Python's zipfile) and libzip both write.
// numpy also gives every member a zip64 extra field (zipfile's force_zip64).
TEST(Checkpoint, Zip64ArchivesOfManyMembersBothWaysWithNumpy) {
  if (!numpy_available()) GTEST_SKIP() << kPython << " with numpy is not available";
  constexpr int kMembers = 70000;
  tgtest::TempDir dir;
  const std::string theirs = dir.file("numpy.npz"), ours = dir.file("ours.npz");
  const std::string write = fmt::format(
      "{} -c \"import numpy as np; np.savez('{}', **{{f'a{{i}}': np.float64(i) for i "
      "in range({})}})\"",
      kPython, theirs, kMembers);
  ASSERT_EQ(std::system(write.c_str()), 0) << write;
  {  // the file really is zip64: its zip64 end record, and a zip64 extra field (id 1, 16
     // bytes) right after the first member's name "a0.npy"
    std::ifstream in(theirs, std::ios::binary);
    const std::string bytes(std::istreambuf_iterator<char>(in), {});
    EXPECT_NE(bytes.find(std::string("PK\x06\x06", 4)), std::string::npos);
    EXPECT_EQ(bytes.substr(30 + 6, 4), std::string("\x01\x00\x10\x00", 4));
  }
  const auto tensors = tg::nn::read_npz(theirs);
  ASSERT_EQ(tensors.size(), static_cast<std::size_t>(kMembers));
  for (int i : {0, 65535, 65536, kMembers - 1}) {
    EXPECT_EQ(tensors[i].first, fmt::format("a{}", i));
    EXPECT_EQ(tensors[i].second.item<double>(), i);
  }
  tg::nn::write_npz(ours, tensors);
  const std::string read = fmt::format(
      "{} -c \"import numpy as np, zipfile; d = np.load('{}'); assert len(d.files) == {}; "
      "assert d['a{}'] == {}; assert b'PK\\x06\\x06' in open('{}', 'rb').read(); "
      "assert zipfile.ZipFile('{}').comment == b'tapegrad checkpoint "
      "format {}'\"",
      kPython, ours, kMembers, kMembers - 1, kMembers - 1, ours, ours,
      tg::nn::kCheckpointFormatVersion);
  EXPECT_EQ(std::system(read.c_str()), 0) << read;
}

TEST(Checkpoint, CorruptionMessagesNameTheFileAndTheMember) {
  tgtest::TempDir dir;
  const std::string p = dir.file("m.npz");
  tg::nn::write_npz(p, {{"w", tg::zeros({4})}});
  std::string bytes;
  {
    std::ifstream in(p, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  bytes[bytes.find('\n', bytes.find("'<f4'")) + 3] ^= 1;  // a byte of the first value
  std::ofstream(p, std::ios::binary) << bytes;
  const std::string msg = tgtest::error_message<tg::IoError>([&] { tg::nn::read_npz(p); });
  EXPECT_NE(msg.find("load " + p + ": member w.npy"), std::string::npos) << msg;
  EXPECT_NE(msg.find("CRC"), std::string::npos) << msg;
}

// A member larger than 4 GiB passes a plain zip's 32-bit sizes and offsets, so the archive
// needs zip64 extra fields (local and central) and the zip64 end record; the member after
// it starts past 4 GiB. One big tensor is in memory at a time (4.25 GiB), and one big file
// on disk. The suite runs in the Release ctest only, alone (label `large`, RUN_SERIAL:
// tests/CMakeLists.txt). On this machine, with other builds running: 18-33 s for the
// first test, 68 s for the second (numpy fills and writes its own 4.25 GiB file).
namespace large {

constexpr int64_t kNumel = (int64_t{1} << 30) + (int64_t{1} << 26);  // 4.25 GiB of float32
constexpr uint64_t kBytes = static_cast<uint64_t>(kNumel) * sizeof(float);
static_assert(kBytes > (uint64_t{1} << 32));

/// Values that differ from their neighbours, so a shifted or repeated block shows.
float value(int64_t i) { return static_cast<float>(i & 0xfffff); }

/// Writes "before" (2 floats), "big" (kNumel values) and "after" (-3.5, float64) to `path`.
void write_pattern(const std::string& path) {
  tg::Tensor big = tg::empty({kNumel}, tg::kFloat32);
  float* v = big.data<float>();
  for (int64_t i = 0; i < kNumel; ++i) v[i] = value(i);
  tg::nn::write_npz(path, {{"before", tg::from_vector(std::vector<float>{1, 2}, {2})},
                           {"big", big},
                           {"after", tg::scalar_tensor(-3.5, tg::kFloat64)}});
}

/// Reads `path` back and checks the "big" and "after" members.
void expect_pattern(const std::string& path) {
  const auto tensors = tg::nn::read_npz(path);
  ASSERT_GE(tensors.size(), 2u);
  const auto& [name, big] = tensors[tensors.size() - 2];
  ASSERT_EQ(name, "big");
  ASSERT_EQ(big.shape(), tg::Shape({kNumel}));
  const float* v = big.data<float>();
  int64_t wrong = 0;
  for (int64_t i = 0; i < kNumel; ++i) wrong += v[i] != value(i);
  EXPECT_EQ(wrong, 0);
  EXPECT_EQ(tensors.back().first, "after");
  EXPECT_EQ(tensors.back().second.item<double>(), -3.5);
}

/// Why the disk cannot hold one large checkpoint beside `dir` (and 1 GiB to spare), or "".
std::string lacking_space(const std::filesystem::path& dir) {
  const uint64_t free_bytes = std::filesystem::space(dir).available;
  const uint64_t needed = kBytes + (uint64_t{1} << 30);
  if (free_bytes >= needed) return "";
  return fmt::format("needs {} free bytes in {}, {} are free", needed, dir.string(), free_bytes);
}

}  // namespace large

TEST(CheckpointLarge, AMemberLargerThan4GiBRoundTripsThroughZip64) {
  tgtest::TempDir dir;
  if (const std::string why = large::lacking_space(dir.path()); !why.empty()) GTEST_SKIP() << why;
  ASSERT_GE(tg::max_allocation_bytes(), large::kBytes);
  const std::string p = dir.file("large.npz");
  large::write_pattern(p);
  EXPECT_GT(std::filesystem::file_size(p), large::kBytes);
  large::expect_pattern(p);
}

TEST(CheckpointLarge, NumpyReadsAndWritesMembersLargerThan4GiB) {
  if (!numpy_available()) GTEST_SKIP() << kPython << " with numpy is not available";
  tgtest::TempDir dir;
  if (const std::string why = large::lacking_space(dir.path()); !why.empty()) GTEST_SKIP() << why;
  ASSERT_GE(tg::max_allocation_bytes(), large::kBytes);
  const std::string ours = dir.file("ours.npz"), theirs = dir.file("numpy.npz");
  large::write_pattern(ours);
  // numpy's zipfile finds both members past the 32-bit limits, and the big one's header.
  const std::string read = fmt::format(
      "{} -c \"import numpy as np, zipfile; z = zipfile.ZipFile('{}'); i = z.getinfo('big.npy'); "
      "assert i.file_size > 2**32 and z.getinfo('after.npy').header_offset > 2**32; "
      "f = z.open(i); np.lib.format.read_magic(f); "
      "assert np.lib.format.read_array_header_1_0(f)[0] == ({},); "
      "assert np.load('{}')['after'] == -3.5\"",
      kPython, ours, large::kNumel, ours);
  EXPECT_EQ(std::system(read.c_str()), 0) << read;
  std::filesystem::remove(ours);
  // numpy.savez writes the same pattern, filled in slices of 2^24 values.
  const std::string write = fmt::format(
      "{} -c \"import numpy as np; n = {}; s = 1 << 24; a = np.empty(n, np.float32); "
      "[a.__setitem__(slice(i, i + s), np.arange(i, min(i + s, n)) & 0xfffff) "
      "for i in range(0, n, s)]; np.savez('{}', big=a, after=np.float64(-3.5))\"",
      kPython, large::kNumel, theirs);
  ASSERT_EQ(std::system(write.c_str()), 0) << write;
  large::expect_pattern(theirs);
}

// Regression tests for the parsers of outside data (tests/fuzz/): every input that once
// crashed, hung or over-allocated becomes a case here, and must now raise tg::IoError
// naming the file. Inputs are built byte by byte: an .npy payload inside a stored zip
// member (with a correct CRC, so the parser gets past the zip layer) or an IDX file.
#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "checks.hpp"
#include "tapegrad/autograd/error.hpp"
#include "tapegrad/data/idx.hpp"
#include "tapegrad/nn/npz.hpp"
#include "zip_builder.hpp"

namespace {

namespace fs = std::filesystem;
using tgtest::npy;
using tgtest::zip_stored;

/// Writes `bytes` to a temporary file and removes it afterwards.
class TempFile {
 public:
  explicit TempFile(const std::string& bytes)
      : path_(
            (fs::temp_directory_path() / ("tapegrad-fuzz-regression-" + std::to_string(::getpid()) +
                                          "-" + std::to_string(counter_++)))
                .string()) {
    std::ofstream(path_, std::ios::binary) << bytes;
  }
  ~TempFile() { fs::remove(path_); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  std::string path_;
};

template <class Read>
void expect_io_error(const std::string& bytes, Read read, const std::string& mention) {
  TempFile f(bytes);
  EXPECT_TRUE(tgtest::throws<tg::IoError>([&] { read(f.path()); }, {f.path(), mention}));
}

void expect_npz_error(const std::string& npy_bytes, const std::string& mention) {
  expect_io_error(
      zip_stored("x.npy", npy_bytes), [](const std::string& p) { tg::nn::read_npz(p); }, mention);
}

TEST(FuzzRegression, TheHandBuiltArchiveIsValid) {
  // The builder above is right, so the cases below reach the .npy parser.
  TempFile f(zip_stored("x.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }",
                                     std::string("\0\0\x80\x3f\0\0\0\x40", 8))));
  const auto t = tg::nn::read_npz(f.path());
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].first, "x");
  EXPECT_EQ(t[0].second.to_vector<float>(), (std::vector<float>{1.f, 2.f}));
}

// npy.cpp parsed each extent with std::stoull, which throws std::out_of_range (not
// tg::IoError) for an extent beyond 2^64.
TEST(FuzzRegression, NpyExtentBeyond64BitsIsAnIoError) {
  expect_npz_error(
      npy("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999,), }"),
      "shape");
}

// fuzz_npy, crash 891bf90a (the input as found): a mutated header whose shape holds
// "<f4000…0" with 28 zeros; std::stoull threw std::out_of_range through read_npz.
TEST(FuzzRegression, FuzzNpyCrash891bf90a) {
  static const unsigned char input[] = {
      0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 0x01, 0x00, 0x76, 0x00, 0x7b, 0x27, 0x64, 0x65, 0x73,
      0x63, 0x72, 0x27, 0x3a, 0x20, 0x27, 0x3c, 0x66, 0x34, 0x27, 0x2c, 0x20, 0x27, 0x66, 0x6f,
      0x72, 0x74, 0x72, 0x61, 0x6e, 0x5f, 0x6f, 0x72, 0x64, 0x65, 0x72, 0x27, 0x3a, 0x20, 0x46,
      0x61, 0x6c, 0x73, 0x65, 0x2c, 0x20, 0x27, 0x73, 0x68, 0x61, 0x70, 0x65, 0x27, 0x3a, 0x20,
      0x28, 0x3a, 0x20, 0x27, 0x3c, 0x66, 0x34, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30,
      0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30,
      0x30, 0x30, 0x30, 0x30, 0x27, 0x2c, 0x20, 0x27, 0x66, 0x6f, 0x72, 0x74, 0x72, 0x61, 0x6e,
      0x5f, 0x6f, 0x72, 0x64, 0x65, 0x72, 0x20, 0x27, 0x2c, 0x20, 0x33, 0x29, 0x2c, 0x20, 0x7d,
      0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x00, 0x80, 0x3e, 0x00, 0x00,
      0x00, 0x20, 0x0a, 0x00, 0x00, 0x80, 0x3e, 0x00, 0x00, 0x00, 0x3f, 0x00, 0xd8, 0xff, 0xbf,
      0xbe, 0x00, 0x00, 0x80, 0xff, 0xff, 0x7e, 0xff, 0xab, 0x21, 0x2f, 0x00, 0x3f};
  expect_npz_error(std::string(reinterpret_cast<const char*>(input), sizeof input), "shape");
}

TEST(FuzzRegression, NpyExtentsWhoseProductOverflowsAreAnIoError) {
  expect_npz_error(
      npy("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967295, 4294967295, 2), }"),
      "shape");
}

TEST(FuzzRegression, NpyShapeClaimingMoreDataThanPresentIsAnIoError) {
  expect_npz_error(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000,), }"),
                   "truncated");
}

TEST(FuzzRegression, NpyWithoutDescrIsAnIoError) {
  expect_npz_error(npy("{'fortran_order': False, 'shape': (1,), }"), "descr");
}

// A 60,000-character header overflowed the stack: npy.cpp parses the header with
// std::regex, which in libstdc++ recurses once per character matched. Headers are now
// capped at numpy's own limit (10,000 bytes), and the longest allowed ones must parse.
TEST(FuzzRegression, NpyHeaderAboveNumpysLimitIsAnIoError) {
  expect_npz_error(npy("{'descr': '" + std::string(60000, 'f') + "'}"), "limit of 10000");
}

TEST(FuzzRegression, NpyHeadersAtTheLimitDoNotOverflowTheStack) {
  expect_npz_error(npy("{'descr': '" + std::string(9900, 'f') + "'}"), "not supported");
  expect_npz_error(
      npy("{'descr': '<f4', 'fortran_order': False, 'shape': (" + std::string(9900, ' ') + "), }"),
      "bytes of data");
}

TEST(FuzzRegression, IdxHeaderClaimingHugeExtentsIsAnIoError) {
  std::string idx = {0, 0, 0x08, 3};
  for (int i = 0; i < 3; ++i) idx += "\xff\xff\xff\xff";
  expect_io_error(
      idx, [](const std::string& p) { tg::data::read_idx(p); }, "overflow");
}

// fuzz_idx, crash 61fd783c: a header with a zero extent after two huge ones. Shape::numel
// multiplied the huge extents first and overflowed int64 (UB) before reaching the zero.
TEST(FuzzRegression, IdxEmptyTensorWithHugeExtentsBesideAZero) {
  const std::string idx(
      "\0\0\x08\x06\xfd\0\0\x06\xf9\xf9\xf9\0\0\0\0\0\0\0\x46\xf9\x04\x03\x0e\0\0\0\0\xf9", 28);
  TempFile f(idx);
  const tg::Tensor t = tg::data::read_idx(f.path());
  EXPECT_EQ(t.numel(), 0);
  EXPECT_EQ(t.shape(), (tg::Shape{0xfd000006, 0xf9f9f900, 0, 0x46f9, 0x04030e00, 0xf9}));
}

TEST(FuzzRegression, IdxGzipTruncatedIsAnIoError) {
  std::string idx = {0, 0, 0x08, 1, 0, 0, 0, 4, 1, 2, 3, 4};
  uLongf n = compressBound(idx.size()) + 32;
  std::string gz(n, '\0');
  z_stream zs{};
  ASSERT_EQ(deflateInit2(&zs, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  zs.next_in = reinterpret_cast<Bytef*>(idx.data());
  zs.avail_in = static_cast<uInt>(idx.size());
  zs.next_out = reinterpret_cast<Bytef*>(gz.data());
  zs.avail_out = static_cast<uInt>(gz.size());
  ASSERT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  gz.resize(zs.total_out - 6);  // cut into the CRC and length trailer
  deflateEnd(&zs);
  expect_io_error(
      gz, [](const std::string& p) { tg::data::read_idx(p); }, "read_idx");
}

}  // namespace

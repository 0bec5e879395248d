// IDX reader on small files written here, plain and gzip-compressed.
#include <gtest/gtest.h>
#include <zlib.h>

#include <fstream>

#include "checks.hpp"
#include "tapegrad/nn.hpp"
#include "temp_dir.hpp"

namespace {

std::string idx_bytes(unsigned char type, const std::vector<uint32_t>& dims,
                      const std::string& payload) {
  std::string out = {'\0', '\0', static_cast<char>(type), static_cast<char>(dims.size())};
  for (uint32_t d : dims)
    for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<char>((d >> s) & 0xff));
  return out + payload;
}

void write_plain(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

void write_gzip(const std::string& path, const std::string& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())),
            static_cast<int>(bytes.size()));
  gzclose(f);
}

/// read_idx(path)'s IoError message (a failure if it does not throw one).
std::string read_idx_error(const std::string& path) {
  return tgtest::error_message<tg::IoError>([&] { tg::data::read_idx(path); });
}

}  // namespace

TEST(Idx, UnsignedBytesPlainAndGzip) {
  tgtest::TempDir dir;
  const std::string bytes = idx_bytes(0x08, {2, 3}, std::string("\x00\x01\x02\x7f\x80\xff", 6));
  write_plain(dir.file("a.idx"), bytes);
  write_gzip(dir.file("a.idx.gz"), bytes);
  for (const char* name : {"a.idx", "a.idx.gz"}) {
    const tg::Tensor t = tg::data::read_idx(dir.file(name));
    EXPECT_EQ(t.shape(), tg::Shape({2, 3})) << name;
    EXPECT_EQ(t.to_vector<float>(), (std::vector<float>{0, 1, 2, 127, 128, 255})) << name;
  }
}

TEST(Idx, SignedIntegersAndFloatsAreBigEndian) {
  tgtest::TempDir dir;
  write_plain(dir.file("i16"), idx_bytes(0x0B, {2}, std::string("\xff\xfe\x01\x00", 4)));
  EXPECT_EQ(tg::data::read_idx(dir.file("i16")).to_vector<float>(), (std::vector<float>{-2, 256}));
  write_plain(dir.file("i32"), idx_bytes(0x0C, {1}, std::string("\xff\xff\xff\xfd", 4)));
  EXPECT_EQ(tg::data::read_idx(dir.file("i32")).item<float>(), -3.0f);
  write_plain(dir.file("i8"), idx_bytes(0x09, {1}, std::string("\xfb", 1)));
  EXPECT_EQ(tg::data::read_idx(dir.file("i8")).item<float>(), -5.0f);
  write_plain(dir.file("f32"), idx_bytes(0x0D, {1}, std::string("\x3f\xc0\x00\x00", 4)));  // 1.5
  EXPECT_EQ(tg::data::read_idx(dir.file("f32")).item<float>(), 1.5f);
  write_gzip(dir.file("f64.gz"),
             idx_bytes(0x0E, {1, 1}, std::string("\xc0\x04\x00\x00\x00\x00\x00\x00", 8)));  // -2.5
  const tg::Tensor d = tg::data::read_idx(dir.file("f64.gz"), tg::kFloat64);
  EXPECT_EQ(d.dtype(), tg::kFloat64);
  EXPECT_EQ(d.item<double>(), -2.5);
}

TEST(Idx, TruncatedAndMalformedFilesRaise) {
  tgtest::TempDir dir;
  const std::string good = idx_bytes(0x08, {2, 3}, std::string(6, '\x01'));
  write_plain(dir.file("short"), good.substr(0, good.size() - 1));
  EXPECT_NE(read_idx_error(dir.file("short")).find("truncated"), std::string::npos);
  write_gzip(dir.file("short.gz"), good.substr(0, good.size() - 2));
  EXPECT_NE(read_idx_error(dir.file("short.gz")).find("truncated"), std::string::npos);
  write_plain(dir.file("header"), good.substr(0, 7));
  read_idx_error(dir.file("header"));
  write_plain(dir.file("magic"), "\x01\x00\x08\x01xxxx");
  read_idx_error(dir.file("magic"));
  write_plain(dir.file("type"), idx_bytes(0x07, {1}, "x"));
  read_idx_error(dir.file("type"));
  // A header claiming 2^32-1 × 2^32-1 bytes in a tiny file: refused before allocating.
  write_plain(dir.file("huge"), idx_bytes(0x08, {0xffffffffu, 0xffffffffu}, "abc"));
  EXPECT_NE(read_idx_error(dir.file("huge")).find("truncated"), std::string::npos);
  write_plain(dir.file("long"), good + "extra");
  EXPECT_NE(read_idx_error(dir.file("long")).find("trailing"), std::string::npos);
  read_idx_error(dir.file("missing"));
  // A gzip stream cut in the middle.
  write_gzip(dir.file("cut.gz"), idx_bytes(0x08, {4096}, std::string(4096, '\x05')));
  std::filesystem::resize_file(dir.file("cut.gz"), 20);
  read_idx_error(dir.file("cut.gz"));
}

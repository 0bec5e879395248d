// The checks read_npz makes around libzip (nn/src/npz_read.cpp) before it allocates or
// reads a member: the compression method, and sizes that a stored or deflated member
// cannot have. Each archive is zip_builder.hpp's valid one-member archive with fields
// patched consistently in the local header and the central directory, so libzip's own
// consistency check (ZIP_CHECKCONS) passes and tapegrad's checks are what refuse it.
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <string>

#include "checks.hpp"
#include "tapegrad/autograd/error.hpp"
#include "tapegrad/nn/npz.hpp"
#include "temp_dir.hpp"
#include "zip_builder.hpp"

namespace {

// Field offsets in zip_stored's archive: the local header starts at 0, the central entry
// after the local header, its name and the payload.
constexpr std::size_t kLocalMethod = 8, kLocalCompressed = 18, kLocalSize = 22;
constexpr std::size_t kCentralMethod = 10, kCentralCompressed = 20, kCentralSize = 24;

void patch16(std::string& s, std::size_t at, uint32_t v) {
  std::string b;
  tgtest::put16(b, v);
  s.replace(at, 2, b);
}
void patch32(std::string& s, std::size_t at, uint32_t v) {
  std::string b;
  tgtest::put32(b, v);
  s.replace(at, 4, b);
}

/// The member: a .npy file of two float32 zeros.
std::string payload() {
  return tgtest::npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }",
                     std::string(8, '\0'));
}
const uint32_t kPayloadSize = static_cast<uint32_t>(payload().size());

/// The one-member archive with `method` and the compressed and uncompressed sizes set in
/// both headers.
std::string archive(uint16_t method, uint32_t compressed, uint32_t size) {
  std::string zip = tgtest::zip_stored("x.npy", payload());
  const std::size_t central = 30 + 5 + payload().size();
  patch16(zip, kLocalMethod, method);
  patch16(zip, central + kCentralMethod, method);
  patch32(zip, kLocalCompressed, compressed);
  patch32(zip, central + kCentralCompressed, compressed);
  patch32(zip, kLocalSize, size);
  patch32(zip, central + kCentralSize, size);
  return zip;
}

void expect_refused(const std::string& bytes, const std::vector<std::string>& mentions) {
  tgtest::TempDir dir;
  const std::string p = dir.file("x.npz");
  std::ofstream(p, std::ios::binary) << bytes;
  std::vector<std::string> needles = {"load " + p + ": member x.npy: "};
  needles.insert(needles.end(), mentions.begin(), mentions.end());
  EXPECT_TRUE(tgtest::throws<tg::IoError>([&] { tg::nn::read_npz(p); }, needles));
}

TEST(ZipLayer, TheUnpatchedArchiveLoads) {
  tgtest::TempDir dir;
  std::ofstream(dir.file("x.npz"), std::ios::binary) << archive(0, kPayloadSize, kPayloadSize);
  const auto t = tg::nn::read_npz(dir.file("x.npz"));
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].second.to_vector<float>(), (std::vector<float>{0, 0}));
}

TEST(ZipLayer, ACompressionMethodOtherThanStoredOrDeflatedIsRefused) {
  expect_refused(archive(12, kPayloadSize, kPayloadSize),
                 {"unsupported compression method 12", "expected stored or deflated"});  // bzip2
}

TEST(ZipLayer, AStoredMemberWhoseSizesDifferIsRefused) {
  expect_refused(
      archive(0, kPayloadSize, 1000000),
      {"stored, but records " + std::to_string(kPayloadSize) + " compressed bytes for 1000000"});
}

TEST(ZipLayer, ADeflatedMemberClaimingMoreThanDeflateCanExpandIsRefusedBeforeAllocating) {
  expect_refused(archive(8, kPayloadSize, 4000000000u),
                 {"claims 4000000000 bytes inflated from " + std::to_string(kPayloadSize),
                  "deflate expands at most 1032:1"});
}

}  // namespace

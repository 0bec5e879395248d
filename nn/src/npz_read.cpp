// Reading .npz files. Every offset and size from the zip directory is checked against
// the file's size before use (Note [Safe checkpoint writes] in npz.hpp).
#include <fmt/format.h>
#include <zlib.h>

#include <climits>
#include <string_view>
#include <vector>

#include "npy.hpp"
#include "read_file.hpp"
#include "tapegrad/autograd/error.hpp"
#include "tapegrad/nn/npz.hpp"
#include "zip_format.hpp"

namespace tg::nn {

namespace {

struct Archive {
  const std::string& path;
  const std::vector<unsigned char>& bytes;

  [[noreturn]] void fail(const std::string& why) const {
    throw IoError(fmt::format("load {}: {} (truncated or corrupt .npz?)", path, why));
  }
  /// Checks that [offset, offset + n) lies in the file and returns a pointer to it.
  const unsigned char* at(uint64_t offset, uint64_t n, const char* what) const {
    if (offset > bytes.size() || n > bytes.size() - offset)
      fail(fmt::format("{} at offset {} ({} bytes) runs past the end of the {}-byte file", what,
                       offset, n, bytes.size()));
    return bytes.data() + offset;
  }
};

std::size_t find_end_record(const Archive& a) {
  const std::size_t size = a.bytes.size();
  if (size < zip::kEndSize) a.fail(fmt::format("only {} bytes", size));
  const std::size_t lowest = size > zip::kEndSize + 0xffff ? size - zip::kEndSize - 0xffff : 0;
  for (std::size_t pos = size - zip::kEndSize + 1; pos-- > lowest;)
    if (zip::get32(a.bytes.data() + pos) == zip::kEndSig) return pos;
  a.fail("no end-of-central-directory record");
}

/// Refuses a file whose archive comment names another checkpoint format version (Note
/// [Checkpoint format version] in npz.hpp).
void check_version(const Archive& a, std::size_t end) {
  const uint16_t comment_len = zip::get16(a.bytes.data() + end + 20);
  const unsigned char* c = a.at(end + zip::kEndSize, comment_len, "archive comment");
  const std::string_view comment(reinterpret_cast<const char*>(c), comment_len);
  if (!comment.starts_with(zip::kVersionComment)) return;  // a plain .npz (numpy's)
  const std::string version(comment.substr(zip::kVersionComment.size()));
  if (version != std::to_string(kCheckpointFormatVersion))
    throw IoError(fmt::format(
        "load {}: checkpoint format version {} is not supported: this tapegrad reads version {}",
        a.path, version.substr(0, 20), kCheckpointFormatVersion));
}

std::vector<unsigned char> inflate_member(const Archive& a, const unsigned char* src,
                                          uint32_t csize, uint32_t usize, const std::string& name) {
  // Deflate expands at most ~1032:1; a larger claimed size is corrupt.
  if (usize / 1032 > csize)
    a.fail(fmt::format("member {} claims {} bytes from {}", name, usize, csize));
  std::vector<unsigned char> out(usize);
  z_stream zs{};
  if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) a.fail("zlib inflateInit2 failed");
  zs.next_in = const_cast<Bytef*>(src);
  zs.avail_in = csize;
  zs.next_out = out.data();
  zs.avail_out = usize;
  const int rc = inflate(&zs, Z_FINISH);
  inflateEnd(&zs);
  if (rc != Z_STREAM_END || zs.total_out != usize)
    a.fail(fmt::format("member {} does not inflate to its recorded size", name));
  return out;
}

}  // namespace

NamedTensors read_npz(const std::string& path) {
  const std::vector<unsigned char> bytes = detail::read_file(path, "load");
  const Archive a{path, bytes};
  const std::size_t end = find_end_record(a);
  check_version(a, end);
  const unsigned char* e = bytes.data() + end;
  const uint16_t entries = zip::get16(e + 10);
  const uint32_t cd_size = zip::get32(e + 12);
  const uint32_t cd_offset = zip::get32(e + 16);
  if (uint64_t{cd_offset} + cd_size > end)
    a.fail(fmt::format("central directory [{}, +{}) overlaps its end record at {}", cd_offset,
                       cd_size, end));
  NamedTensors out;
  uint64_t pos = cd_offset;
  for (uint16_t i = 0; i < entries; ++i) {
    const unsigned char* c = a.at(pos, zip::kCentralHeaderSize, "central directory entry");
    if (zip::get32(c) != zip::kCentralSig) a.fail(fmt::format("bad central directory entry {}", i));
    const uint16_t method = zip::get16(c + 10);
    const uint32_t crc = zip::get32(c + 16);
    const uint32_t csize = zip::get32(c + 20);
    const uint32_t usize = zip::get32(c + 24);
    const uint16_t name_len = zip::get16(c + 28);
    const uint16_t extra_len = zip::get16(c + 30);
    const uint16_t comment_len = zip::get16(c + 32);
    const uint32_t local = zip::get32(c + 42);
    const unsigned char* n = a.at(pos + zip::kCentralHeaderSize, name_len, "member name");
    std::string member(reinterpret_cast<const char*>(n), name_len);
    pos += zip::kCentralHeaderSize + name_len + extra_len + comment_len;

    const unsigned char* l = a.at(local, zip::kLocalHeaderSize, "local header");
    if (zip::get32(l) != zip::kLocalSig) a.fail(fmt::format("bad local header for {}", member));
    const uint64_t data_at =
        uint64_t{local} + zip::kLocalHeaderSize + zip::get16(l + 26) + zip::get16(l + 28);
    const unsigned char* data = a.at(data_at, csize, ("data of " + member).c_str());
    std::vector<unsigned char> inflated;
    if (method == zip::kDeflated) {
      inflated = inflate_member(a, data, csize, usize, member);
      data = inflated.data();
    } else if (method != zip::kStored || csize != usize) {
      a.fail(fmt::format("member {} uses unsupported compression method {}", member, method));
    }
    if (crc32(0, data, usize) != crc) a.fail(fmt::format("CRC mismatch in member {}", member));
    if (member.size() > 4 && member.ends_with(".npy")) member.resize(member.size() - 4);
    out.emplace_back(member,
                     npy::decode(data, usize, fmt::format("load {}: member {}", path, member)));
  }
  return out;
}

}  // namespace tg::nn

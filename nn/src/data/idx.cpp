#include "tapegrad/data/idx.hpp"

#include <fmt/format.h>
#include <zlib.h>

#include <cstring>
#include <limits>
#include <vector>

#include "../read_file.hpp"
#include "tapegrad/autograd/error.hpp"
#include "tapegrad/autograd/storage.hpp"

namespace tg::data {

namespace {

/// The whole (decompressed) content. gzread passes plain files through unchanged, and
/// the buffer grows only as bytes actually arrive, never from a size the file claims, up
/// to tg::max_allocation_bytes() (a gzip bomb stops there). The file is opened as Note
/// [Opening outside data] in read_file.hpp says.
std::vector<unsigned char> read_all(const std::string& path) {
  nn::detail::RegularFile file(path, "read_idx");
  gzFile f = gzdopen(file.fd(), "rb");
  if (!f) throw IoError(fmt::format("read_idx {}: cannot open", path));
  file.release();
  std::vector<unsigned char> out;
  unsigned char chunk[1 << 16];
  for (;;) {
    const int n = gzread(f, chunk, sizeof chunk);
    if (n < 0) {
      int err = 0;
      const std::string msg = gzerror(f, &err);
      gzclose(f);
      throw IoError(fmt::format("read_idx {}: corrupt gzip data ({})", path, msg));
    }
    if (n == 0) break;
    if (out.size() + static_cast<std::size_t>(n) > max_allocation_bytes()) {
      gzclose(f);
      throw IoError(
          fmt::format("read_idx {}: decompresses to more than this machine's physical "
                      "memory ({} bytes)",
                      path, max_allocation_bytes()));
    }
    out.insert(out.end(), chunk, chunk + n);
  }
  // A stream cut short (even only in its CRC trailer) ends gzread with 0 and records
  // Z_BUF_ERROR ("unexpected end of file") without failing the call.
  int err = Z_OK;
  const std::string msg = gzerror(f, &err);
  gzclose(f);
  if (err != Z_OK)
    throw IoError(fmt::format("read_idx {}: corrupt gzip data ({}; truncated?)", path, msg));
  return out;
}

uint32_t be32(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

/// Big-endian element of `size` bytes at p, as the IDX type says.
double element(const unsigned char* p, unsigned char type) {
  uint64_t bits = 0;
  const int size = type == 0x0E ? 8 : type == 0x0C || type == 0x0D ? 4 : type == 0x0B ? 2 : 1;
  for (int i = 0; i < size; ++i) bits = (bits << 8) | p[i];
  switch (type) {
    case 0x08:
      return static_cast<double>(bits);
    case 0x09:
      return static_cast<double>(static_cast<int8_t>(bits));
    case 0x0B:
      return static_cast<double>(static_cast<int16_t>(bits));
    case 0x0C:
      return static_cast<double>(static_cast<int32_t>(bits));
    case 0x0D: {
      float f;
      const auto b = static_cast<uint32_t>(bits);
      std::memcpy(&f, &b, 4);
      return f;
    }
    default: {
      double d;
      std::memcpy(&d, &bits, 8);
      return d;
    }
  }
}

int element_size(unsigned char type) {
  switch (type) {
    case 0x08:
    case 0x09:
      return 1;
    case 0x0B:
      return 2;
    case 0x0C:
    case 0x0D:
      return 4;
    case 0x0E:
      return 8;
    default:
      return 0;
  }
}

}  // namespace

Tensor read_idx(const std::string& path, Dtype dtype) {
  const std::vector<unsigned char> bytes = read_all(path);
  if (bytes.size() < 4 || bytes[0] != 0 || bytes[1] != 0)
    throw IoError(
        fmt::format("read_idx {}: not an IDX file (the first two bytes must be 0)", path));
  const unsigned char type = bytes[2];
  const int rank = bytes[3];
  const int esize = element_size(type);
  if (esize == 0)
    throw IoError(fmt::format("read_idx {}: unknown element type 0x{:02X}", path, type));
  if (rank > Shape::kMaxRank)
    throw IoError(fmt::format("read_idx {}: rank {} exceeds {}", path, rank, Shape::kMaxRank));
  const std::size_t header = 4 + 4 * static_cast<std::size_t>(rank);
  if (bytes.size() < header)
    throw IoError(fmt::format("read_idx {}: truncated header ({} bytes, need {})", path,
                              bytes.size(), header));
  Shape shape;
  uint64_t numel = 1;
  const uint64_t available = (bytes.size() - header) / static_cast<uint64_t>(esize);
  for (int i = 0; i < rank; ++i) {
    const uint32_t d = be32(bytes.data() + 4 + 4 * i);
    if (d != 0 && numel > std::numeric_limits<uint64_t>::max() / d)
      throw IoError(fmt::format("read_idx {}: extents overflow", path));
    numel *= d;
    shape.push_back(static_cast<int64_t>(d));
  }
  const uint64_t needed = numel * static_cast<uint64_t>(esize);
  if (numel > available || needed != bytes.size() - header)
    throw IoError(
        fmt::format("read_idx {}: shape {} of {}-byte elements needs {} data bytes but "
                    "the file holds {}{}",
                    path, shape.str(), esize, needed, bytes.size() - header,
                    numel > available ? " (truncated)" : " (trailing bytes)"));
  Tensor t = empty(shape, dtype);
  visit_dtype(dtype, [&]<class T>() {
    T* out = t.data<T>();
    const unsigned char* p = bytes.data() + header;
    for (uint64_t i = 0; i < numel; ++i) out[i] = static_cast<T>(element(p + i * esize, type));
  });
  return t;
}

}  // namespace tg::data

#include "npy.hpp"

#include <fmt/format.h>

#include <cstring>
#include <limits>

#include "tapegrad/autograd/error.hpp"

namespace tg::nn::npy {

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr std::size_t kMagicLen = 6;
/// numpy.load refuses headers longer than this (its max_header_size); so do we.
constexpr std::size_t kMaxHeaderLen = kMaxHeaderBytes - kMagicLen - 2 - 4;

/// The little-endian unsigned integer in the `bytes` bytes at `p`.
uint32_t get_le(const unsigned char* p, int bytes) {
  uint32_t v = 0;
  for (int i = bytes; i-- > 0;) v = (v << 8) | p[i];
  return v;
}

std::string shape_literal(const Shape& s) {
  if (s.rank() == 0) return "()";
  std::string out = "(";
  for (int i = 0; i < s.rank(); ++i) out += fmt::format("{}, ", s[i]);
  if (s.rank() > 1)
    out.resize(out.size() - 2);  // (3,) keeps its comma, (2, 3) does not
  else
    out.pop_back();
  return out + ")";
}

/// The text of the value of 'key' in a .npy header dict: a quoted string, a word, or a
/// parenthesised tuple.
std::string header_value(const std::string& header, const std::string& key,
                         const std::string& what) {
  const std::size_t k = header.find("'" + key + "'");
  if (k == std::string::npos)
    throw IoError(fmt::format("{}: .npy header has no '{}': {}", what, key, header.substr(0, 200)));
  std::size_t i = header.find_first_not_of(" :", k + key.size() + 2);
  if (i == std::string::npos || header[k + key.size() + 2] != ':')
    throw IoError(fmt::format("{}: malformed .npy header: {}", what, header.substr(0, 200)));
  const char open = header[i];
  std::size_t close;
  if (open == '\'') {
    close = header.find('\'', i + 1);
  } else if (open == '(') {
    close = header.find(')', i);
  } else {
    close = header.find_first_of(",}", i);
    if (close != std::string::npos) --close;
  }
  if (close == std::string::npos || close < i)
    throw IoError(fmt::format("{}: malformed .npy header: {}", what, header.substr(0, 200)));
  return header.substr(i, close - i + 1);
}

/// numpy's little-endian type string of each dtype.
const char* descr_of(Dtype d) {
  switch (d) {
    case Dtype::Float32:
      return "<f4";
    case Dtype::Float64:
      return "<f8";
    case Dtype::Int64:
      return "<i8";
  }
  return "<f4";
}

}  // namespace

std::string header(const Tensor& t) {
  std::string header = fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': {}, }}",
                                   descr_of(t.dtype()), shape_literal(t.shape()));
  const std::size_t unpadded = kMagicLen + 2 + 2 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header.push_back('\n');
  std::string out(kMagic, kMagicLen);
  out.push_back('\x01');
  out.push_back('\x00');
  out.push_back(static_cast<char>(header.size() & 0xff));
  out.push_back(static_cast<char>(header.size() >> 8));
  return out + header;
}

Layout parse_header(const unsigned char* data, std::size_t available, uint64_t size,
                    const std::string& what) {
  if (size < kMagicLen + 4 || available < kMagicLen + 4 ||
      std::memcmp(data, kMagic, kMagicLen) != 0)
    throw IoError(fmt::format("{}: not a .npy array (bad magic or truncated)", what));
  const int major = data[kMagicLen];
  std::size_t header_len = 0;
  std::size_t offset = 0;
  if (major == 1) {
    header_len = get_le(data + kMagicLen + 2, 2);
    offset = kMagicLen + 4;
  } else if (major == 2 || major == 3) {
    if (available < kMagicLen + 6) throw IoError(fmt::format("{}: truncated .npy header", what));
    header_len = get_le(data + kMagicLen + 2, 4);
    offset = kMagicLen + 6;
  } else {
    throw IoError(fmt::format("{}: unsupported .npy version {}", what, major));
  }
  if (header_len > kMaxHeaderLen)
    throw IoError(fmt::format("{}: .npy header of {} bytes exceeds numpy's limit of {}", what,
                              header_len, kMaxHeaderLen));
  if (header_len > available - offset)
    throw IoError(fmt::format("{}: .npy header of {} bytes but only {} remain (truncated)", what,
                              header_len, available - offset));
  const std::string header(reinterpret_cast<const char*>(data + offset), header_len);
  offset += header_len;

  const std::string descr = header_value(header, "descr", what);
  Dtype dtype;
  if (descr == "'<f4'")
    dtype = kFloat32;
  else if (descr == "'<f8'")
    dtype = kFloat64;
  else if (descr == "'<i8'")
    dtype = kInt64;
  else
    throw IoError(
        fmt::format("{}: dtype {} is not supported (expected '<f4', '<f8' or '<i8')", what, descr));
  if (header_value(header, "fortran_order", what) != "False")
    throw IoError(fmt::format("{}: only C-order arrays are supported; header: {}", what,
                              header.substr(0, 200)));
  const std::string dims = header_value(header, "shape", what);
  if (dims.size() < 2 || dims.front() != '(' || dims.back() != ')')
    throw IoError(fmt::format("{}: malformed shape {}", what, dims));
  Shape shape;
  uint64_t numel = 1;
  for (std::size_t i = 1; i + 1 < dims.size();) {
    const char c = dims[i];
    if (c == ' ' || c == ',') {
      ++i;
      continue;
    }
    if (c < '0' || c > '9') throw IoError(fmt::format("{}: malformed shape {}", what, dims));
    uint64_t d = 0;
    for (; i + 1 < dims.size() && dims[i] >= '0' && dims[i] <= '9'; ++i) {
      d = d * 10 + static_cast<uint64_t>(dims[i] - '0');
      if (d > std::numeric_limits<uint32_t>::max())
        throw IoError(fmt::format("{}: shape {} is implausibly large", what, dims));
    }
    if (shape.rank() == Shape::kMaxRank)
      throw IoError(fmt::format("{}: more than {} axes", what, Shape::kMaxRank));
    if (d != 0 && numel > (uint64_t{1} << 40) / d)
      throw IoError(fmt::format("{}: shape {} is implausibly large", what, dims));
    numel *= d;
    shape.push_back(static_cast<int64_t>(d));
  }
  const uint64_t nbytes = numel * itemsize(dtype);
  if (nbytes != size - offset)
    throw IoError(fmt::format("{}: shape {} {} needs {} bytes of data but {} are present{}", what,
                              shape.str(), name(dtype), nbytes, size - offset,
                              nbytes > size - offset ? " (truncated)" : ""));
  return {shape, dtype, offset};
}

}  // namespace tg::nn::npy

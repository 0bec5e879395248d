#include "npy.hpp"

#include <fmt/format.h>

#include <cstring>
#include <limits>
#include <regex>

#include "tapegrad/autograd/error.hpp"
#include "zip_format.hpp"

namespace tg::nn::npy {

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr std::size_t kMagicLen = 6;

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

}  // namespace

std::string encode(const Tensor& t) {
  std::string header = fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': {}, }}",
                                   t.dtype() == kFloat32 ? "<f4" : "<f8", shape_literal(t.shape()));
  const std::size_t unpadded = kMagicLen + 2 + 2 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header.push_back('\n');
  std::string out(kMagic, kMagicLen);
  out.push_back('\x01');
  out.push_back('\x00');
  zip::put16(out, static_cast<uint16_t>(header.size()));
  out += header;
  out.append(static_cast<const char*>(t.impl()->data()), t.nbytes());
  return out;
}

Tensor decode(const unsigned char* data, std::size_t size, const std::string& what) {
  if (size < kMagicLen + 4 || std::memcmp(data, kMagic, kMagicLen) != 0)
    throw IoError(fmt::format("{}: not a .npy array (bad magic or truncated)", what));
  const int major = data[kMagicLen];
  std::size_t header_len = 0;
  std::size_t offset = 0;
  if (major == 1) {
    header_len = zip::get16(data + kMagicLen + 2);
    offset = kMagicLen + 4;
  } else if (major == 2 || major == 3) {
    if (size < kMagicLen + 6) throw IoError(fmt::format("{}: truncated .npy header", what));
    header_len = zip::get32(data + kMagicLen + 2);
    offset = kMagicLen + 6;
  } else {
    throw IoError(fmt::format("{}: unsupported .npy version {}", what, major));
  }
  if (header_len > size - offset)
    throw IoError(fmt::format("{}: .npy header of {} bytes but only {} remain (truncated)", what,
                              header_len, size - offset));
  const std::string header(reinterpret_cast<const char*>(data + offset), header_len);
  offset += header_len;

  std::smatch m;
  static const std::regex descr_re(R"('descr'\s*:\s*'([^']*)')");
  static const std::regex fortran_re(R"('fortran_order'\s*:\s*(True|False))");
  static const std::regex shape_re(R"('shape'\s*:\s*\(([^)]*)\))");
  if (!std::regex_search(header, m, descr_re))
    throw IoError(fmt::format("{}: .npy header has no 'descr': {}", what, header));
  const std::string descr = m[1];
  Dtype dtype;
  if (descr == "<f4")
    dtype = kFloat32;
  else if (descr == "<f8")
    dtype = kFloat64;
  else
    throw IoError(
        fmt::format("{}: dtype '{}' is not supported (expected '<f4' or '<f8')", what, descr));
  if (!std::regex_search(header, m, fortran_re) || m[1] == "True")
    throw IoError(fmt::format("{}: only C-order arrays are supported; header: {}", what, header));
  if (!std::regex_search(header, m, shape_re))
    throw IoError(fmt::format("{}: .npy header has no 'shape': {}", what, header));
  Shape shape;
  const std::string dims = m[1];
  static const std::regex int_re(R"(\d+)");
  uint64_t numel = 1;
  for (auto it = std::sregex_iterator(dims.begin(), dims.end(), int_re);
       it != std::sregex_iterator(); ++it) {
    if (shape.rank() == Shape::kMaxRank)
      throw IoError(fmt::format("{}: more than {} axes", what, Shape::kMaxRank));
    const uint64_t d = std::stoull(it->str());
    if (d > std::numeric_limits<uint32_t>::max() || (d != 0 && numel > (uint64_t{1} << 40) / d))
      throw IoError(fmt::format("{}: shape ({}) is implausibly large", what, dims));
    numel *= d;
    shape.push_back(static_cast<int64_t>(d));
  }
  const uint64_t nbytes = numel * itemsize(dtype);
  if (nbytes != size - offset)
    throw IoError(fmt::format("{}: shape {} {} needs {} bytes of data but {} are present{}", what,
                              shape.str(), name(dtype), nbytes, size - offset,
                              nbytes > size - offset ? " (truncated)" : ""));
  Tensor t = empty(shape, dtype);
  std::memcpy(t.impl()->data(), data + offset, nbytes);
  return t;
}

}  // namespace tg::nn::npy

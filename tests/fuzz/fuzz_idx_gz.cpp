// Fuzz target: tg::data::read_idx behind gzip. The input is IDX content; the harness
// gzips it and checks that reading the compressed file gives exactly what reading the
// plain file gives (the same values, or tg::IoError for both). Seeds:
// tests/fuzz/corpus/idx_gz/ (plain IDX content).
#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <vector>

#include "fuzz_input.hpp"
#include "tapegrad/autograd/error.hpp"
#include "tapegrad/data/idx.hpp"

namespace {

/// `data` as a gzip stream (deflate with a gzip header: windowBits 15 + 16).
std::vector<uint8_t> gzip(const uint8_t* data, size_t size) {
  z_stream zs{};
  if (deflateInit2(&zs, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    __builtin_trap();
  std::vector<uint8_t> out(deflateBound(&zs, size) + 32);
  zs.next_in = const_cast<uint8_t*>(data);
  zs.avail_in = static_cast<uInt>(size);
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  if (deflate(&zs, Z_FINISH) != Z_STREAM_END) __builtin_trap();
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

std::optional<std::vector<double>> read(tg::fuzz::InputFile& file, const uint8_t* data,
                                        size_t size) {
  try {
    const tg::Tensor t = tg::data::read_idx(file.assign(data, size), tg::kFloat64);
    std::vector<double> v = t.to_vector<double>();
    for (int i = 0; i < t.dim(); ++i) v.push_back(static_cast<double>(t.size(i)));
    return v;
  } catch (const tg::IoError&) {
    return std::nullopt;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static tg::fuzz::InputFile plain_file("idx"), gz_file("idx.gz");
  // A plain input that itself starts with the gzip magic would be read as gzip: skip it.
  if (size >= 2 && data[0] == 0x1f && data[1] == 0x8b) return 0;
  const std::vector<uint8_t> gz = gzip(data, size);
  const auto plain = read(plain_file, data, size);
  const auto compressed = read(gz_file, gz.data(), gz.size());
  if (plain.has_value() != compressed.has_value()) __builtin_trap();
  if (plain && (plain->size() != compressed->size() ||
                std::memcmp(plain->data(), compressed->data(), plain->size() * sizeof(double))))
    __builtin_trap();
  return 0;
}

// png_check FILE...: exits 0 only if every FILE is a PNG that decodes: the signature, then
// chunks whose CRCs match, an IHDR first (with its width, height, bit depth and colour
// type), IDAT data that inflates (zlib) to exactly height rows of 1 + row-bytes each, and
// an IEND last. Prints the size of each picture, or what is wrong with it.
#include <fmt/format.h>
#include <zlib.h>

#include <array>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

uint32_t be32(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

struct Picture {
  uint32_t width = 0, height = 0;
};

Picture decode(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open");
  const std::vector<unsigned char> b((std::istreambuf_iterator<char>(in)), {});
  static constexpr std::array<unsigned char, 8> kSignature{0x89, 'P',  'N',  'G',
                                                           '\r', '\n', 0x1a, '\n'};
  if (b.size() < 8 || !std::equal(kSignature.begin(), kSignature.end(), b.begin()))
    throw std::runtime_error("no PNG signature");
  Picture pic;
  uint32_t bit_depth = 0, colour_type = 0;
  std::vector<unsigned char> idat;
  bool ended = false;
  for (size_t at = 8; !ended;) {
    if (at + 12 > b.size()) throw std::runtime_error("truncated chunk (no IEND)");
    const uint32_t len = be32(&b[at]);
    if (at + 12 + len > b.size()) throw std::runtime_error("chunk runs past the end");
    const std::string type(reinterpret_cast<const char*>(&b[at + 4]), 4);
    const unsigned char* data = &b[at + 8];
    const uLong crc = crc32(crc32(0L, Z_NULL, 0), &b[at + 4], len + 4);
    if (crc != be32(data + len)) throw std::runtime_error(fmt::format("bad CRC in {}", type));
    if (at == 8 && type != "IHDR") throw std::runtime_error("first chunk is not IHDR");
    if (type == "IHDR") {
      if (len != 13) throw std::runtime_error("IHDR of the wrong length");
      pic.width = be32(data), pic.height = be32(data + 4);
      bit_depth = data[8], colour_type = data[9];
      if (data[12] != 0) throw std::runtime_error("interlaced PNGs are not checked");
    } else if (type == "IDAT") {
      idat.insert(idat.end(), data, data + len);
    } else if (type == "IEND") {
      ended = true;
    }
    at += 12 + len;
  }
  if (pic.width == 0 || pic.height == 0) throw std::runtime_error("zero width or height");
  const uint32_t channels = colour_type == 0   ? 1
                            : colour_type == 2 ? 3
                            : colour_type == 3 ? 1
                            : colour_type == 4 ? 2
                            : colour_type == 6 ? 4
                                               : 0;
  if (channels == 0) throw std::runtime_error(fmt::format("colour type {}", colour_type));
  const uint64_t row = (uint64_t{pic.width} * channels * bit_depth + 7) / 8;
  const uint64_t expected = uint64_t{pic.height} * (1 + row);
  std::vector<unsigned char> pixels(expected + 1);
  uLongf got = static_cast<uLongf>(pixels.size());
  if (uncompress(pixels.data(), &got, idat.data(), static_cast<uLong>(idat.size())) != Z_OK)
    throw std::runtime_error("IDAT does not inflate");
  if (got != expected)
    throw std::runtime_error(fmt::format("IDAT holds {} bytes, expected {}", got, expected));
  for (uint64_t r = 0; r < pic.height; ++r)
    if (pixels[r * (1 + row)] > 4) throw std::runtime_error(fmt::format("row {}: bad filter", r));
  return pic;
}

}  // namespace

int main(int argc, char** argv) {
  int bad = 0;
  for (int i = 1; i < argc; ++i) {
    try {
      const Picture p = decode(argv[i]);
      fmt::print("{}: {}x{} PNG, decodes\n", argv[i], p.width, p.height);
    } catch (const std::exception& e) {
      fmt::print(stderr, "{}: {}\n", argv[i], e.what());
      ++bad;
    }
  }
  return argc > 1 && bad == 0 ? 0 : 1;
}

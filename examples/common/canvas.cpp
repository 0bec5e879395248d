#include "canvas.hpp"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>

#include "tapegrad/autograd/error.hpp"

namespace tg::examples {

Canvas::Canvas(int size, double extent)
    : size_(size),
      extent_(extent),
      rgb_(static_cast<size_t>(size) * static_cast<size_t>(size) * 3, 255) {
  if (size <= 0 || !(extent > 0))
    throw ValueError(fmt::format("Canvas: size {} and extent {} must be positive", size, extent));
}

int Canvas::to_pixel(double v) const {
  return static_cast<int>(std::floor((v + extent_) / (2 * extent_) * size_));
}

void Canvas::shade(const std::function<Rgb(double, double)>& colour_at) {
  for (int r = 0; r < size_; ++r)
    for (int c = 0; c < size_; ++c) {
      const double x = (c + 0.5) / size_ * 2 * extent_ - extent_;
      const double y = extent_ - (r + 0.5) / size_ * 2 * extent_;
      const Rgb col = colour_at(x, y);
      std::copy(col.begin(), col.end(), rgb_.begin() + (static_cast<ptrdiff_t>(r) * size_ + c) * 3);
    }
}

void Canvas::grid() {
  auto blend = [&](int r, int c, uint8_t v) {
    for (int k = 0; k < 3; ++k) {
      uint8_t& p =
          rgb_[(static_cast<size_t>(r) * static_cast<size_t>(size_) + static_cast<size_t>(c)) * 3 +
               static_cast<size_t>(k)];
      p = std::min(p, v);
    }
  };
  for (int t = static_cast<int>(-extent_); t <= static_cast<int>(extent_); ++t) {
    const int c = std::clamp(to_pixel(t), 0, size_ - 1);
    const int r = std::clamp(to_pixel(-t), 0, size_ - 1);
    const uint8_t shade = t == 0 ? 150 : 220;
    for (int i = 0; i < size_; ++i) {
      blend(i, c, shade);
      blend(r, i, shade);
    }
  }
}

void Canvas::dot(double x, double y, Rgb colour, int radius) {
  const int c0 = to_pixel(x), r0 = to_pixel(-y);
  for (int dr = -radius; dr <= radius; ++dr)
    for (int dc = -radius; dc <= radius; ++dc) {
      const int r = r0 + dr, c = c0 + dc;
      if (r < 0 || c < 0 || r >= size_ || c >= size_ || dr * dr + dc * dc > radius * radius)
        continue;
      std::copy(colour.begin(), colour.end(),
                rgb_.begin() + (static_cast<ptrdiff_t>(r) * size_ + c) * 3);
    }
}

namespace {

void put_u32(std::string& out, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<char>((v >> s) & 0xFF));
}

void put_chunk(std::string& out, const char* type, const std::string& data) {
  put_u32(out, static_cast<uint32_t>(data.size()));
  std::string body = std::string(type, 4) + data;
  out += body;
  put_u32(out, static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(body.data()),
                                           static_cast<uInt>(body.size()))));
}

}  // namespace

void Canvas::save_png(const std::string& path) const {
  // Each scanline starts with filter byte 0 (none).
  std::string raw;
  raw.reserve(rgb_.size() + static_cast<size_t>(size_));
  for (int r = 0; r < size_; ++r) {
    raw.push_back(0);
    raw.append(reinterpret_cast<const char*>(rgb_.data()) + static_cast<ptrdiff_t>(r) * size_ * 3,
               static_cast<size_t>(size_) * 3);
  }
  uLongf packed_size = compressBound(static_cast<uLong>(raw.size()));
  std::string packed(packed_size, '\0');
  if (compress2(reinterpret_cast<Bytef*>(packed.data()), &packed_size,
                reinterpret_cast<const Bytef*>(raw.data()), static_cast<uLong>(raw.size()),
                6) != Z_OK)
    throw IoError(fmt::format("save_png: zlib failed to compress {}", path));
  packed.resize(packed_size);

  std::string png = "\x89PNG\r\n\x1a\n";
  std::string header;
  put_u32(header, static_cast<uint32_t>(size_));
  put_u32(header, static_cast<uint32_t>(size_));
  header += std::string("\x08\x02\x00\x00\x00", 5);  // 8-bit RGB, no interlace
  put_chunk(png, "IHDR", header);
  put_chunk(png, "IDAT", packed);
  put_chunk(png, "IEND", "");

  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary);
    f.write(png.data(), static_cast<std::streamsize>(png.size()));
    if (!f) throw IoError(fmt::format("save_png: cannot write {}", tmp));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    throw IoError(fmt::format("save_png: cannot rename {} to {}", tmp, path));
}

Rgb diverging(double p) {
  p = std::clamp(p, 0.0, 1.0);
  auto lerp = [](double a, double b, double t) { return static_cast<uint8_t>(a + (b - a) * t); };
  if (p < 0.5) {
    const double t = p / 0.5;
    return {lerp(120, 255, t), lerp(160, 255, t), lerp(230, 255, t)};
  }
  const double t = (p - 0.5) / 0.5;
  return {lerp(255, 235, t), lerp(255, 140, t), lerp(255, 120, t)};
}

}  // namespace tg::examples

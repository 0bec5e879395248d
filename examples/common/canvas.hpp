// A tiny raster canvas for 2-D scatter plots, saved as PNG: enough for the examples to
// show a person what a model learned, with no plotting dependency.
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace tg::examples {

using Rgb = std::array<uint8_t, 3>;

class Canvas {
 public:
  /// A `size`×`size` image showing the square [-extent, extent]² of data space.
  Canvas(int size, double extent);

  /// Colours every pixel by a function of its data-space point (e.g. D(x) as a heat map).
  void shade(const std::function<Rgb(double x, double y)>& colour_at);
  /// Thin grid lines at every integer coordinate, and darker axes.
  void grid();
  /// A filled dot of `radius` pixels at data point (x, y); points outside are skipped.
  void dot(double x, double y, Rgb colour, int radius = 1);
  /// Writes the image as an 8-bit RGB PNG (temp file, then rename); throws tg::IoError.
  void save_png(const std::string& path) const;

  int size() const { return size_; }

 private:
  int to_pixel(double v) const;
  int size_;
  double extent_;
  std::vector<uint8_t> rgb_;
};

/// Blue (0) → white (½) → red (1), for probabilities.
Rgb diverging(double p);

}  // namespace tg::examples

// Pictures for the examples, drawn by PLplot (pngcairo driver, headless) behind a small
// API so that no example includes a plotting header:
//
// - a Panel is one set of axes: title, axis labels, ranges (linear or log), an optional
//   heat map with its colour bar and contour lines, and any number of Series (lines,
//   dashed lines, dots) with a legend of the labelled ones, in a corner or outside the axes;
//   tick labels in fixed point, without a separate ×10ⁿ exponent, from 10⁻⁷ to 10⁹;
// - a heat map can also be a table as a figure: named categories on both axes and the
//   value printed in each cell;
// - save_png writes one panel, or several on a grid of `columns`, as a PNG;
// - an ImageGrid is a mosaic of small grey-scale images (generator samples) under a title.
//
//   plot::Panel p{.title = "loss", .xlabel = "step", .ylabel = "J"};
//   p.series.push_back({.x = steps, .y = losses, .label = "NCE"});
//   plot::save_png(p, ex.path("loss.png"));
#pragma once
#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace tg::examples::plot {

using Rgb = std::array<uint8_t, 3>;

inline constexpr Rgb kBlack{0, 0, 0};
inline constexpr Rgb kGrey{150, 150, 150};
/// Distinct series colours (matplotlib's "tab10" order); palette(i) cycles through them.
Rgb palette(size_t i);

enum class Mark { Line, DashedLine, Dots };

struct Series {
  std::vector<double> x{}, y{};
  std::string label{};  ///< empty: left out of the legend
  Mark mark = Mark::Line;
  std::optional<Rgb> colour{};  ///< default: palette(index of the series in its panel)
  double size = 1.0;            ///< line width or dot size, relative
};

enum class ColourMap {
  Sequential,  ///< dark blue → green → yellow (viridis-like), for magnitudes
  Diverging,   ///< blue → white → red, for probabilities around ½ or signed values
  Grey,        ///< black → white, for grey-scale images
};

/// values[iy * nx + ix] is the value of the cell centred at
/// (x0 + (ix + ½)·(x1 − x0)/nx, y0 + (iy + ½)·(y1 − y0)/ny): the map covers [x0, x1]×[y0, y1].
struct HeatMap {
  int64_t nx = 0, ny = 0;
  double x0 = 0, x1 = 1, y0 = 0, y1 = 1;
  std::vector<double> values{};
  /// Colour range; NaN: the values' minimum / maximum.
  double vmin = std::numeric_limits<double>::quiet_NaN();
  double vmax = std::numeric_limits<double>::quiet_NaN();
  ColourMap colours = ColourMap::Sequential;
  std::string label{};             ///< the colour bar's title
  std::vector<double> contours{};  ///< levels of contour lines drawn over the map
  /// A table as a figure: one name per column / row replaces the numeric ticks.
  std::vector<std::string> x_categories{}, y_categories{};
  bool annotate = false;  ///< print each cell's value in it
  /// With annotate: the text of each cell, in the order of values (default: the value).
  std::vector<std::string> cell_labels{};
};

struct Panel {
  std::string title{}, xlabel{}, ylabel{};
  /// Axis ranges; NaN: fitted to the data (and the heat map).
  double xmin = std::numeric_limits<double>::quiet_NaN();
  double xmax = std::numeric_limits<double>::quiet_NaN();
  double ymin = std::numeric_limits<double>::quiet_NaN();
  double ymax = std::numeric_limits<double>::quiet_NaN();
  bool logx = false, logy = false;  ///< base-10 axes (non-positive values are dropped)
  std::optional<HeatMap> heat{};
  std::vector<Series> series{};
  bool legend_bottom = false;  ///< legend at the bottom right instead of the top right
  /// Legend to the right of the axes (and of a colour bar), top or bottom aligned, the axes
  /// narrowed to make room for it: for curves that leave no corner free.
  bool legend_outside = false;
};

/// One panel as a `width`×`height` PNG. Throws tg::IoError if the file is not written,
/// tg::ValueError on inconsistent data (x and y of different lengths, a heat map whose
/// values are not nx·ny, or categories that do not match).
void save_png(const Panel& panel, const std::string& path, int width = 800, int height = 600);
/// Several panels on a grid of `columns` (row by row).
void save_png(const std::vector<Panel>& panels, int columns, const std::string& path, int width,
              int height);

/// `rows`×`columns` grey-scale images of `height`×`width` pixels, drawn without axes, each
/// pixel a square, separated by thin white gaps. Image i (row by row of the grid) has pixel
/// (r, c) (r = 0 at the top) at pixels[(i·height + r)·width + c], in [0, 1]: 0 black, 1
/// white (values outside are clipped). Fewer images than cells leave the last cells empty.
struct ImageGrid {
  std::string title{};
  int64_t rows = 0, columns = 0;
  int64_t height = 0, width = 0;
  std::vector<double> pixels{};
};

/// The grid as a `size`×`size` PNG (the mosaic fitted inside, the title above). Throws
/// tg::ValueError unless pixels holds a whole number of images, at most rows·columns, and
/// tg::IoError if the file is not written.
void save_png(const ImageGrid& grid, const std::string& path, int size = 800);

}  // namespace tg::examples::plot

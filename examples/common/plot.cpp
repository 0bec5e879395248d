// PLplot behind the plot API: one PLplot stream per file, pngcairo driver, white page.
// cmap0 holds white (0, the background), black (1, axes and text) and one entry per
// series; cmap1 holds the heat map's colour ramp.
#include "plot.hpp"

#include <fmt/format.h>
#include <plplot.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "tapegrad/autograd/error.hpp"

namespace tg::examples::plot {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

Rgb series_colour(const Series& s, size_t index) { return s.colour.value_or(palette(index)); }

void check(const Panel& p) {
  for (const Series& s : p.series)
    if (s.x.size() != s.y.size())
      throw ValueError(fmt::format("plot '{}': series '{}' has {} x values and {} y values",
                                   p.title, s.label, s.x.size(), s.y.size()));
  if (!p.heat) return;
  const HeatMap& h = *p.heat;
  if (h.nx <= 0 || h.ny <= 0 || h.values.size() != static_cast<size_t>(h.nx * h.ny))
    throw ValueError(fmt::format("plot '{}': heat map of {}×{} cells has {} values", p.title, h.nx,
                                 h.ny, h.values.size()));
  if (!h.cell_labels.empty() && h.cell_labels.size() != h.values.size())
    throw ValueError(fmt::format("plot '{}': {} cell labels for {} cells", p.title,
                                 h.cell_labels.size(), h.values.size()));
  if ((!h.x_categories.empty() && h.x_categories.size() != static_cast<size_t>(h.nx)) ||
      (!h.y_categories.empty() && h.y_categories.size() != static_cast<size_t>(h.ny)))
    throw ValueError(fmt::format("plot '{}': {} x and {} y category names for {}×{} cells", p.title,
                                 h.x_categories.size(), h.y_categories.size(), h.nx, h.ny));
}

// Data to axis coordinates: log10 on a log axis, NaN for values a log axis cannot show.
double axis_value(double v, bool log) { return !log ? v : v > 0 ? std::log10(v) : kNaN; }

struct Range {
  double lo = kNaN, hi = kNaN;
  void include(double v) {
    if (!std::isfinite(v)) return;
    lo = std::isnan(lo) ? v : std::min(lo, v);
    hi = std::isnan(hi) ? v : std::max(hi, v);
  }
};

// The axis range: the given ends, else the data's with 5% padding (none beside a heat map).
std::pair<double, double> axis_range(double given_lo, double given_hi, Range data, bool log,
                                     bool pad) {
  double lo = std::isnan(given_lo) ? data.lo : axis_value(given_lo, log);
  double hi = std::isnan(given_hi) ? data.hi : axis_value(given_hi, log);
  if (std::isnan(lo) || std::isnan(hi)) lo = 0, hi = 1;
  if (hi <= lo) lo -= 0.5, hi += 0.5;
  if (pad) {
    const double margin = 0.05 * (hi - lo);
    if (std::isnan(given_lo)) lo -= margin;
    if (std::isnan(given_hi)) hi += margin;
  }
  return {lo, hi};
}

void set_colour_map(ColourMap map) {
  if (map == ColourMap::Grey) {
    PLFLT pos[] = {0.0, 1.0}, level[] = {0.0, 1.0};
    plscmap1l(1, 2, pos, level, level, level, nullptr);
  } else if (map == ColourMap::Diverging) {
    PLFLT pos[] = {0.0, 0.5, 1.0};
    PLFLT r[] = {0.23, 1.0, 0.71}, g[] = {0.30, 1.0, 0.02}, b[] = {0.75, 1.0, 0.15};
    plscmap1l(1, 3, pos, r, g, b, nullptr);
  } else {
    PLFLT pos[] = {0.0, 0.25, 0.5, 0.75, 1.0};
    PLFLT r[] = {0.27, 0.23, 0.13, 0.37, 0.99};
    PLFLT g[] = {0.00, 0.32, 0.57, 0.79, 0.91};
    PLFLT b[] = {0.33, 0.55, 0.55, 0.38, 0.14};
    plscmap1l(1, 5, pos, r, g, b, nullptr);
  }
  plscmap1n(256);
}

// Colours nx × ny cells over [x0, x1]×[y0, y1] from the current colour map, cell (ix, iy)
// by values[iy * nx + ix] mapped from [vmin, vmax]; cells with values outside that range
// are left undrawn.
void draw_cells(const std::vector<double>& values, size_t nx, size_t ny, double x0, double x1,
                double y0, double y1, double vmin, double vmax) {
  // PLplot wants column pointers, nodes[ix][iy], and colours the cell between nodes
  // (ix, iy) and (ix + 1, iy + 1) by node (ix, iy): repeat the last column and row so that
  // nx × ny cells get nx × ny values.
  std::vector<PLFLT> storage((nx + 1) * (ny + 1));
  std::vector<PLFLT*> nodes(nx + 1);
  for (size_t ix = 0; ix <= nx; ++ix) {
    nodes[ix] = &storage[ix * (ny + 1)];
    for (size_t iy = 0; iy <= ny; ++iy)
      nodes[ix][iy] = values[std::min(iy, ny - 1) * nx + std::min(ix, nx - 1)];
  }
  // With no transform, plimagefr spreads the (nx + 1) × (ny + 1) nodes evenly over the
  // rectangle, and maps [vmin, vmax] onto the whole colour map.
  plimagefr(nodes.data(), static_cast<PLINT>(nx + 1), static_cast<PLINT>(ny + 1), x0, x1, y0, y1,
            vmin, vmax, vmin, vmax, nullptr, nullptr);
}

// The heat map's colour range: its vmin and vmax, else the values' ends.
std::pair<double, double> colour_range(const HeatMap& h) {
  Range values;
  for (double v : h.values) values.include(v);
  const double vmin = std::isnan(h.vmin) ? values.lo : h.vmin;
  double vmax = std::isnan(h.vmax) ? values.hi : h.vmax;
  if (!(vmax > vmin)) vmax = vmin + 1;
  return {vmin, vmax};
}

// Draws the heat map (cells, contours, annotations) over its colour range.
void draw_heat(const HeatMap& h) {
  const auto range = colour_range(h);
  const double vmin = range.first, vmax = range.second;
  set_colour_map(h.colours);
  const auto nx = static_cast<size_t>(h.nx), ny = static_cast<size_t>(h.ny);
  std::vector<double> clamped(h.values.size());
  std::transform(h.values.begin(), h.values.end(), clamped.begin(),
                 [&](double v) { return std::clamp(v, vmin, vmax); });
  draw_cells(clamped, nx, ny, h.x0, h.x1, h.y0, h.y1, vmin, vmax);

  const double dx = (h.x1 - h.x0) / static_cast<double>(h.nx);
  const double dy = (h.y1 - h.y0) / static_cast<double>(h.ny);
  if (!h.contours.empty()) {
    std::vector<PLFLT> xg(nx), yg(ny);
    for (size_t ix = 0; ix < nx; ++ix) xg[ix] = h.x0 + (static_cast<double>(ix) + 0.5) * dx;
    for (size_t iy = 0; iy < ny; ++iy) yg[iy] = h.y0 + (static_cast<double>(iy) + 0.5) * dy;
    PLcGrid grid{xg.data(), yg.data(), nullptr, static_cast<PLINT>(h.nx), static_cast<PLINT>(h.ny),
                 0};
    std::vector<PLFLT> centres(nx * ny);
    std::vector<PLFLT*> columns(nx);
    for (size_t ix = 0; ix < nx; ++ix) {
      columns[ix] = &centres[ix * ny];
      for (size_t iy = 0; iy < ny; ++iy) columns[ix][iy] = h.values[iy * nx + ix];
    }
    std::vector<PLFLT> levels(h.contours.begin(), h.contours.end());
    plcol0(1);
    plwidth(1.0);
    plcont(columns.data(), h.nx, h.ny, 1, h.nx, 1, h.ny, levels.data(),
           static_cast<PLINT>(levels.size()), pltr1, &grid);
  }
  if (h.annotate) {
    plschr(0, 0.9);
    for (size_t iy = 0; iy < ny; ++iy)
      for (size_t ix = 0; ix < nx; ++ix) {
        const double v = h.values[iy * nx + ix];
        const double t = (std::clamp(v, vmin, vmax) - vmin) / (vmax - vmin);
        plcol0(h.colours != ColourMap::Diverging && t < 0.55 ? 0 : 1);  // readable on the cell
        const std::string text = !h.cell_labels.empty() ? h.cell_labels[iy * nx + ix]
                                 : std::isfinite(v)     ? fmt::format("{:.3g}", v)
                                                        : "–";
        plptex(h.x0 + (static_cast<double>(ix) + 0.5) * dx,
               h.y0 + (static_cast<double>(iy) + 0.5) * dy - 0.15 * dy, 1, 0, 0.5, text.c_str());
      }
    plschr(0, 1.0);
  }
}

// PLplot writes tick labels in fixed point up to this many characters (sign and point
// included); beyond, it scales them and writes a separate "(×10ⁿ)" exponent, which lands
// outside the margins. Ten keeps fixed point from 10⁻⁷ to 10⁹.
constexpr PLINT kTickDigits = 10;

// An upper bound on the length of a linear axis's tick labels over [lo, hi]: PLplot's ticks
// are more than a tenth of the span apart, so have at most 1 − ⌊log₁₀ span⌋ decimals, and
// the longest label is at an end.
size_t tick_label_length(double lo, double hi) {
  const int decimals = std::max(0, 1 - static_cast<int>(std::floor(std::log10(hi - lo))));
  return std::max(fmt::format("{:.{}f}", lo, decimals).size(),
                  fmt::format("{:.{}f}", hi, decimals).size());
}

// The colour bar in its own viewport (millimetres in the subpage), a column of the colour
// map from vmin to vmax with ticks and numbers on the right and the label on top.
void draw_colour_bar(const std::string& label, double vmin, double vmax, double x0, double x1,
                     double y0, double y1) {
  plsvpa(x0, x1, y0, y1);
  plwind(0, 1, vmin, vmax);
  constexpr int kSteps = 256;
  std::vector<PLFLT> storage(2 * kSteps);
  PLFLT* columns[] = {&storage[0], &storage[kSteps]};
  for (int i = 0; i < kSteps; ++i)
    columns[0][i] = columns[1][i] = vmin + (vmax - vmin) * i / (kSteps - 1);
  plimagefr(columns, 2, kSteps, 0, 1, vmin, vmax, vmin, vmax, vmin, vmax, nullptr, nullptr);
  plcol0(1);
  plschr(0, 0.8);
  plbox("bc", 0, 0, "bcmstv", 0, 0);
  plmtex("t", 1.0, 0.5, 0.5, label.c_str());
  plschr(0, 1.0);
}

void draw_series(const Series& s, PLINT colour_index, bool logx, bool logy) {
  std::vector<PLFLT> x, y;
  x.reserve(s.x.size()), y.reserve(s.y.size());
  for (size_t i = 0; i < s.x.size(); ++i) {
    const double ax = axis_value(s.x[i], logx), ay = axis_value(s.y[i], logy);
    if (std::isfinite(ax) && std::isfinite(ay)) x.push_back(ax), y.push_back(ay);
  }
  if (x.empty()) return;
  plcol0(colour_index);
  if (s.mark == Mark::Dots) {
    plschr(0, 0.6 * s.size);
    plstring(static_cast<PLINT>(x.size()), x.data(), y.data(), "•");
    plschr(0, 1.0);
    return;
  }
  pllsty(s.mark == Mark::DashedLine ? 2 : 1);
  plwidth(2.0 * s.size);
  plline(static_cast<PLINT>(x.size()), x.data(), y.data());
  pllsty(1);
  plwidth(1.0);
}

// Draws the legend of p's labelled series, its characters at 0.8 of the default height:
// inside the axes' right corner (`outside_gap` NaN), or outside, its left edge `outside_gap`
// mm right of the axes, top or bottom aligned with them. With `ink` false every colour is the
// background's and there is no box: drawn on a blank subpage that lays the legend out
// unseen, to learn its width (PLplot keeps its measure of text, plstrl, private). Returns the
// legend's width in mm (0 without labels); the viewport is `viewport_width` mm wide.
double draw_legend(const Panel& p, PLINT first_colour, double outside_gap, double viewport_width,
                   double char_height, bool ink = true) {
  std::vector<PLINT> opts, colours, styles, text_colours, symbol_numbers;
  std::vector<PLFLT> widths, symbol_scales;
  std::vector<const char*> texts, symbols;
  for (size_t i = 0; i < p.series.size(); ++i) {
    const Series& s = p.series[i];
    if (s.label.empty()) continue;
    opts.push_back(s.mark == Mark::Dots ? PL_LEGEND_SYMBOL : PL_LEGEND_LINE);
    colours.push_back(ink ? first_colour + static_cast<PLINT>(i) : 0);
    styles.push_back(s.mark == Mark::DashedLine ? 2 : 1);
    widths.push_back(2.0 * s.size);
    text_colours.push_back(ink ? 1 : 0);
    symbol_numbers.push_back(1);
    symbol_scales.push_back(0.8 * s.size);
    texts.push_back(s.label.c_str());
    symbols.push_back("•");
  }
  if (opts.empty()) return 0;
  PLFLT w = 0, h = 0;
  const PLINT n = static_cast<PLINT>(opts.size());
  // Outside, the legend hangs from the axes' left edge (x in viewport units), pushed past
  // the right one: pllegend's PL_POSITION_OUTSIDE would put it beside the corner, not below.
  const bool inside = std::isnan(outside_gap);
  const PLINT corner = inside ? PL_POSITION_RIGHT : PL_POSITION_LEFT;
  const double x = inside ? 0.02 : 1.0 + outside_gap / viewport_width;
  const double y = inside ? 0.02 : 0.0;
  // The line or symbol sample: 8% of the axes inside, three character heights outside.
  const double sample = inside ? 0.08 : 3.0 * char_height / viewport_width;
  plschr(0, 0.8);
  pllegend(&w, &h, ink ? PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX : 0,
           corner | PL_POSITION_INSIDE | (p.legend_bottom ? PL_POSITION_BOTTOM : PL_POSITION_TOP),
           x, y, sample, 0, 1, 1, n, 1, n, opts.data(), 1.0, 1.0, 2.0, 0.0, text_colours.data(),
           texts.data(), nullptr, nullptr, nullptr, nullptr, colours.data(), styles.data(),
           widths.data(), colours.data(), symbol_scales.data(), symbol_numbers.data(),
           symbols.data());
  plschr(0, 1.0);
  return w * viewport_width;
}

void draw_panel(const Panel& p, PLINT first_colour) {
  pladv(0);
  Range xs, ys;
  bool pad = true;
  if (p.heat) {
    xs.include(axis_value(p.heat->x0, p.logx)), xs.include(axis_value(p.heat->x1, p.logx));
    ys.include(axis_value(p.heat->y0, p.logy)), ys.include(axis_value(p.heat->y1, p.logy));
    pad = false;
  } else {
    for (const Series& s : p.series) {
      for (double v : s.x) xs.include(axis_value(v, p.logx));
      for (double v : s.y) ys.include(axis_value(v, p.logy));
    }
  }
  const auto [x0, x1] = axis_range(p.xmin, p.xmax, xs, p.logx, pad);
  const auto [y0, y1] = axis_range(p.ymin, p.ymax, ys, p.logy, pad);
  const bool x_named = p.heat && !p.heat->x_categories.empty();
  const bool y_named = p.heat && !p.heat->y_categories.empty();

  // Margins in character heights for tick labels and axis titles; a heat map's colour
  // bar takes a further part on the right, a legend outside a column right of that.
  PLFLT default_height = 0, char_height = 0, sx0 = 0, sx1 = 0, sy0 = 0, sy1 = 0;
  plgchr(&default_height, &char_height);
  plgspa(&sx0, &sx1, &sy0, &sy1);
  const double w = sx1 - sx0, h = sy1 - sy0;
  const double bar = p.heat ? 0.17 * w : 0;
  double legend = 0;
  if (p.legend_outside) {
    plsvpa(0, w, 0, h);
    legend = draw_legend(p, first_colour, 0.0, w, char_height, /*ink=*/false);
  }
  // Outside, the legend starts a character past the axes, or past the colour bar (at 2 to
  // 3.5 characters) and its labels (0.8 high, ≈ 0.6 character heights a digit).
  const auto colours = p.heat ? colour_range(*p.heat) : std::pair{0.0, 1.0};
  const double legend_gap =
      !p.heat
          ? char_height
          : (5.0 + 0.6 * static_cast<double>(tick_label_length(colours.first, colours.second))) *
                char_height;
  const double right =
      legend > 0 ? legend_gap + legend + 2.0 * char_height : bar + 2.0 * char_height;
  // The y axis's title clears its longest tick label (≈ 0.75 character heights a digit);
  // category names on the y axis need room for the longest (≈ 0.6 character heights per
  // letter).
  double ytitle = 5.0;
  if (!y_named && !p.logy)
    ytitle = std::max(ytitle, 2.0 + 0.75 * static_cast<double>(tick_label_length(y0, y1)));
  double left = std::max(7.0, ytitle + 2.0);
  if (p.heat)
    for (const auto& name : p.heat->y_categories)
      left = std::max(left, 3.5 + 0.6 * static_cast<double>(name.size()));
  plsvpa(left * char_height, w - right, 4.5 * char_height, h - 3.5 * char_height);
  plwind(x0, x1, y0, y1);
  if (p.heat) draw_heat(*p.heat);
  for (size_t i = 0; i < p.series.size(); ++i)
    draw_series(p.series[i], first_colour + static_cast<PLINT>(i), p.logx, p.logy);

  plcol0(1);
  plwidth(1.0);
  const std::string xopt = std::string(x_named ? "bc" : "bcnst") + (p.logx ? "l" : "");
  const std::string yopt = std::string(y_named ? "bc" : "bcnstv") + (p.logy ? "l" : "");
  plbox(xopt.c_str(), 0, 0, yopt.c_str(), 0, 0);
  plschr(0, x_named ? 0.8 : 1.0);  // category names are often long
  if (x_named)
    for (size_t i = 0; i < p.heat->x_categories.size(); ++i)
      plmtex("b", 1.5, (static_cast<double>(i) + 0.5) / static_cast<double>(p.heat->nx), 0.5,
             p.heat->x_categories[i].c_str());
  if (y_named) {
    // plmtex places the text's baseline at the position: lower it by a third of a
    // character height so that the name is centred on its row.
    const double drop = 0.33 * char_height / (h - 8.0 * char_height);
    for (size_t i = 0; i < p.heat->y_categories.size(); ++i)
      plmtex("lv", 0.8, (static_cast<double>(i) + 0.5) / static_cast<double>(p.heat->ny) - drop,
             1.0, p.heat->y_categories[i].c_str());
  }
  plschr(0, 1.0);
  pllab(p.xlabel.c_str(), "", p.title.c_str());
  plmtex("l", ytitle, 0.5, 0.5, p.ylabel.c_str());
  const double viewport_width = w - right - left * char_height;
  draw_legend(p, first_colour, legend > 0 ? legend_gap : kNaN, viewport_width, char_height);
  if (p.heat)
    draw_colour_bar(p.heat->label, colours.first, colours.second, w - right + 2.0 * char_height,
                    w - right + 3.5 * char_height, 4.5 * char_height, h - 5.0 * char_height);
}

// Opens a PLplot stream on `tmp`: the pngcairo driver, a width×height page, cmap0 from r, g, b
// (white background first, black ink second). plinit() comes after the caller's layout calls.
void begin_page(const std::string& tmp, int width, int height, const std::vector<PLINT>& r,
                const std::vector<PLINT>& g, const std::vector<PLINT>& b) {
  PLINT stream = 0;
  plmkstrm(&stream);
  plsdev("pngcairo");
  plsfnam(tmp.c_str());
  plspage(0, 0, width, height, 0, 0);
  plscmap0(r.data(), g.data(), b.data(), static_cast<PLINT>(r.size()));
}

// Ends the stream and moves the finished file into place.
void end_page(const std::string& tmp, const std::string& path) {
  plend1();
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec || !std::filesystem::exists(path))
    throw IoError(fmt::format("plot: could not write '{}' ({})", path,
                              ec ? ec.message() : "PLplot's pngcairo driver wrote nothing"));
}

}  // namespace

Rgb palette(size_t i) {
  static constexpr Rgb kTab10[] = {
      {31, 119, 180}, {255, 127, 14},  {44, 160, 44},   {214, 39, 40},  {148, 103, 189},
      {140, 86, 75},  {227, 119, 194}, {127, 127, 127}, {188, 189, 34}, {23, 190, 207}};
  return kTab10[i % std::size(kTab10)];
}

void save_png(const Panel& panel, const std::string& path, int width, int height) {
  save_png(std::vector<Panel>{panel}, 1, path, width, height);
}

void save_png(const std::vector<Panel>& panels, int columns, const std::string& path, int width,
              int height) {
  if (panels.empty() || columns <= 0)
    throw ValueError(
        fmt::format("plot '{}': {} panels on {} columns; expected at least one of each", path,
                    panels.size(), columns));
  for (const Panel& p : panels) check(p);
  const int rows = (static_cast<int>(panels.size()) + columns - 1) / columns;

  // cmap0: background, ink, then every series of every panel in order.
  std::vector<PLINT> r{255, 0}, g{255, 0}, b{255, 0};
  std::vector<PLINT> first_colour;
  for (const Panel& p : panels) {
    first_colour.push_back(static_cast<PLINT>(r.size()));
    for (size_t i = 0; i < p.series.size(); ++i) {
      const Rgb c = series_colour(p.series[i], i);
      r.push_back(c[0]), g.push_back(c[1]), b.push_back(c[2]);
    }
  }

  const std::string tmp = path + ".tmp";
  begin_page(tmp, width, height, r, g, b);
  plssub(columns, rows);
  plinit();
  plfontld(1);
  plsxax(kTickDigits, 0);
  plsyax(kTickDigits, 0);
  for (size_t i = 0; i < panels.size(); ++i) draw_panel(panels[i], first_colour[i]);
  end_page(tmp, path);
}

void save_png(const ImageGrid& grid, const std::string& path, int size) {
  const int64_t pixels_per_image = grid.height * grid.width;
  const auto n =
      pixels_per_image > 0 ? static_cast<int64_t>(grid.pixels.size()) / pixels_per_image : 0;
  if (grid.rows <= 0 || grid.columns <= 0 || pixels_per_image <= 0 ||
      static_cast<int64_t>(grid.pixels.size()) != n * pixels_per_image ||
      n > grid.rows * grid.columns)
    throw ValueError(fmt::format(
        "plot '{}': {} pixel values for a {}×{} grid of {}×{} images; expected a whole number "
        "of images, at most {}",
        grid.title, grid.pixels.size(), grid.rows, grid.columns, grid.height, grid.width,
        grid.rows * grid.columns));

  // The mosaic: one-pixel gaps around every image, valued below the colour range so that
  // they stay the white page. Cell (ix, iy) counts iy from the bottom, image rows from the top.
  constexpr int64_t gap = 1;
  const int64_t nx = grid.columns * (grid.width + gap) + gap;
  const int64_t ny = grid.rows * (grid.height + gap) + gap;
  std::vector<double> mosaic(static_cast<size_t>(nx * ny), -1.0);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t left = gap + (i % grid.columns) * (grid.width + gap);
    const int64_t top = gap + (i / grid.columns) * (grid.height + gap);
    for (int64_t r = 0; r < grid.height; ++r)
      for (int64_t c = 0; c < grid.width; ++c)
        mosaic[static_cast<size_t>((ny - 1 - (top + r)) * nx + left + c)] = std::clamp(
            grid.pixels[static_cast<size_t>((i * grid.height + r) * grid.width + c)], 0.0, 1.0);
  }

  const std::string tmp = path + ".tmp";
  begin_page(tmp, size, size, {255, 0}, {255, 0}, {255, 0});
  plinit();
  plfontld(1);
  pladv(0);
  plvpas(0.03, 0.97, 0.03, 0.92, static_cast<double>(ny) / static_cast<double>(nx));
  plwind(0, static_cast<double>(nx), 0, static_cast<double>(ny));
  set_colour_map(ColourMap::Grey);
  draw_cells(mosaic, static_cast<size_t>(nx), static_cast<size_t>(ny), 0, static_cast<double>(nx),
             0, static_cast<double>(ny), 0.0, 1.0);
  plcol0(1);
  plmtex("t", 1.5, 0.5, 0.5, grid.title.c_str());
  end_page(tmp, path);
}

}  // namespace tg::examples::plot

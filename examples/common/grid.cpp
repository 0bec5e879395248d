#include "common/grid.hpp"

#include <algorithm>
#include <cmath>

#include "tapegrad/autograd/error.hpp"
#include "tapegrad/autograd/ops/factory.hpp"
#include "tapegrad/autograd/ops/reduction.hpp"

namespace tg::examples {

namespace {
double cell_width(const Grid2d& g) { return 2 * g.extent / static_cast<double>(g.cells); }
}  // namespace

Tensor Grid2d::points() const {
  std::vector<float> xy;
  xy.reserve(static_cast<size_t>(2 * cells * cells));
  const double w = cell_width(*this);
  for (int64_t iy = 0; iy < cells; ++iy)
    for (int64_t ix = 0; ix < cells; ++ix) {
      xy.push_back(static_cast<float>(-extent + (static_cast<double>(ix) + 0.5) * w));
      xy.push_back(static_cast<float>(-extent + (static_cast<double>(iy) + 0.5) * w));
    }
  return from_vector(xy, {cells * cells, 2});
}

double Grid2d::log_normaliser(const Tensor& u) const {
  if (u.numel() != cells * cells)
    throw ValueError("Grid2d::log_normaliser: expected one value per cell (" +
                     std::to_string(cells * cells) + "), got " + std::to_string(u.numel()));
  return logsumexp(u.to(kFloat64)).item<double>() + 2 * std::log(cell_width(*this));
}

std::vector<double> Grid2d::normalised(const Tensor& u) const {
  const double log_z = log_normaliser(u);
  std::vector<double> v = u.to(kFloat64).to_vector<double>();
  for (double& x : v) x -= log_z;
  return v;
}

plot::Panel Grid2d::density_panel(const std::string& title, const std::vector<double>& log_p,
                                  double top, double depth) const {
  std::vector<double> clipped = log_p;
  for (double& v : clipped) v = std::clamp(v, top - depth, top);
  return plot::Panel{.title = title,
                     .xlabel = "x₁",
                     .ylabel = "x₂",
                     .xmin = -extent,
                     .xmax = extent,
                     .ymin = -extent,
                     .ymax = extent,
                     .heat = plot::HeatMap{.nx = cells,
                                           .ny = cells,
                                           .x0 = -extent,
                                           .x1 = extent,
                                           .y0 = -extent,
                                           .y1 = extent,
                                           .values = std::move(clipped),
                                           .vmin = top - depth,
                                           .vmax = top,
                                           .label = "log p"}};
}

}  // namespace tg::examples

#include "stats.hpp"

#include <fmt/format.h>

#include <cmath>

#include "tapegrad/autograd/error.hpp"

namespace tg::examples {

LineFit fit_line(const std::vector<double>& x, const std::vector<double>& y) {
  const size_t n = x.size();
  if (n < 2 || y.size() != n)
    throw ValueError(fmt::format(
        "fit_line: x has {} points and y {}; expected the same number, at least 2", n, y.size()));
  double mx = 0, my = 0;
  for (size_t i = 0; i < n; ++i) mx += x[i], my += y[i];
  mx /= static_cast<double>(n), my /= static_cast<double>(n);
  double sxx = 0, sxy = 0;
  for (size_t i = 0; i < n; ++i) sxx += (x[i] - mx) * (x[i] - mx), sxy += (x[i] - mx) * (y[i] - my);
  if (sxx == 0) throw ValueError("fit_line: every x is the same; a slope needs two distinct x");
  LineFit fit;
  fit.slope = sxy / sxx;
  fit.intercept = my - fit.slope * mx;
  if (n > 2) {
    double rss = 0;
    for (size_t i = 0; i < n; ++i) {
      const double r = y[i] - fit.intercept - fit.slope * x[i];
      rss += r * r;
    }
    fit.slope_stderr = std::sqrt(rss / static_cast<double>(n - 2) / sxx);
  }
  return fit;
}

}  // namespace tg::examples

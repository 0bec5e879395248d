// Small statistics the examples report: least-squares lines (e.g. a log-log slope).
#pragma once
#include <vector>

namespace tg::examples {

/// y ≈ intercept + slope·x by least squares, with the slope's standard error
/// (√(σ̂² / Σ(x − x̄)²), σ̂² the residual variance on n − 2 degrees of freedom; 0 for n = 2).
struct LineFit {
  double slope = 0;
  double intercept = 0;
  double slope_stderr = 0;
};

/// Throws tg::ValueError unless x and y have the same length ≥ 2 and x is not constant.
LineFit fit_line(const std::vector<double>& x, const std::vector<double>& y);

}  // namespace tg::examples

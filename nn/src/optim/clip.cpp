#include "tapegrad/optim/clip.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "tapegrad/autograd/error.hpp"

namespace tg::optim {

namespace {

/// Calls f(values, n) on every defined gradient, with values as T*.
template <class F>
void for_each_grad(const std::vector<Tensor>& params, F&& f) {
  for (const Tensor& p : params) {
    Tensor g = p.grad();
    if (!g.defined()) continue;
    visit_dtype(g.dtype(), [&]<class T>() { f(g.data<T>(), g.numel()); });
    g.bump_version();
  }
}

}  // namespace

double clip_grad_norm_(const std::vector<Tensor>& params, double max_norm, double norm_type) {
  if (!(norm_type > 0))
    throw ValueError(fmt::format("clip_grad_norm_: norm_type must be > 0, got {}", norm_type));
  const bool inf = std::isinf(norm_type);
  double acc = 0;
  for_each_grad(params, [&](auto* g, int64_t n) {
    for (int64_t j = 0; j < n; ++j) {
      const double a = std::abs(static_cast<double>(g[j]));
      acc = inf ? std::max(acc, a) : acc + std::pow(a, norm_type);
    }
  });
  const double total = inf ? acc : std::pow(acc, 1.0 / norm_type);
  const double coef = std::min(1.0, max_norm / (total + 1e-6));
  for_each_grad(params, [&](auto* g, int64_t n) {
    using T = std::remove_reference_t<decltype(*g)>;
    for (int64_t j = 0; j < n; ++j) g[j] *= T(coef);
  });
  return total;
}

void clip_grad_value_(const std::vector<Tensor>& params, double clip_value) {
  if (!(clip_value >= 0))
    throw ValueError(fmt::format("clip_grad_value_: clip_value must be >= 0, got {}", clip_value));
  for_each_grad(params, [&](auto* g, int64_t n) {
    using T = std::remove_reference_t<decltype(*g)>;
    for (int64_t j = 0; j < n; ++j) g[j] = std::clamp(g[j], T(-clip_value), T(clip_value));
  });
}

}  // namespace tg::optim

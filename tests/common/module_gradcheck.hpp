// module_gradcheck: checks a module's gradients with respect to its input (tg::gradcheck)
// and to every one of its parameters (central differences of <u, module(x)> for a fixed
// random u against what backward accumulates), all in float64.
#pragma once
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "checks.hpp"
#include "tapegrad/nn.hpp"

namespace tgtest {

struct ModuleGradcheckOptions {
  double eps = 1e-6;
  double atol = 1e-6;
  double rtol = 1e-4;
  /// Called before every forward (reseeds a Dropout's generator, for example).
  std::function<void()> before_forward = [] {};
};

inline ::testing::AssertionResult module_gradcheck(tg::nn::Module& m, const tg::Tensor& x,
                                                   const ModuleGradcheckOptions& o = {}) {
  auto f = [&](const tg::TensorList& in) {
    o.before_forward();
    return m(in[0]);
  };
  const auto r = tg::gradcheck(f, {x.detach().clone().requires_grad_()},
                               {.eps = o.eps, .atol = o.atol, .rtol = o.rtol});
  if (!r) return ::testing::AssertionFailure() << "input gradient: " << r.message;
  if (m.parameters().empty()) return ::testing::AssertionSuccess();

  tg::Generator gen(99);
  o.before_forward();
  tg::Tensor y = m(x.detach());
  const tg::Tensor u = tg::randn(y.shape(), gen, tg::kFloat64);
  m.zero_grad();
  (y * u).sum().backward();
  auto loss = [&] {
    tg::NoGradGuard no_grad;
    o.before_forward();
    return (m(x.detach()) * u).sum().item<double>();
  };
  for (auto& [name, p] : m.named_parameters()) {
    const tg::Tensor g = p.grad();
    for (int64_t j = 0; j < p.numel(); ++j) {
      double* v = p.data<double>() + j;
      const double saved = *v;
      *v = saved + o.eps;
      const double plus = loss();
      *v = saved - o.eps;
      const double minus = loss();
      *v = saved;
      const double numeric = (plus - minus) / (2 * o.eps);
      const double analytic = g.defined() ? g.data<double>()[j] : 0.0;
      if (std::abs(analytic - numeric) > o.atol + o.rtol * std::abs(numeric))
        return ::testing::AssertionFailure() << "parameter " << name << "[" << j << "]: backward "
                                             << analytic << " vs finite differences " << numeric;
    }
  }
  return ::testing::AssertionSuccess();
}

}  // namespace tgtest

// module_gradcheck: checks a module's gradients with respect to its input and to every one
// of its parameters with tg::gradcheck (Jacobian against central differences, and random
// projections), all in float64.
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

  // The parameters: tg::gradcheck perturbs their own values (in_place), as the module reads
  // them, and compares with the gradients backward gives them.
  auto through_parameters = [&](const tg::TensorList&) {
    o.before_forward();
    return m(x.detach());
  };
  const auto rp = tg::gradcheck(through_parameters, m.parameters(),
                                {.eps = o.eps, .atol = o.atol, .rtol = o.rtol, .in_place = true});
  if (!rp) return ::testing::AssertionFailure() << "parameter gradients: " << rp.message;
  return ::testing::AssertionSuccess();
}

}  // namespace tgtest

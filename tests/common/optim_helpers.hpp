// Shared by the optimiser tests: the trajectory that tests/nn/reference/optim_reference.py
// runs in torch, replayed here.
#pragma once
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <vector>

#include "tapegrad/nn.hpp"

namespace tgtest {

inline const std::vector<double> kP0 = {0.5, -1.2, 2.0, 0.03};
inline const std::vector<double> kTarget = {1.0, 0.0, -1.0, 0.5};
inline constexpr int kSteps = 5;

using MakeOptimizer = std::function<std::unique_ptr<tg::optim::Optimizer>(std::vector<tg::Tensor>)>;

/// Runs kSteps steps from kP0 with g = 2 (p - target) + 0.1 p² + 0.05 t and returns p.
inline std::vector<double> run_trajectory(const MakeOptimizer& make) {
  tg::Tensor p = tg::from_vector(kP0, {4}).requires_grad_();
  auto opt = make({p});
  for (int t = 1; t <= kSteps; ++t) {
    std::vector<double> g(4);
    const double* pv = p.data<double>();
    for (std::size_t i = 0; i < 4; ++i)
      g[i] = 2 * (pv[i] - kTarget[i]) + 0.1 * pv[i] * pv[i] + 0.05 * t;
    p.set_grad(tg::from_vector(g, {4}));
    opt->step();
  }
  return p.to_vector<double>();
}

inline void expect_trajectory(const MakeOptimizer& make, const std::vector<double>& expected) {
  const std::vector<double> got = run_trajectory(make);
  for (std::size_t i = 0; i < expected.size(); ++i)
    EXPECT_NEAR(got[i], expected[i], 1e-12 * (1 + std::abs(expected[i]))) << "element " << i;
}

template <class Opt, class Options>
MakeOptimizer make(Options options) {
  return [options](std::vector<tg::Tensor> ps) {
    return std::make_unique<Opt>(std::move(ps), options);
  };
}

}  // namespace tgtest

// Adam and AdamW against torch 1.13 (tests/nn/reference/optim_reference.py).
#include <gtest/gtest.h>

#include "optim_helpers.hpp"

using tg::optim::Adam;
using tg::optim::AdamW;
using tgtest::expect_trajectory;
using tgtest::make;

TEST(Adam, DefaultsMatchTorch) {
  expect_trajectory(
      make<Adam>(tg::optim::AdamOptions{.lr = 0.1}),
      {0.9398503589179243, -0.7084828781434113, 1.5015040464344276, 0.4695063789977593});
}

TEST(Adam, AmsgradWeightDecayBetasMatchTorch) {
  expect_trajectory(
      make<Adam>(tg::optim::AdamOptions{
          .lr = 0.1, .betas = {0.5, 0.9}, .weight_decay = 0.1, .amsgrad = true}),
      {0.8477868101726108, -0.7282833702868255, 1.506630043724673, 0.3884547942531239});
}

TEST(AdamW, DecoupledWeightDecayMatchesTorch) {
  expect_trajectory(
      make<AdamW>(tg::optim::AdamWOptions{.lr = 0.1, .weight_decay = 0.1}),
      {0.9123623544207822, -0.6607304586626127, 1.4137992813616143, 0.4600062890518097});
}

TEST(AdamW, AmsgradDefaultWeightDecayMatchesTorch) {
  expect_trajectory(
      make<AdamW>(
          tg::optim::AdamWOptions{.lr = 0.05, .betas = {0.5, 0.9}, .eps = 1e-3, .amsgrad = true}),
      {0.719683780315473, -0.9551999237994744, 1.7464781770342537, 0.25030915981518786});
}

TEST(Adam, FirstStepMovesEveryCoordinateByLr) {
  // At t = 1, m̂ = g and v̂ = g², so the step is lr·g/(|g| + eps) ≈ lr·sign(g).
  tg::Tensor p = tg::from_vector(std::vector<float>{1, -2, 3}, {3}).requires_grad_();
  Adam opt({p}, {.lr = 1e-2, .betas = {0.5, 0.9}});
  (p * p).sum().backward();
  opt.step();
  const auto v = p.to_vector<float>();
  EXPECT_NEAR(v[0], 0.99f, 1e-6);
  EXPECT_NEAR(v[1], -1.99f, 1e-6);
  EXPECT_NEAR(v[2], 2.99f, 1e-6);
}

TEST(Adam, RejectsBadBetas) {
  tg::Tensor p = tg::ones({1}).requires_grad_();
  EXPECT_THROW(Adam({p}, {.betas = {1.0, 0.9}}), tg::ValueError);
}

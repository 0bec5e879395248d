// RMSprop against torch 1.13 (tests/nn/reference/optim_reference.py).
#include <gtest/gtest.h>

#include "optim_helpers.hpp"

using tg::optim::RMSprop;
using tgtest::expect_trajectory;
using tgtest::make;

TEST(RMSprop, DefaultsMatchTorch) {
  expect_trajectory(
      make<RMSprop>(tg::optim::RMSpropOptions{.lr = 0.01}),
      {0.7450751938431123, -0.8995221278641299, 1.6806133415159183, 0.2744789568295047});
}

TEST(RMSprop, CenteredMomentumWeightDecayMatchesTorch) {
  expect_trajectory(
      make<RMSprop>(tg::optim::RMSpropOptions{
          .lr = 0.01, .alpha = 0.9, .weight_decay = 0.1, .momentum = 0.9, .centered = true}),
      {0.794618155169568, -0.8682208242699465, 1.6569104074891439, 0.32738467579155894});
}

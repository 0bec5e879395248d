// SGD against torch 1.13 (tests/nn/reference/optim_reference.py).
#include <gtest/gtest.h>

#include "optim_helpers.hpp"

using tg::optim::SGD;
using tgtest::expect_trajectory;
using tgtest::make;

TEST(SGD, PlainMatchesTorch) {
  expect_trajectory(
      make<SGD>(tg::optim::SGDOptions{.lr = 0.1}),
      {0.7632482880046396, -0.47253439548610776, -0.10712487896613014, 0.2867883444151018});
}

TEST(SGD, MomentumDampeningWeightDecayMatchesTorch) {
  expect_trajectory(
      make<SGD>(tg::optim::SGDOptions{
          .lr = 0.1, .momentum = 0.9, .dampening = 0.1, .weight_decay = 0.01}),
      {1.112130832600049, 0.490350037045317, -2.8552846085473584, 0.6350403506961997});
}

TEST(SGD, NesterovMatchesTorch) {
  expect_trajectory(
      make<SGD>(tg::optim::SGDOptions{
          .lr = 0.1, .momentum = 0.9, .weight_decay = 0.01, .nesterov = true}),
      {1.0200638943500582, 0.3586330272888995, -2.5259974807217187, 0.5541476517369819});
}

TEST(SGD, OneStepByHandInFloat32) {
  tg::Tensor p = tg::from_vector(std::vector<float>{1, -2}, {2}).requires_grad_();
  SGD opt({p}, {.lr = 0.5});
  (p * p).sum().backward();  // g = 2p
  opt.step();
  EXPECT_EQ(p.to_vector<float>(), (std::vector<float>{0, 0}));
  EXPECT_EQ(opt.step_count(0), 1);
}

TEST(SGD, SkipsParametersWithoutGradAndZeroGradDropsThem) {
  tg::Tensor a = tg::ones({2}, tg::kFloat64).requires_grad_();
  tg::Tensor b = tg::ones({2}, tg::kFloat64).requires_grad_();
  SGD opt({a, b}, {.lr = 1});
  (a * 3.0).sum().backward();
  opt.step();
  EXPECT_EQ(a.to_vector<double>(), (std::vector<double>{-2, -2}));
  EXPECT_EQ(b.to_vector<double>(), (std::vector<double>{1, 1}));
  EXPECT_EQ(opt.step_count(1), 0);
  opt.zero_grad();
  EXPECT_FALSE(a.grad().defined());
}

TEST(SGD, RejectsBadOptionsAndNonLeaves) {
  tg::Tensor a = tg::ones({2}).requires_grad_();
  EXPECT_THROW(SGD({a}, {.lr = -1}), tg::ValueError);
  EXPECT_THROW(SGD({a}, {.lr = 0.1, .nesterov = true}), tg::ValueError);
  EXPECT_THROW(SGD({a * 2.0}, {}), tg::ValueError);
  EXPECT_THROW(SGD({tg::ones({2})}, {}), tg::ValueError);
}

// Gradient clipping against torch 1.13 (tests/nn/reference/optim_reference.py):
// gradients [3, -4] and [12], max_norm 2.
#include <gtest/gtest.h>

#include "module_gradcheck.hpp"

namespace {

std::vector<tg::Tensor> params_with_grads() {
  tg::Tensor a = tg::zeros({2}, tg::kFloat64).requires_grad_();
  tg::Tensor b = tg::zeros({1}, tg::kFloat64).requires_grad_();
  a.set_grad(tg::from_vector(std::vector<double>{3, -4}, {2}));
  b.set_grad(tg::from_vector(std::vector<double>{12}, {1}));
  return {a, b};
}

}  // namespace

TEST(Clip, GradNormL2MatchesTorch) {
  auto ps = params_with_grads();
  EXPECT_DOUBLE_EQ(tg::optim::clip_grad_norm_(ps, 2.0), 13.0);
  EXPECT_TRUE(tgtest::values_near(ps[0].grad(), {0.46153842603550577, -0.615384568047341}, 1e-15));
  EXPECT_TRUE(tgtest::values_near(ps[1].grad(), {1.846153704142023}, 1e-15));
}

TEST(Clip, GradNormInfMatchesTorch) {
  auto ps = params_with_grads();
  EXPECT_DOUBLE_EQ(tg::optim::clip_grad_norm_(ps, 2.0, tg::optim::kInfNorm), 12.0);
  EXPECT_TRUE(tgtest::values_near(ps[0].grad(), {0.4999999583333369, -0.6666666111111158}, 1e-15));
  EXPECT_TRUE(tgtest::values_near(ps[1].grad(), {1.9999998333333475}, 1e-15));
}

TEST(Clip, GradNormLeavesSmallGradientsAlone) {
  auto ps = params_with_grads();
  EXPECT_DOUBLE_EQ(tg::optim::clip_grad_norm_(ps, 100.0), 13.0);
  EXPECT_TRUE(tgtest::values_near(ps[0].grad(), {3, -4}, 1e-12));
}

TEST(Clip, GradValue) {
  auto ps = params_with_grads();
  tg::Tensor none = tg::zeros({1}).requires_grad_();
  ps.push_back(none);
  tg::optim::clip_grad_value_(ps, 3.5);
  EXPECT_TRUE(tgtest::values_near(ps[0].grad(), {3, -3.5}, 0));
  EXPECT_TRUE(tgtest::values_near(ps[1].grad(), {3.5}, 0));
  EXPECT_FALSE(none.grad().defined());
  EXPECT_THROW(tg::optim::clip_grad_value_(ps, -1), tg::ValueError);
}

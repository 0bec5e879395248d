// LayerNorm and BatchNorm1d: values by hand, running statistics, gradients.
#include <gtest/gtest.h>

#include <cmath>

#include "module_gradcheck.hpp"

TEST(LayerNorm, ForwardByHand) {
  tg::nn::LayerNorm ln({3}, {.dtype = tg::kFloat64});
  // Row (1, 2, 3): mean 2, variance 2/3. Row (0, 0, 6): mean 2, variance 8.
  const tg::Tensor x = tg::from_vector(std::vector<double>{1, 2, 3, 0, 0, 6}, {2, 3});
  const double a = 1 / std::sqrt(2.0 / 3 + 1e-5), b = 1 / std::sqrt(8 + 1e-5);
  EXPECT_TRUE(tgtest::values_near(ln(x), {-a, 0, a, -2 * b, -2 * b, 4 * b}, 1e-12));
  ln.weight.copy_(tg::from_vector(std::vector<double>{1, 2, 3}, {3}));
  ln.bias.copy_(tg::from_vector(std::vector<double>{0, 1, 0}, {3}));
  EXPECT_TRUE(tgtest::values_near(ln(x), {-a, 1, 3 * a, -2 * b, 1 - 4 * b, 12 * b}, 1e-12));
}

TEST(LayerNorm, OverTwoTrailingAxesAndGradcheck) {
  tg::Generator gen(1);
  tg::nn::LayerNorm ln({2, 3}, {.dtype = tg::kFloat64});
  ln.weight.copy_(tg::randn({2, 3}, gen, tg::kFloat64));
  ln.bias.copy_(tg::randn({2, 3}, gen, tg::kFloat64));
  const tg::Tensor x = tg::randn({4, 2, 3}, gen, tg::kFloat64);
  const tg::Tensor y = tg::nn::LayerNorm({2, 3}, {.elementwise_affine = false})(x.to(tg::kFloat32));
  EXPECT_NEAR(tg::abs(y.mean({1, 2})).max().item<float>(), 0, 1e-6);
  EXPECT_TRUE(tgtest::module_gradcheck(ln, x));
  EXPECT_THROW(ln(tg::zeros({4, 3, 2}, tg::kFloat64)), tg::ShapeError);
}

TEST(BatchNorm1d, TrainByHandAndRunningStats) {
  tg::nn::BatchNorm1d bn(2, {.dtype = tg::kFloat64});
  // Channel 0: (1, 3), mean 2, biased var 1, unbiased 2. Channel 1: (0, 0), var 0.
  const tg::Tensor x = tg::from_vector(std::vector<double>{1, 0, 3, 0}, {2, 2});
  const double a = 1 / std::sqrt(1 + 1e-5);
  EXPECT_TRUE(tgtest::values_near(bn(x), {-a, 0, a, 0}, 1e-12));
  EXPECT_TRUE(tgtest::values_near(bn.running_mean, {0.2, 0}, 1e-12));
  EXPECT_TRUE(tgtest::values_near(bn.running_var, {0.9 + 0.2, 0.9}, 1e-12));
  EXPECT_TRUE(tgtest::values_near(bn.num_batches_tracked, {1}, 0));
  bn.eval();
  EXPECT_TRUE(tgtest::values_near(
      bn(x), {(1 - 0.2) / std::sqrt(1.1 + 1e-5), 0, (3 - 0.2) / std::sqrt(1.1 + 1e-5), 0}, 1e-12));
  EXPECT_TRUE(tgtest::values_near(bn.running_mean, {0.2, 0}, 1e-12));  // eval does not update
}

TEST(BatchNorm1d, ThreeDimensionalInputAndGradcheck) {
  tg::Generator gen(2);
  tg::nn::BatchNorm1d bn(3, {.dtype = tg::kFloat64});
  bn.weight.copy_(tg::randn({3}, gen, tg::kFloat64));
  bn.bias.copy_(tg::randn({3}, gen, tg::kFloat64));
  EXPECT_TRUE(tgtest::module_gradcheck(bn, tg::randn({4, 3}, gen, tg::kFloat64)));
  EXPECT_TRUE(tgtest::module_gradcheck(bn, tg::randn({2, 3, 5}, gen, tg::kFloat64)));
  bn.eval();
  EXPECT_TRUE(tgtest::module_gradcheck(bn, tg::randn({4, 3}, gen, tg::kFloat64)));
  EXPECT_THROW(bn(tg::zeros({4, 2}, tg::kFloat64)), tg::ShapeError);
}

TEST(BatchNorm1d, StateIncludesBuffers) {
  tg::nn::BatchNorm1d bn(4);
  std::vector<std::string> names;
  for (const auto& [n, t] : bn.state()) names.push_back(n);
  EXPECT_EQ(names, (std::vector<std::string>{"weight", "bias", "running_mean", "running_var",
                                             "num_batches_tracked"}));
}

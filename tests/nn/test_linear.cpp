// Linear: forward by hand, gradients by finite differences, init bounds and errors.
#include <gtest/gtest.h>

#include <cmath>

#include "module_gradcheck.hpp"

TEST(Linear, ForwardByHand) {
  tg::Generator gen(0);
  tg::nn::Linear lin(2, 3, gen, {.dtype = tg::kFloat64});
  lin.weight.copy_(tg::from_vector(std::vector<double>{1, 2, 3, 4, 5, 6}, {3, 2}));
  lin.bias.copy_(tg::from_vector(std::vector<double>{0.5, -1, 0}, {3}));
  tg::Tensor x = tg::from_vector(std::vector<double>{1, -1, 2, 0.5}, {2, 2});
  EXPECT_TRUE(tgtest::values_near(lin(x), {-0.5, -2, -1, 3.5, 7, 13}, 1e-12));
  tg::Tensor y3 = lin(x.reshape({2, 1, 2}));
  EXPECT_EQ(y3.shape(), tg::Shape({2, 1, 3}));
  EXPECT_TRUE(tgtest::values_near(y3, {-0.5, -2, -1, 3.5, 7, 13}, 1e-12));
}

TEST(Linear, WithoutBias) {
  tg::Generator gen(0);
  tg::nn::Linear lin(2, 1, gen, {.bias = false});
  EXPECT_FALSE(lin.bias.defined());
  EXPECT_EQ(lin.parameters().size(), 1u);
  lin.weight.copy_(tg::from_vector(std::vector<float>{2, -1}, {1, 2}));
  EXPECT_TRUE(
      tgtest::values_near(lin(tg::from_vector(std::vector<float>{3, 4}, {1, 2})), {2}, 1e-6));
}

TEST(Linear, Gradcheck) {
  tg::Generator gen(1);
  tg::nn::Linear lin(3, 2, gen, {.dtype = tg::kFloat64});
  EXPECT_TRUE(tgtest::module_gradcheck(lin, tg::randn({4, 3}, gen, tg::kFloat64)));
}

TEST(Linear, TorchDefaultInitBounds) {
  tg::Generator gen(2);
  tg::nn::Linear lin(16, 64, gen);
  const double bound = 1.0 / std::sqrt(16.0);
  for (float v : lin.weight.to_vector<float>()) EXPECT_LE(std::abs(v), bound);
  for (float v : lin.bias.to_vector<float>()) EXPECT_LE(std::abs(v), bound);
  // Not degenerate: the spread is close to that of U(±bound), std = bound/√3.
  EXPECT_NEAR(lin.weight.std().item<double>(), bound / std::sqrt(3.0), 0.1 * bound);
}

TEST(Linear, SameSeedSameWeights) {
  tg::Generator g1(5), g2(5);
  tg::nn::Linear a(3, 4, g1), b(3, 4, g2);
  EXPECT_EQ(a.weight.to_vector<float>(), b.weight.to_vector<float>());
}

TEST(Linear, ErrorsNameTheLayerAndShapes) {
  tg::Generator gen(0);
  tg::nn::Linear lin(2, 3, gen);
  try {
    lin(tg::zeros({4, 5}));
    FAIL() << "expected ShapeError";
  } catch (const tg::ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("Linear(in=2, out=3)"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("[4, 5]"), std::string::npos) << e.what();
  }
  EXPECT_THROW(lin(tg::zeros({4, 2}, tg::kFloat64)), tg::DtypeError);
  EXPECT_THROW(tg::nn::Linear(0, 3, gen), tg::ValueError);
}

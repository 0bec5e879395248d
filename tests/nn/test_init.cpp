// Initialisers: fans, bounds and spreads.
#include <gtest/gtest.h>

#include <cmath>

#include "tapegrad/nn.hpp"

namespace init = tg::nn::init;

namespace {
double max_abs(const tg::Tensor& t) { return tg::abs(t).max().item<double>(); }
}  // namespace

TEST(Init, Fans) {
  tg::Tensor w = tg::zeros({8, 3});
  EXPECT_EQ(init::fan_in(w), 3);
  EXPECT_EQ(init::fan_out(w), 8);
  tg::Tensor conv = tg::zeros({8, 3, 2, 2});
  EXPECT_EQ(init::fan_in(conv), 12);
  tg::Tensor v = tg::zeros({4});
  EXPECT_THROW(init::fan_in(v), tg::ShapeError);
}

TEST(Init, XavierUniformBoundAndSpread) {
  tg::Generator gen(1);
  tg::Tensor w = tg::zeros({200, 300});
  init::xavier_uniform_(w, gen, 2.0);
  const double a = 2.0 * std::sqrt(6.0 / 500.0);
  EXPECT_LE(max_abs(w), a);
  EXPECT_NEAR(w.std().item<double>(), a / std::sqrt(3.0), 0.02 * a);
}

TEST(Init, XavierNormalSpread) {
  tg::Generator gen(2);
  tg::Tensor w = tg::zeros({200, 300});
  init::xavier_normal_(w, gen);
  EXPECT_NEAR(w.std().item<double>(), std::sqrt(2.0 / 500.0), 0.02 * std::sqrt(2.0 / 500.0));
  EXPECT_NEAR(w.mean().item<double>(), 0.0, 0.01);
}

TEST(Init, KaimingUsesTheActivationGainAndFanMode) {
  tg::Generator gen(3);
  tg::Tensor w = tg::zeros({100, 400}, tg::kFloat64);
  const double g = tg::nn::gain(tg::nn::Activation::ReLU);
  init::kaiming_uniform_(w, gen, g);
  EXPECT_LE(max_abs(w), g * std::sqrt(3.0 / 400.0));
  init::kaiming_normal_(w, gen, g, init::FanMode::FanOut);
  EXPECT_NEAR(w.std().item<double>(), g / std::sqrt(100.0), 0.02 * g / 10);
}

TEST(Init, LinearSchemesZeroTheBias) {
  tg::Generator gen(4);
  tg::nn::Linear lin(10, 20, gen,
                     {.init = init::Scheme::KaimingNormal, .activation = tg::nn::Activation::Tanh});
  EXPECT_EQ(max_abs(lin.bias), 0.0);
  EXPECT_GT(max_abs(lin.weight), 0.0);
}

TEST(Init, ConstantsAndBumpVersion) {
  tg::Tensor t = tg::zeros({3});
  const auto v0 = t.impl()->storage->version;
  init::constant_(t, 2.5);
  EXPECT_EQ(t.to_vector<float>(), (std::vector<float>{2.5, 2.5, 2.5}));
  init::ones_(t);
  init::zeros_(t);
  EXPECT_EQ(t.sum().item<float>(), 0.0f);
  EXPECT_GT(t.impl()->storage->version, v0);
}

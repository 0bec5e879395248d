// Activation modules: values by hand, gradients by finite differences, gains.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "module_gradcheck.hpp"

using tg::nn::Activation;

namespace {

const std::vector<double> kX = {-1.5, -0.25, 0.5, 2.0};

double reference(Activation a, double x) {
  const double sig = 1 / (1 + std::exp(-x));
  switch (a) {
    case Activation::ReLU:
      return x > 0 ? x : 0;
    case Activation::LeakyReLU:
      return x > 0 ? x : 0.2 * x;
    case Activation::Tanh:
      return std::tanh(x);
    case Activation::Sigmoid:
      return sig;
    case Activation::ELU:
      return x > 0 ? x : 0.5 * (std::exp(x) - 1);
    case Activation::SiLU:
      return x * sig;
    case Activation::GELU:
      return 0.5 * x *
             (1 + std::tanh(std::sqrt(2 / std::numbers::pi) * (x + 0.044715 * x * x * x)));
    case Activation::Softplus:
      return std::log1p(std::exp(x));
    case Activation::Identity:
      return x;
  }
  return 0;
}

const Activation kAll[] = {Activation::ReLU,    Activation::LeakyReLU, Activation::Tanh,
                           Activation::Sigmoid, Activation::ELU,       Activation::SiLU,
                           Activation::GELU,    Activation::Softplus,  Activation::Identity};

double param_for(Activation a) {
  return a == Activation::LeakyReLU ? 0.2 : a == Activation::ELU ? 0.5 : tg::nn::kDefaultParam;
}

}  // namespace

TEST(Activation, ForwardMatchesFormulas) {
  const tg::Tensor x = tg::from_vector(kX, {2, 2});
  for (Activation a : kAll) {
    tg::nn::ActivationLayer layer(a, param_for(a));
    std::vector<double> expected;
    for (double v : kX) expected.push_back(reference(a, v));
    SCOPED_TRACE(std::string(tg::nn::activation_name(a)));
    EXPECT_TRUE(tgtest::values_near(layer(x), expected, 1e-12));
  }
}

TEST(Activation, Gradcheck) {
  const tg::Tensor x = tg::from_vector(kX, {2, 2});
  for (Activation a : kAll) {
    tg::nn::ActivationLayer layer(a, param_for(a));
    EXPECT_TRUE(tgtest::module_gradcheck(layer, x)) << tg::nn::activation_name(a);
  }
}

TEST(Activation, NamedModulesAndDefaults) {
  const tg::Tensor x = tg::from_vector(std::vector<double>{-2.0}, {1});
  EXPECT_NEAR(tg::nn::LeakyReLU()(x).item<double>(), -0.02, 1e-12);
  EXPECT_NEAR(tg::nn::ELU()(x).item<double>(), std::exp(-2.0) - 1, 1e-12);
  EXPECT_EQ(tg::nn::ReLU()(x).item<double>(), 0.0);
  EXPECT_EQ(tg::nn::Identity()(x).item<double>(), -2.0);
  EXPECT_TRUE(tg::nn::Tanh().parameters().empty());
}

TEST(Activation, GainsFollowTorch) {
  EXPECT_DOUBLE_EQ(tg::nn::gain(Activation::Identity), 1.0);
  EXPECT_DOUBLE_EQ(tg::nn::gain(Activation::Sigmoid), 1.0);
  EXPECT_DOUBLE_EQ(tg::nn::gain(Activation::Tanh), 5.0 / 3.0);
  EXPECT_DOUBLE_EQ(tg::nn::gain(Activation::ReLU), std::sqrt(2.0));
  EXPECT_DOUBLE_EQ(tg::nn::gain(Activation::LeakyReLU), std::sqrt(2.0 / (1 + 1e-4)));
  EXPECT_DOUBLE_EQ(tg::nn::gain(Activation::LeakyReLU, 0.2), std::sqrt(2.0 / 1.04));
}

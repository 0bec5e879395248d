// Dropout: inverted scaling, train-only, reproducible from the generator, gradient.
#include <gtest/gtest.h>

#include "module_gradcheck.hpp"

TEST(Dropout, TrainZeroesAndRescales) {
  tg::Generator gen(1);
  tg::nn::Dropout drop(0.25, gen);
  const auto v = drop(tg::ones({4000})).to_vector<float>();
  int zeros = 0;
  for (float x : v) {
    EXPECT_TRUE(x == 0.0f || std::abs(x - 1 / 0.75f) < 1e-6f) << x;
    zeros += x == 0.0f;
  }
  EXPECT_NEAR(zeros / 4000.0, 0.25, 0.03);
}

TEST(Dropout, EvalIsIdentityAndEdgeProbabilities) {
  tg::Generator gen(1);
  tg::nn::Dropout drop(0.5, gen);
  drop.eval();
  const tg::Tensor x = tg::from_vector(std::vector<float>{1, 2, 3}, {3});
  EXPECT_EQ(drop(x).to_vector<float>(), x.to_vector<float>());
  tg::nn::Dropout none(0.0, gen), all(1.0, gen);
  EXPECT_EQ(none(x).to_vector<float>(), x.to_vector<float>());
  EXPECT_EQ(all(x).to_vector<float>(), (std::vector<float>{0, 0, 0}));
  EXPECT_THROW(tg::nn::Dropout(1.5, gen), tg::ValueError);
}

TEST(Dropout, SameSeedSameMask) {
  tg::Generator g1(7), g2(7);
  tg::nn::Dropout a(0.5, g1), b(0.5, g2);
  const tg::Tensor x = tg::ones({64});
  EXPECT_EQ(a(x).to_vector<float>(), b(x).to_vector<float>());
  EXPECT_NE(a(x).to_vector<float>(), a(x).to_vector<float>());  // the generator advances
}

TEST(Dropout, GradientIsTheScaledMask) {
  tg::Generator gen(3);
  tg::nn::Dropout drop(0.4, gen);
  tg::Generator gen2(3);
  const tg::Tensor x = tg::randn({3, 4}, gen2, tg::kFloat64);
  EXPECT_TRUE(
      tgtest::module_gradcheck(drop, x, {.before_forward = [&] { gen = tg::Generator(3); }}));
}

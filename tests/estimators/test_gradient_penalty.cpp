// Gradient penalties against closed forms, and their gradients by finite differences.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "tapegrad/autograd.hpp"
#include "tapegrad/estimators/gradient_penalty.hpp"

namespace {

// A linear critic a(x) = x·w has ∇ₓa = w at every point, so the penalty is (‖w‖ − 1)²
// and its gradient in w is 2(‖w‖ − 1)·w/‖w‖.
TEST(GradientPenalty, LinearCriticClosedForm) {
  tg::Tensor w = tg::from_vector(std::vector<double>{3, 4}, {2, 1}).requires_grad_();
  tg::est::Critic critic = [&](const tg::Tensor& x) { return tg::matmul(x, w); };
  tg::Generator gen(3);
  tg::Tensor points = tg::randn({16, 2}, gen, tg::kFloat64);
  tg::Tensor gp = tg::est::gradient_penalty(critic, points);
  EXPECT_NEAR(gp.item<double>(), 16.0, 1e-12);  // (5 − 1)²
  gp.backward();
  const auto g = w.grad().to_vector<double>();
  EXPECT_NEAR(g[0], 2 * 4 * 3.0 / 5, 1e-12);
  EXPECT_NEAR(g[1], 2 * 4 * 4.0 / 5, 1e-12);
}

// a(x) = ½‖x‖² per sample has ∇ₓa = x, so the norm must be taken per sample over every
// non-batch axis: penalty = mean_i (‖x_i‖ − 1)².
TEST(GradientPenalty, NormIsPerSampleOverAllNonBatchAxes) {
  tg::Generator gen(5);
  tg::Tensor x = tg::randn({4, 2, 3}, gen, tg::kFloat64);
  tg::est::Critic critic = [](const tg::Tensor& p) { return tg::sum(p * p, {1, 2}) * 0.5; };
  const auto v = x.to_vector<double>();
  double expected = 0;
  for (int i = 0; i < 4; ++i) {
    double sq = 0;
    for (int j = 0; j < 6; ++j)
      sq += v[static_cast<size_t>(i * 6 + j)] * v[static_cast<size_t>(i * 6 + j)];
    expected += (std::sqrt(sq) - 1) * (std::sqrt(sq) - 1) / 4;
  }
  EXPECT_NEAR(tg::est::gradient_penalty(critic, x).item<double>(), expected, 1e-12);
}

// The penalty of a small tanh critic, differentiated in the critic's weights (double
// backprop), against finite differences.
TEST(GradientPenalty, GradcheckThroughDoubleBackprop) {
  tg::Generator gen(11);
  tg::Tensor w1 = tg::randn({3, 4}, gen, tg::kFloat64).requires_grad_();
  tg::Tensor w2 = tg::randn({4, 1}, gen, tg::kFloat64).requires_grad_();
  tg::Tensor points = tg::randn({5, 3}, gen, tg::kFloat64);
  auto f = [&](const tg::TensorList& p) {
    tg::est::Critic critic = [&](const tg::Tensor& x) {
      return tg::matmul(tg::tanh(tg::matmul(x, p[0])), p[1]);
    };
    return tg::est::gradient_penalty(critic, points);
  };
  auto r = tg::gradcheck(f, {w1, w2});
  EXPECT_TRUE(r) << r.message;
}

TEST(GradientPenalty, InterpolatesDrawAlphaPerSample) {
  tg::Generator gen(9);
  tg::Tensor real = tg::zeros({64, 5}), fake = tg::ones({64, 5});
  const auto v = tg::est::interpolate(real, fake, gen).to_vector<float>();
  std::vector<float> alphas;
  for (int i = 0; i < 64; ++i) {
    for (int j = 1; j < 5; ++j)
      EXPECT_EQ(v[static_cast<size_t>(i * 5 + j)], v[static_cast<size_t>(i * 5)]);
    alphas.push_back(1 - v[static_cast<size_t>(i * 5)]);
  }
  std::sort(alphas.begin(), alphas.end());
  EXPECT_LT(std::unique(alphas.begin(), alphas.end()) - alphas.begin(), 65);
  EXPECT_GT(std::unique(alphas.begin(), alphas.end()) - alphas.begin(), 60);
  for (float a : alphas) {
    EXPECT_GE(a, 0.0f);
    EXPECT_LE(a, 1.0f);
  }
}

TEST(GradientPenalty, DraganPointsStayNearTheData) {
  tg::Generator gen(2);
  tg::Tensor real = tg::randn({256, 2}, gen);
  tg::Tensor pts = tg::est::dragan_points(real, gen, 0.5);
  const double sd = tg::std(real).item<double>();
  const auto d = (pts - real).to_vector<float>();
  for (float v : d) {
    EXPECT_GE(v, 0.0f);
    EXPECT_LE(v, 0.5 * sd + 1e-6);
  }
}

TEST(GradientPenalty, BadInputIsRejected) {
  tg::est::Critic critic = [](const tg::Tensor& x) { return x.sum(); };
  tg::Generator gen(1);
  EXPECT_THROW(tg::est::gradient_penalty(critic, tg::ones({4, 2})), tg::ShapeError);
  EXPECT_THROW(tg::est::interpolate(tg::ones({4, 2}), tg::ones({3, 2}), gen), tg::ShapeError);
  EXPECT_THROW(tg::est::penalty_term(tg::est::Penalty::WganGp, critic, tg::ones({4, 2}),
                                     tg::ones({4, 2}), -1.0, gen),
               tg::ValueError);
}

}  // namespace

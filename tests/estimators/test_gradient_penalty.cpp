// Gradient penalties against closed forms, and their gradients by finite differences.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

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

// The paper's form x + δ, δ ~ N(0, c·I): over 4,096 × 2 draws with c = 0.3, the offsets'
// mean is within 5 standard errors sqrt(c/m) of 0 and their variance within 5 standard
// errors c·sqrt(2/m) of c (m = 8,192 draws; Var of a normal sample variance is 2c²/m).
TEST(GradientPenalty, DraganPaperFormAddsGaussianNoiseOfVarianceC) {
  tg::Generator gen(6);
  const double c = 0.3;
  tg::Tensor real = tg::randn({4096, 2}, gen, tg::kFloat64, 3.0, 2.0);
  tg::Tensor offsets =
      tg::est::dragan_points(real, gen, c, tg::est::DraganNoise::PaperGaussian) - real;
  const double m = 8192;
  EXPECT_NEAR(tg::mean(offsets).item<double>(), 0.0, 5 * std::sqrt(c / m));
  EXPECT_NEAR(tg::var(offsets, {}, 0).item<double>(), c, 5 * c * std::sqrt(2 / m));
}

// The reference-code form stays the default, of dragan_points and of penalty_term, and
// penalty_term's options select the paper's form (same draws, same penalty).
TEST(GradientPenalty, DraganFormIsSelectableAndTheReferenceFormIsTheDefault) {
  tg::Generator data_gen(8);
  tg::Tensor real = tg::randn({16, 3}, data_gen, tg::kFloat64);
  auto points = [&](auto... form) {
    tg::Generator gen(4);
    return tg::est::dragan_points(real, gen, 0.5, form...).template to_vector<double>();
  };
  EXPECT_EQ(points(), points(tg::est::DraganNoise::ReferenceUniform));
  EXPECT_NE(points(), points(tg::est::DraganNoise::PaperGaussian));

  tg::Tensor w = tg::randn({3, 1}, data_gen, tg::kFloat64);
  tg::est::Critic critic = [&](const tg::Tensor& x) {
    return tg::sum(tg::tanh(tg::matmul(x, w)), {1});
  };
  auto penalty = [&](const tg::est::PenaltyOptions& options) {
    tg::Generator gen(4);
    return tg::est::penalty_term(tg::est::Penalty::DraganNs, critic, real, real, 10.0, gen, options)
        .item<double>();
  };
  tg::Generator gen(4);
  const double paper =
      tg::est::gradient_penalty(
          critic, tg::est::dragan_points(real, gen, 0.2, tg::est::DraganNoise::PaperGaussian))
          .item<double>() *
      10.0;
  EXPECT_EQ(penalty({.dragan_noise = tg::est::DraganNoise::PaperGaussian, .dragan_c = 0.2}), paper);
  EXPECT_EQ(penalty({}), penalty({.dragan_noise = tg::est::DraganNoise::ReferenceUniform}));
}

// ---- zero-centred penalties (R1, R2) --------------------------------------------------

// A linear critic a(x) = x·w has ‖∇ₓa‖² = ‖w‖² everywhere: R1 = R2 = γ/2·‖w‖², with
// gradient γ·w in w.
TEST(ZeroCentredPenalty, LinearCriticClosedForm) {
  tg::Tensor w = tg::from_vector(std::vector<double>{3, 4}, {2, 1}).requires_grad_();
  tg::est::Critic critic = [&](const tg::Tensor& x) { return tg::matmul(x, w); };
  tg::Generator gen(3);
  tg::Tensor real = tg::randn({16, 2}, gen, tg::kFloat64);
  tg::Tensor fake = tg::randn({16, 2}, gen, tg::kFloat64);
  const double gamma = 0.4;
  for (auto kind : {tg::est::Penalty::R1, tg::est::Penalty::R2}) {
    tg::Tensor r = tg::est::penalty_term(kind, critic, real, fake, gamma, gen);
    EXPECT_NEAR(r.item<double>(), gamma / 2 * 25, 1e-12);
    const auto g = tg::grad({r}, {w})[0].to_vector<double>();
    EXPECT_NEAR(g[0], gamma * 3, 1e-12);
    EXPECT_NEAR(g[1], gamma * 4, 1e-12);
  }
}

// a(x) = ½‖x‖² has ∇ₓa = x: R1 = γ/2·mean‖x_real‖² is taken at the data and R2 at the fakes.
TEST(ZeroCentredPenalty, R1IsAtTheDataAndR2AtTheFakes) {
  tg::est::Critic critic = [](const tg::Tensor& x) { return tg::sum(x * x, {1}) * 0.5; };
  tg::Generator gen(12);
  tg::Tensor real = tg::randn({8, 3}, gen, tg::kFloat64);
  tg::Tensor fake = tg::randn({8, 3}, gen, tg::kFloat64, 2.0);
  auto half_mean_sq = [](const tg::Tensor& x) {
    return 0.5 * tg::mean(tg::sum(x * x, {1})).item<double>();
  };
  EXPECT_NEAR(
      tg::est::penalty_term(tg::est::Penalty::R1, critic, real, fake, 2.0, gen).item<double>(),
      2.0 * half_mean_sq(real), 1e-12);
  EXPECT_NEAR(
      tg::est::penalty_term(tg::est::Penalty::R2, critic, real, fake, 2.0, gen).item<double>(),
      2.0 * half_mean_sq(fake), 1e-12);
  EXPECT_NEAR(tg::est::zero_centred_penalty(critic, real).item<double>(), 2 * half_mean_sq(real),
              1e-12);
}

// R1 of a small tanh critic, differentiated in its weights through double backprop, against
// finite differences; and the same for R2.
TEST(ZeroCentredPenalty, GradcheckThroughDoubleBackprop) {
  tg::Generator gen(31);
  tg::Tensor w1 = tg::randn({3, 4}, gen, tg::kFloat64).requires_grad_();
  tg::Tensor w2 = tg::randn({4, 1}, gen, tg::kFloat64).requires_grad_();
  tg::Tensor real = tg::randn({5, 3}, gen, tg::kFloat64);
  tg::Tensor fake = tg::randn({5, 3}, gen, tg::kFloat64);
  for (auto kind : {tg::est::Penalty::R1, tg::est::Penalty::R2}) {
    auto f = [&](const tg::TensorList& p) {
      tg::est::Critic critic = [&](const tg::Tensor& x) {
        return tg::matmul(tg::tanh(tg::matmul(x, p[0])), p[1]);
      };
      tg::Generator unused(0);
      return tg::est::penalty_term(kind, critic, real, fake, 3.0, unused);
    };
    auto r = tg::gradcheck(f, {w1, w2});
    EXPECT_TRUE(r) << r.message;
  }
}

TEST(GradientPenalty, MismatchedRealAndFakeBatchesAreNamed) {
  tg::est::Critic critic = [](const tg::Tensor& x) { return tg::sum(x, {1}); };
  tg::Generator gen(1);
  for (auto kind : {tg::est::Penalty::R1, tg::est::Penalty::R2, tg::est::Penalty::WganGp}) {
    try {
      tg::est::penalty_term(kind, critic, tg::ones({4, 2}), tg::ones({3, 2}), 1.0, gen);
      ADD_FAILURE() << "no exception";
    } catch (const tg::ShapeError& e) {
      const std::string m = e.what();
      EXPECT_NE(m.find("penalty_term: real [4, 2] and fake [3, 2]"), std::string::npos) << m;
      EXPECT_NE(m.find("must have the same shape"), std::string::npos) << m;
    }
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

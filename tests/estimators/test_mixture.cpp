// The Gaussian mixture: its log-density against the closed form, its weights, its sampler
// and its bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "../nn/module_gradcheck.hpp"
#include "tapegrad/autograd.hpp"
#include "tapegrad/estimators/mixture.hpp"

namespace {

tg::Tensor column(std::vector<double> v) {
  const auto n = static_cast<int64_t>(v.size());
  return tg::from_vector(v, {n, 1});
}

template <class F>
std::string error_message(F f) {
  try {
    f();
  } catch (const tg::Error& e) {
    return e.what();
  }
  return "no exception";
}

double normal_pdf(double x, double mean, double sd) {
  const double z = (x - mean) / sd;
  return std::exp(-0.5 * z * z) / (sd * std::sqrt(2 * std::numbers::pi));
}

// log(0.25·N(x; −1, 0.5²) + 0.75·N(x; 2, 1.5²)), including a point where both components
// underflow in float64 (x = 60: the log-density is still finite through logsumexp).
TEST(GaussianMixture, LogProbClosedForm) {
  tg::est::GaussianMixture m({0.25, 0.75}, column({-1, 2}), column({0.5, 1.5}));
  const std::vector<double> xs{-1.0, 0.3, 2.5, 60.0};
  const auto lp = m.log_prob(column(xs)).to_vector<double>();
  for (size_t i = 0; i < 3; ++i)
    EXPECT_NEAR(lp[i],
                std::log(0.25 * normal_pdf(xs[i], -1, 0.5) + 0.75 * normal_pdf(xs[i], 2, 1.5)),
                1e-12);
  // At x = 60 the second component dominates by e^{7000}: log(0.75) + log N(60; 2, 1.5²).
  const double z = (60.0 - 2) / 1.5;
  EXPECT_NEAR(lp[3], std::log(0.75) - 0.5 * z * z - std::log(1.5 * std::sqrt(2 * std::numbers::pi)),
              1e-9);
  const auto w = tg::exp(m.log_weights()).to_vector<double>();
  EXPECT_NEAR(w[0], 0.25, 1e-15);
  EXPECT_NEAR(w[1], 0.75, 1e-15);
}

// Any logits give weights on the simplex.
TEST(GaussianMixture, LogitsGiveNormalisedWeights) {
  tg::Generator gen(2);
  tg::est::GaussianMixture m(4, 3, gen, tg::kFloat64);
  m.logits.copy_(tg::from_vector(std::vector<double>{3, -1, 0.5, 10}, {4}));
  EXPECT_NEAR(tg::sum(tg::exp(m.log_weights())).item<double>(), 1.0, 1e-15);
  EXPECT_EQ(m.components(), 4);
  EXPECT_EQ(m.dim(), 3);
}

// Components at ±10 with scale 0.1 never overlap, so the sign of a sample says which
// component drew it. n = 20,000 with π_0 = 0.2: the count of the first is binomial, within
// 5·sqrt(nπ(1 − π)) of nπ; each cluster's mean within 5·0.1/sqrt(count) of its centre.
TEST(GaussianMixture, SamplesFollowTheWeights) {
  tg::est::GaussianMixture m({0.2, 0.8}, column({-10, 10}), column({0.1, 0.1}));
  const int64_t n = 20000;
  tg::Generator gen(7);
  const auto x = m.sample(n, gen).to_vector<double>();
  double count = 0, sum_neg = 0, sum_pos = 0;
  for (double v : x) {
    if (v < 0) {
      ++count;
      sum_neg += v;
    } else {
      sum_pos += v;
    }
  }
  const double nd = static_cast<double>(n);
  EXPECT_NEAR(count, 0.2 * nd, 5 * std::sqrt(nd * 0.2 * 0.8));
  EXPECT_NEAR(sum_neg / count, -10, 5 * 0.1 / std::sqrt(count));
  EXPECT_NEAR(sum_pos / (nd - count), 10, 5 * 0.1 / std::sqrt(nd - count));
}

// Same seed, same samples (bit for bit), and the generator advances so the next draw differs.
TEST(GaussianMixture, SamplingIsDeterministicPerSeed) {
  tg::est::GaussianMixture m({0.4, 0.6}, column({-1, 1}), column({0.5, 0.5}));
  tg::Generator a(11), b(11);
  const auto first = m.sample(64, a).to_vector<double>();
  EXPECT_EQ(first, m.sample(64, b).to_vector<double>());
  EXPECT_NE(first, m.sample(64, a).to_vector<double>());
}

// log_prob's gradients in the input and in every parameter, in float64.
TEST(GaussianMixture, LogProbPassesModuleGradcheck) {
  tg::Generator gen(12);
  tg::est::GaussianMixture m(3, 2, gen, tg::kFloat64);
  m.logits.copy_(tg::randn({3}, gen, tg::kFloat64));
  m.log_std.copy_(tg::randn({3, 2}, gen, tg::kFloat64) * 0.3);
  EXPECT_TRUE(tg::testing::module_gradcheck(m, tg::randn({5, 2}, gen, tg::kFloat64)));
}

TEST(GaussianMixture, WeightsThatDoNotSumToOneAreNamed) {
  EXPECT_THROW(tg::est::GaussianMixture({0.3, 0.3}, column({0, 1}), column({1, 1})),
               tg::ValueError);
  EXPECT_EQ(error_message([] {
              tg::est::GaussianMixture({0.3, 0.3}, column({0, 1}), column({1, 1}));
            }),
            "GaussianMixture: weights [0.3, 0.3] sum to 0.6; expected positive weights summing "
            "to 1 (within 1e-06)");
  // Summing to 1 is not enough: every weight must be positive.
  EXPECT_NE(error_message([] {
              tg::est::GaussianMixture({1.5, -0.5}, column({0, 1}), column({1, 1}));
            }).find("weights [1.5, -0.5] sum to 1; expected positive weights"),
            std::string::npos);
  // Within the tolerance is accepted.
  EXPECT_NO_THROW(tg::est::GaussianMixture({0.5, 0.5 + 1e-9}, column({0, 1}), column({1, 1})));
}

TEST(GaussianMixture, OtherBadInputIsNamed) {
  EXPECT_EQ(error_message([] {
              tg::est::GaussianMixture({0.5, 0.5}, column({0, 1, 2}), column({1, 1, 1}));
            }),
            "GaussianMixture: means must be [2, D] for 2 weights, got [3, 1]");
  EXPECT_THROW(tg::est::GaussianMixture({0.5, 0.5}, column({0, 1}), column({1, 0})),
               tg::ValueError);
  EXPECT_THROW(tg::est::GaussianMixture({0.5, 0.5}, column({0, 1}), tg::ones({2, 1})),
               tg::DtypeError);
  tg::est::GaussianMixture m({0.5, 0.5}, column({0, 1}), column({1, 1}));
  EXPECT_EQ(error_message([&] {
              m.log_prob(tg::zeros({3, 2}, tg::kFloat64));
            }),
            "GaussianMixture::log_prob: expected events of shape [B, 1], got [3, 2]");
  tg::Generator gen(0);
  EXPECT_THROW(tg::est::GaussianMixture(0, 2, gen), tg::ValueError);
}

}  // namespace

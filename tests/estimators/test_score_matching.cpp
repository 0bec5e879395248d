// Score matching (exact, sliced, denoising) against closed forms on Gaussian energies,
// its trace forms against each other, gradchecks, determinism and bad input.
#include <gtest/gtest.h>

#include "checks.hpp"

#include <cmath>

#include "ebm_test_helpers.hpp"
#include "tapegrad/estimators/score_matching.hpp"

namespace {

using tg::Tensor;
using tg::TensorList;
using tg::TraceMethod;
using tg::est::ScoreModel;
using tgtest::gaussian_energy;
using tgtest::MlpEnergy;

constexpr int64_t kD = 3;

/// A symmetric positive definite M = AᵀA + I and a mean μ.
struct GaussianModel {
  Tensor mu, m;
  explicit GaussianModel(uint64_t seed) {
    tg::Generator gen(seed);
    Tensor a = tg::randn({kD, kD}, gen, tg::kFloat64);
    m = tg::matmul(tg::transpose(a, 0, 1), a) + tg::eye(kD, tg::kFloat64);
    mu = tg::randn({kD}, gen, tg::kFloat64);
  }
  ScoreModel energy() const {
    return ScoreModel::energy([*this](const Tensor& x) { return gaussian_energy(x, mu, m); });
  }
  ScoreModel score() const {  // −M(x − μ)
    return ScoreModel::score([*this](const Tensor& x) { return -tg::matmul(x - mu, m); });
  }
};

/// ½tr(MSM) + ½(x̄−μ)ᵀM²(x̄−μ) − tr M, with S the 1/N sample covariance.
double gaussian_sm_closed_form(const Tensor& x, const Tensor& mu, const Tensor& m) {
  const int64_t n = x.size(0);
  Tensor xbar = tg::mean(x, {0});
  Tensor c = x - xbar;
  Tensor s = tg::matmul(tg::transpose(c, 0, 1), c) / double(n);
  Tensor msm = tg::matmul(tg::matmul(m, s), m);
  Tensor d = (xbar - mu).reshape({1, kD});
  Tensor m2 = tg::matmul(m, m);
  double tr_msm = 0, tr_m = 0;
  for (int64_t i = 0; i < kD; ++i) {
    tr_msm += msm.data<double>()[i * kD + i];
    tr_m += m.data<double>()[i * kD + i];
  }
  const double quad = tg::matmul(tg::matmul(d, m2), tg::transpose(d, 0, 1)).item<double>();
  return 0.5 * tr_msm + 0.5 * quad - tr_m;
}

TEST(ScoreMatching, ExactLossOnAGaussianEnergyEqualsTheClosedForm) {
  const GaussianModel g(1);
  tg::Generator gen(2);
  const Tensor x = tg::randn({50, kD}, gen, tg::kFloat64) * 1.5 + 0.5;
  const double expected = gaussian_sm_closed_form(x, g.mu, g.m);
  for (const ScoreModel& model : {g.energy(), g.score()})
    for (TraceMethod method : {TraceMethod::Loop, TraceMethod::Replicated, TraceMethod::Forward}) {
      const double j = tg::est::exact_score_matching(model, x, {.method = method}).item<double>();
      EXPECT_NEAR(j, expected, 1e-11 * (1 + std::abs(expected)));
    }
}

TEST(ScoreMatching, TraceFormsAgreeOnAnMlpInValueAndParameterGradient) {
  const MlpEnergy net(kD, 8, 3);
  tg::Generator gen(4);
  const Tensor x = tg::randn({6, kD}, gen, tg::kFloat64);
  std::vector<std::vector<double>> per_sample, grads;
  for (TraceMethod method : {TraceMethod::Loop, TraceMethod::Replicated, TraceMethod::Forward}) {
    auto loss = [&] {
      return tg::est::exact_score_matching(ScoreModel::energy(net.energy()), x, {.method = method});
    };
    per_sample.push_back(
        tg::est::exact_score_matching(ScoreModel::energy(net.energy()), x,
                                      {.method = method, .reduction = tg::Reduction::None})
            .to_vector<double>());
    grads.push_back(tgtest::gradients(net.params(), loss));
  }
  ASSERT_EQ(per_sample[0].size(), 6u);
  for (size_t m = 1; m < per_sample.size(); ++m) {  // Replicated and Forward against Loop
    for (size_t i = 0; i < per_sample[0].size(); ++i)
      EXPECT_NEAR(per_sample[0][i], per_sample[m][i], 1e-12) << "form " << m;
    for (size_t i = 0; i < grads[0].size(); ++i)
      EXPECT_NEAR(grads[0][i], grads[m][i], 1e-12) << "form " << m;
  }
}

// J(μ, M) is a convex quadratic in (μ, M): gradient descent from μ = 0, M = I reaches its
// minimiser μ = x̄, M = S⁻¹, where J = −½ tr S⁻¹.
TEST(ScoreMatching, TrainingAGaussianEnergyRecoversTheMeanAndInverseCovariance) {
  tg::Generator gen(5);
  const int64_t n = 40, d = 2;
  const Tensor x = tg::matmul(tg::randn({n, d}, gen, tg::kFloat64),
                              tg::from_vector(std::vector<double>{1.0, 0.3, 0.0, 0.8}, {2, 2})) +
                   0.7;
  Tensor mu = tg::zeros({d}, tg::kFloat64).requires_grad_();
  Tensor a = tg::eye(d, tg::kFloat64).requires_grad_();
  auto energy = ScoreModel::energy([&](const Tensor& v) {
    Tensor m = (a + tg::transpose(a, 0, 1)) * 0.5;
    Tensor c = v - mu;
    return (c * tg::matmul(c, m)).sum({1}) * 0.5;
  });
  for (int step = 0; step < 600; ++step) {
    Tensor j = tg::est::exact_score_matching(energy, x);
    mu.zero_grad();
    a.zero_grad();
    j.backward();
    tg::NoGradGuard update;
    mu.data<double>()[0] -= 0.5 * mu.grad().data<double>()[0];
    mu.data<double>()[1] -= 0.5 * mu.grad().data<double>()[1];
    for (int i = 0; i < 4; ++i) a.data<double>()[i] -= 0.5 * a.grad().data<double>()[i];
  }
  // x̄ and S = (1/N) Σ (x − x̄)(x − x̄)ᵀ, and S⁻¹ for 2×2.
  const auto v = x.to_vector<double>();
  double xbar[2] = {0, 0}, s[3] = {0, 0, 0};
  for (int64_t i = 0; i < n; ++i)
    for (int k = 0; k < 2; ++k) xbar[k] += v[static_cast<size_t>(i * 2 + k)] / double(n);
  for (int64_t i = 0; i < n; ++i) {
    const double c0 = v[static_cast<size_t>(i * 2)] - xbar[0];
    const double c1 = v[static_cast<size_t>(i * 2 + 1)] - xbar[1];
    s[0] += c0 * c0 / double(n);
    s[1] += c0 * c1 / double(n);
    s[2] += c1 * c1 / double(n);
  }
  const double det = s[0] * s[2] - s[1] * s[1];
  const double inv[4] = {s[2] / det, -s[1] / det, -s[1] / det, s[0] / det};
  const auto av = a.to_vector<double>();
  EXPECT_NEAR(mu.to_vector<double>()[0], xbar[0], 1e-8);
  EXPECT_NEAR(mu.to_vector<double>()[1], xbar[1], 1e-8);
  EXPECT_NEAR(av[0], inv[0], 1e-8);
  EXPECT_NEAR((av[1] + av[2]) / 2, inv[1], 1e-8);
  EXPECT_NEAR(av[3], inv[3], 1e-8);
  EXPECT_NEAR(tg::est::exact_score_matching(energy, x).item<double>(), -0.5 * (inv[0] + inv[3]),
              1e-10);
}

TEST(ScoreMatching, EveryEstimatorPassesGradcheckInFloat64) {
  const MlpEnergy net(2, 4, 6);
  tg::Generator data_gen(7);
  const Tensor x = tg::randn({3, 2}, data_gen, tg::kFloat64);
  auto energy_of = [](const TensorList& p) {
    return ScoreModel::energy([p](const Tensor& v) { return MlpEnergy::apply(v, p); });
  };
  auto score_of = [](const TensorList& p) {  // a score network s(x) = tanh(x W1 + b1) W1ᵀ-ish
    return ScoreModel::score([p](const Tensor& v) {
      return tg::matmul(tg::tanh(tg::matmul(v, p[0]) + p[1]), tg::transpose(p[0], 0, 1));
    });
  };
  for (TraceMethod method : {TraceMethod::Loop, TraceMethod::Replicated, TraceMethod::Forward}) {
    auto r = tg::gradcheck(
        [&](const TensorList& p) {
          return tg::est::exact_score_matching(energy_of(p), x, {.method = method});
        },
        net.params());
    EXPECT_TRUE(r) << "exact, energy: " << r.message;
    r = tg::gradcheck(
        [&](const TensorList& p) {
          return tg::est::exact_score_matching(score_of(p), x, {.method = method});
        },
        {net.w1, net.b1});
    EXPECT_TRUE(r) << "exact, score: " << r.message;
  }
  for (bool vr : {false, true}) {
    auto r = tg::gradcheck(
        [&](const TensorList& p) {
          tg::Generator gen(8);  // the same projections at every evaluation
          return tg::est::sliced_score_matching(energy_of(p), x, gen,
                                                {.projections = 2, .variance_reduced = vr});
        },
        net.params());
    EXPECT_TRUE(r) << "sliced: " << r.message;
  }
  auto r = tg::gradcheck(
      [&](const TensorList& p) {
        tg::Generator gen(9);
        return tg::est::denoising_score_matching(energy_of(p), x, 0.3, gen);
      },
      net.params());
  EXPECT_TRUE(r) << "denoising: " << r.message;
  r = tg::gradcheck(
      [&](const TensorList& p) {
        tg::Generator gen(10);
        tg::est::NoiseConditionalScore s = [&](const Tensor& v, const Tensor& sigma) {
          return tg::matmul(tg::tanh(tg::matmul(v, p[0]) + p[1]), tg::transpose(p[0], 0, 1)) /
                 sigma.reshape({v.size(0), 1});
        };
        return tg::est::denoising_score_matching(s, x, {1.0, 0.3}, gen);
      },
      {net.w1, net.b1});
  EXPECT_TRUE(r) << "denoising ladder: " << r.message;
}

// The sliced loss is unbiased for the exact one: over K independent evaluations, its mean
// lies within 5 standard errors (the sample SD of the K values / √K) of exact J.
TEST(ScoreMatching, SlicedExpectationEqualsExactScoreMatching) {
  const MlpEnergy net(kD, 8, 11);
  tg::Generator data_gen(12);
  const Tensor x = tg::randn({8, kD}, data_gen, tg::kFloat64);
  const ScoreModel model = ScoreModel::energy(net.energy());
  const double exact = tg::est::exact_score_matching(model, x).item<double>();
  tg::Generator gen(13);
  for (auto projection : {tg::est::Projection::Rademacher, tg::est::Projection::Gaussian})
    for (bool vr : {false, true}) {
      std::vector<double> values;
      for (int k = 0; k < 40; ++k)
        values.push_back(tg::est::sliced_score_matching(
                             model, x, gen,
                             {.projection = projection, .projections = 16, .variance_reduced = vr})
                             .item<double>());
      const auto [m, se] = tgtest::mean_and_error(values);
      EXPECT_GT(se, 0.0);
      EXPECT_NEAR(m, exact, 5 * se) << "vr " << vr;
    }
}

// E = ½xᵀHx at x = 0 has s = 0 and ∇s = −H, so the variance-reduced per-sample term is
// −vᵀHv: its variance is 2‖H‖²_F for Gaussian v and 2Σ_{i≠j}H²_ij for Rademacher v.
// Tolerance: 5 standard errors of a sample variance over N draws, √((m₄ − m₂²)/N), with
// the central moments m₂, m₄ taken from the draws themselves.
TEST(ScoreMatching, OneProjectionTraceTermHasTheClosedFormVariance) {
  const GaussianModel g(14);
  const Tensor h = g.m;  // symmetric
  const auto hv = h.to_vector<double>();
  double frob = 0, off = 0;
  for (int64_t i = 0; i < kD; ++i)
    for (int64_t j = 0; j < kD; ++j) {
      const double v = hv[static_cast<size_t>(i * kD + j)];
      frob += v * v;
      if (i != j) off += v * v;
    }
  const int64_t n = 20000;
  const Tensor zeros = tg::zeros({n, kD}, tg::kFloat64);
  const ScoreModel model =
      ScoreModel::energy([&](const Tensor& x) { return (x * tg::matmul(x, h)).sum({1}) * 0.5; });
  tg::Generator gen(15);
  for (auto projection : {tg::est::Projection::Gaussian, tg::est::Projection::Rademacher}) {
    const auto t =
        tg::est::sliced_score_matching(
            model, zeros, gen,
            {.projection = projection, .variance_reduced = true, .reduction = tg::Reduction::None})
            .to_vector<double>();
    double m = 0, m2 = 0, m4 = 0;
    for (double v : t) m += v / double(n);
    for (double v : t) {
      m2 += (v - m) * (v - m) / double(n);
      m4 += std::pow(v - m, 4) / double(n);
    }
    const double expected = projection == tg::est::Projection::Gaussian ? 2 * frob : 2 * off;
    EXPECT_NEAR(m2, expected, 5 * std::sqrt((m4 - m2 * m2) / double(n)));
  }
}

// Data N(0, s²I) and model score −m·x̃: the DSM loss is a quadratic in m whose minimiser is
// m* = 1/(s² + σ²). Two gradients on the same noise (same seed) locate it: m̂ = −g(0)/(g(1) −
// g(0)) = Σx̃ε/σ / Σx̃². Per element, w = x̃ε/σ − m*x̃² has mean 0 and variance
// (1/σ − 2m*σ)²s² + 2(1 − m*σ²)² + 2m*²s⁴; m̂ − m* ≈ mean(w)/(s² + σ²), so the tolerance is 5
// standard errors √(Var w / (N·D)) / (s² + σ²).
TEST(ScoreMatching, DenoisingOptimumIsOneOverDataPlusNoiseVariance) {
  const double s = 1.5, sigma = 0.5;
  const int64_t n = 20000, d = 2;
  tg::Generator data_gen(16);
  const Tensor x = tg::randn({n, d}, data_gen, tg::kFloat64) * s;
  auto grad_at = [&](double m0) {
    Tensor m = tg::scalar_tensor(m0, tg::kFloat64).requires_grad_();
    tg::Generator gen(17);
    Tensor j = tg::est::denoising_score_matching(
        ScoreModel::score([&](const Tensor& v) { return -(v * m); }), x, sigma, gen);
    return tg::grad({j}, {m})[0].item<double>();
  };
  const double g0 = grad_at(0), g1 = grad_at(1);
  const double m_hat = -g0 / (g1 - g0), m_star = 1 / (s * s + sigma * sigma);
  const double var_w = std::pow(1 / sigma - 2 * m_star * sigma, 2) * s * s +
                       2 * std::pow(1 - m_star * sigma * sigma, 2) +
                       2 * m_star * m_star * std::pow(s, 4);
  EXPECT_NEAR(m_hat, m_star, 5 * std::sqrt(var_w / double(n * d)) / (s * s + sigma * sigma));
}

// Over a ladder, with model score −m x̃ at every level, the expected loss is the mean over
// levels of (σ²/2)·D·(m²(s² + σ²) − 2m + 1/σ²) (the σ² weighting). K independent
// evaluations: their mean within 5 standard errors of it.
TEST(ScoreMatching, DenoisingLadderHasTheSigmaSquaredWeighting) {
  const double s = 1.0, m = 0.6;
  const std::vector<double> sigmas = tg::est::geometric_noise_levels(2.0, 0.1, 4);
  ASSERT_EQ(sigmas.size(), 4u);
  EXPECT_DOUBLE_EQ(sigmas.front(), 2.0);
  EXPECT_NEAR(sigmas.back(), 0.1, 1e-15);
  EXPECT_NEAR(sigmas[1] / sigmas[0], sigmas[2] / sigmas[1], 1e-12);
  double expected = 0;
  for (double sg : sigmas)
    expected += sg * sg / 2 * 2 * (m * m * (s * s + sg * sg) - 2 * m + 1 / (sg * sg)) / 4.0;
  tg::Generator gen(18);
  tg::est::NoiseConditionalScore score = [&](const Tensor& v, const Tensor&) { return v * -m; };
  std::vector<double> values;
  for (int k = 0; k < 30; ++k) {
    const Tensor x = tg::randn({500, 2}, gen, tg::kFloat64) * s;
    values.push_back(tg::est::denoising_score_matching(score, x, sigmas, gen).item<double>());
  }
  const auto [mean, se] = tgtest::mean_and_error(values);
  EXPECT_NEAR(mean, expected, 5 * se);
}

TEST(ScoreMatching, EstimatorsAreBitIdenticalAtOneAndTwoThreads) {
  // Tasks large enough that both threads take some (see test_hessian.cpp).
  const MlpEnergy net(16, 64, 19);
  tg::Generator data_gen(20);
  const Tensor x = tg::randn({128, 16}, data_gen, tg::kFloat64);
  const ScoreModel model = ScoreModel::energy(net.energy());
  for (TraceMethod method : {TraceMethod::Loop, TraceMethod::Replicated, TraceMethod::Forward})
    tgtest::expect_bit_identical_across_threads(
        net.params(), [&] { return tg::est::exact_score_matching(model, x, {.method = method}); });
  tgtest::expect_bit_identical_across_threads(net.params(), [&] {
    tg::Generator gen(21);
    return tg::est::sliced_score_matching(model, x, gen, {.projections = 3});
  });
  tgtest::expect_bit_identical_across_threads(net.params(), [&] {
    tg::Generator gen(22);
    return tg::est::denoising_score_matching(model, x, 0.2, gen);
  });
}

TEST(ScoreMatching, BadInputIsNamed) {
  tg::Generator gen(23);
  const Tensor x = tg::randn({4, kD}, gen, tg::kFloat64);
  const ScoreModel wide = ScoreModel::energy([](const Tensor& v) { return v * 2.0; });
  const ScoreModel mixes = ScoreModel::energy([](const Tensor& v) {  // centres on the batch mean
    Tensor c = v - tg::mean(v, {0}, true);
    return (c * c).sum({1}) * 0.5;
  });
  const ScoreModel bad_score = ScoreModel::score([](const Tensor& v) { return v.sum({1}); });
  const ScoreModel fine = ScoreModel::energy([](const Tensor& v) { return (v * v).sum({1}); });
  using tgtest::error_message;
  auto has = [](const std::string& m, const std::string& part) {
    return m.find(part) != std::string::npos;
  };
  std::string m = tgtest::error_message<tg::Error>([&] { tg::est::exact_score_matching(wide, x); });
  EXPECT_TRUE(has(m,
                  "exact_score_matching: the energy must map [B, D] to [B] (or [B, 1]); for x "
                  "of shape [4, 3] it returned [4, 3]"))
      << m;
  m = tgtest::error_message<tg::Error>([&] { tg::est::exact_score_matching(mixes, x); });
  EXPECT_TRUE(has(m,
                  "exact_score_matching: the model mixes samples: on the first two samples of "
                  "the batch of shape [4, 3], the score of sample 0 depends on sample 1"))
      << m;
  m = tgtest::error_message<tg::Error>(
      [&] { tg::est::exact_score_matching(fine, tg::zeros({kD}, tg::kFloat64)); });
  EXPECT_TRUE(has(m, "exact_score_matching: x must be a batch [B, D] with B > 0, got [3]")) << m;
  m = tgtest::error_message<tg::Error>([&] { tg::est::sliced_score_matching(bad_score, x, gen); });
  EXPECT_TRUE(has(m,
                  "sliced_score_matching: the score network must map [B, D] to [B, D]; for x "
                  "of shape [4, 3] it returned [4]"))
      << m;
  m = tgtest::error_message<tg::Error>(
      [&] { tg::est::sliced_score_matching(fine, x, gen, {.projections = 0}); });
  EXPECT_TRUE(has(m, "sliced_score_matching: projections must be >= 1, got 0")) << m;
  m = tgtest::error_message<tg::Error>(
      [&] { tg::est::denoising_score_matching(fine, x, -0.1, gen); });
  EXPECT_TRUE(has(m,
                  "denoising_score_matching: the noise level sigma must be > 0 and finite, "
                  "got -0.1"))
      << m;
  tg::est::NoiseConditionalScore cond = [](const Tensor& v, const Tensor&) { return v; };
  m = tgtest::error_message<tg::Error>(
      [&] { tg::est::denoising_score_matching(cond, x, {}, gen); });
  EXPECT_TRUE(has(m, "the ladder of noise levels is empty")) << m;
  m = tgtest::error_message<tg::Error>([&] {
    tg::est::denoising_score_matching(cond, x, {1.0, 0.0}, gen);
  });
  EXPECT_TRUE(has(m, "noise level 1 of the ladder is 0; every level must be > 0")) << m;
  m = tgtest::error_message<tg::Error>([] { tg::est::geometric_noise_levels(0.1, 1.0, 3); });
  EXPECT_TRUE(has(m, "geometric_noise_levels: need levels >= 1 and sigma_max >= sigma_min")) << m;
}

TEST(ScoreMatching, TrainingLeavesNoGraphBehind) {
  const MlpEnergy net(2, 8, 24);
  tg::Generator gen(25);
  const Tensor x = tg::randn({8, 2}, gen, tg::kFloat64);
  const auto nodes = tg::live_nodes();
  for (int step = 0; step < 20; ++step) {
    tg::est::exact_score_matching(ScoreModel::energy(net.energy()), x).backward();
    tg::est::sliced_score_matching(ScoreModel::energy(net.energy()), x, gen).backward();
    tg::est::denoising_score_matching(ScoreModel::energy(net.energy()), x, 0.1, gen).backward();
  }
  EXPECT_EQ(tg::live_nodes(), nodes);
}

}  // namespace

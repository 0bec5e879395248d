// Noise-contrastive estimation against its closed forms: the optimum of a 1-D Gaussian
// model, the 1/√n rate with the asymptotic covariance of Gutmann & Hyvärinen (2012,
// Theorem 3), the 2 log 2 optimum at noise = data, and dynamic NCE's ½ MLE gradient.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <numbers>
#include <string>
#include <utility>
#include <vector>

#include "tapegrad/autograd.hpp"
#include "tapegrad/estimators/gaussian.hpp"
#include "tapegrad/estimators/mle.hpp"
#include "tapegrad/estimators/nce.hpp"

namespace {

using Vec2 = std::array<double, 2>;
using Mat2 = std::array<Vec2, 2>;

const double kHalfLog2Pi = 0.5 * std::log(2 * std::numbers::pi);  // 0.918939

tg::Tensor f64(double v) { return tg::full({1}, v, tg::kFloat64); }

/// The model log p_m(x) = −½λx² − c as NCE's energy E(x) = ½λx², λ = p[0].
tg::est::Energy quadratic_energy(const tg::Tensor& lambda) {
  return [lambda](const tg::Tensor& x) { return x * x * lambda * 0.5; };
}

struct Fit {
  Vec2 theta;        ///< (λ, c)
  double grad_norm;  ///< ‖∇J‖ at the returned point
};

/// Minimises the NCE loss in (λ, c) by Newton's method. J is convex in (λ, c) (G is
/// linear in them and the logistic loss is convex), so Newton from the noise's own
/// parameters converges; the test asserts the final gradient is negligible.
Fit fit_nce(const tg::Tensor& data, const tg::Tensor& noise_samples,
            const tg::est::Distribution& noise, double nu, Vec2 theta) {
  double grad_norm = 0;
  for (int it = 0; it < 20; ++it) {
    tg::Tensor lambda = f64(theta[0]).requires_grad_(), c = f64(theta[1]).requires_grad_();
    tg::Tensor j = tg::est::nce_loss(quadratic_energy(lambda), c, data, noise_samples, noise, nu);
    auto g = tg::grad({j}, {lambda, c}, {.create_graph = true});
    const Vec2 gv{g[0].item<double>(), g[1].item<double>()};
    grad_norm = std::hypot(gv[0], gv[1]);
    if (grad_norm < 1e-12) break;
    Mat2 h;
    for (size_t r = 0; r < 2; ++r) {
      auto hr = tg::grad({g[r]}, {lambda, c}, {.retain_graph = true});
      h[r] = {hr[0].item<double>(), hr[1].item<double>()};
    }
    const double det = h[0][0] * h[1][1] - h[0][1] * h[1][0];
    theta[0] -= (h[1][1] * gv[0] - h[0][1] * gv[1]) / det;
    theta[1] -= (-h[1][0] * gv[0] + h[0][0] * gv[1]) / det;
  }
  return {theta, grad_norm};
}

double normal_pdf(double u, double sd) {
  return std::exp(-0.5 * u * u / (sd * sd)) / (sd * std::sqrt(2 * std::numbers::pi));
}

/// Gutmann & Hyvärinen (2012), Theorem 3: √T_d (θ̂ − θ*) → N(0, Σ) with
///   Σ = I⁻¹ − (1 + 1/ν) I⁻¹ m mᵀ I⁻¹,   I = ∫ g gᵀ P p_d,   m = ∫ g P p_d,
///   P = ν p_n / (p_d + ν p_n),  g = ∇_θ log p_m = (−½u², −1),
/// for data N(0, 1) and noise N(0, noise_sd²), by the trapezoid rule on [−40, 40] (the
/// integrands are smooth and decay like Gaussians, so the rule's error is far below 1e-9).
Mat2 nce_asymptotic_covariance(double nu, double noise_sd) {
  Mat2 info{};
  Vec2 m{};
  const int steps = 80000;
  const double du = 80.0 / steps;
  for (int i = 0; i <= steps; ++i) {
    const double u = -40 + i * du, pd = normal_pdf(u, 1), pn = normal_pdf(u, noise_sd);
    const double w = (i == 0 || i == steps ? 0.5 : 1.0) * du * nu * pn / (pd + nu * pn) * pd;
    const Vec2 g{-0.5 * u * u, -1.0};
    for (size_t a = 0; a < 2; ++a) {
      m[a] += w * g[a];
      for (size_t b = 0; b < 2; ++b) info[a][b] += w * g[a] * g[b];
    }
  }
  const double det = info[0][0] * info[1][1] - info[0][1] * info[1][0];
  const Mat2 inv{{{info[1][1] / det, -info[0][1] / det}, {-info[1][0] / det, info[0][0] / det}}};
  const Vec2 im{inv[0][0] * m[0] + inv[0][1] * m[1], inv[1][0] * m[0] + inv[1][1] * m[1]};
  Mat2 sigma;
  for (size_t a = 0; a < 2; ++a)
    for (size_t b = 0; b < 2; ++b) sigma[a][b] = inv[a][b] - (1 + 1 / nu) * im[a] * im[b];
  return sigma;
}

/// (θ̂ − θ*)ᵀ (Σ/n)⁻¹ (θ̂ − θ*): asymptotically χ² with 2 degrees of freedom.
double mahalanobis(const Vec2& theta, const Mat2& sigma, int64_t n) {
  const Vec2 d{theta[0] - 1.0, theta[1] - kHalfLog2Pi};
  const double det = sigma[0][0] * sigma[1][1] - sigma[0][1] * sigma[1][0];
  const double q =
      (sigma[1][1] * d[0] * d[0] - 2 * sigma[0][1] * d[0] * d[1] + sigma[0][0] * d[1] * d[1]) / det;
  return q * static_cast<double>(n);
}

constexpr double kNoiseSd = 1.5;

tg::est::DiagonalGaussian noise_model(double sd) {
  return tg::est::DiagonalGaussian(tg::zeros({1}, tg::kFloat64), tg::full({1}, sd, tg::kFloat64));
}

Vec2 noise_parameters(double sd) { return {1 / (sd * sd), std::log(sd) + kHalfLog2Pi}; }

// Data N(0, 1), noise N(0, 1.5²), ν = 1, R = 8 seeds at each of n = 1,000, 4,000 and 16,000.
// Each fit's Mahalanobis distance under Σ/n is asymptotically χ²₂, so the sum over seeds is
// χ²₁₆: it must lie in [2.77, 45.9] (its 1e-4 and 0.9999 quantiles) at every n, i.e. n·error²
// stays at the level Σ predicts as n grows 16-fold. And the Mahalanobis error in parameter
// units, sqrt(sum/n), must shrink by √16 = 4 between the first and last size within a
// factor 2: the ratio of the two sums is F(16, 16) distributed and leaves [¼, 4] with
// probability 0.8%.
TEST(Nce, RecoversTheGaussianWithErrorFallingLikeOneOverRootN) {
  const auto noise = noise_model(kNoiseSd);
  const Mat2 sigma = nce_asymptotic_covariance(1.0, kNoiseSd);
  const std::array<int64_t, 3> sizes{1000, 4000, 16000};
  std::array<double, 3> sums{};
  for (size_t s = 0; s < sizes.size(); ++s) {
    double chi2 = 0;
    for (uint64_t seed = 0; seed < 8; ++seed) {
      tg::Generator gen(100 + seed);
      tg::Tensor data = tg::randn({sizes[s], 1}, gen, tg::kFloat64);
      tg::Tensor noise_samples = noise.sample(sizes[s], gen);
      const Fit fit = fit_nce(data, noise_samples, noise, 1.0, noise_parameters(kNoiseSd));
      ASSERT_LT(fit.grad_norm, 1e-10) << "Newton did not converge at n = " << sizes[s];
      chi2 += mahalanobis(fit.theta, sigma, sizes[s]);
    }
    sums[s] = chi2;
    EXPECT_GT(chi2, 2.77) << "n = " << sizes[s];
    EXPECT_LT(chi2, 45.9) << "n = " << sizes[s];
  }
  const double shrink = std::sqrt((sums[0] / 1000.0) / (sums[2] / 16000.0));
  EXPECT_GT(shrink, 2.0);
  EXPECT_LT(shrink, 8.0);
}

// ν = 5 and ν = 0.2, n = 4,000 data points and round(ν·n) noise samples drawn by the
// sampling overload: each parameter within 4.5 asymptotic standard errors sqrt(Σ_ii/n)
// (two-sided probability 7e-6 each).
TEST(Nce, ConvergesForLargeAndSmallNoiseRatios) {
  const auto noise = noise_model(kNoiseSd);
  const int64_t n = 4000;
  for (double nu : {5.0, 0.2}) {
    tg::Generator gen(21);
    tg::Tensor data = tg::randn({n, 1}, gen, tg::kFloat64);
    tg::Tensor noise_samples = noise.sample(std::llround(nu * n), gen);
    const Fit fit = fit_nce(data, noise_samples, noise, nu, noise_parameters(kNoiseSd));
    ASSERT_LT(fit.grad_norm, 1e-10) << "ν = " << nu;
    const Mat2 sigma = nce_asymptotic_covariance(nu, kNoiseSd);
    EXPECT_NEAR(fit.theta[0], 1.0, 4.5 * std::sqrt(sigma[0][0] / n)) << "ν = " << nu;
    EXPECT_NEAR(fit.theta[1], kHalfLog2Pi, 4.5 * std::sqrt(sigma[1][1] / n)) << "ν = " << nu;
  }
}

// The sampling overload draws round(ν·T_d) noise points from the generator it is given.
TEST(Nce, SamplingOverloadDrawsNuTimesTheDataFromTheNoise) {
  const auto noise = noise_model(kNoiseSd);
  tg::Generator data_gen(3);
  tg::Tensor data = tg::randn({10, 1}, data_gen, tg::kFloat64);
  tg::Tensor lambda = f64(0.7), c = f64(0.4);
  tg::Generator a(9), b(9);
  const double drawn =
      tg::est::nce_loss(quadratic_energy(lambda), c, data, noise, 2.5, a).item<double>();
  const double given =
      tg::est::nce_loss(quadratic_energy(lambda), c, data, noise.sample(25, b), noise, 2.5)
          .item<double>();
  EXPECT_EQ(drawn, given);
  EXPECT_EQ(a.offset(), b.offset());
}

// With noise = data = N(0, 1), ν = 1, at λ = 1 and c = ½ log 2π the model equals the noise,
// so G ≡ 0 and J = 2 log 2 on any samples (to rounding).
TEST(Nce, LossAtTheOptimumWithNoiseEqualToDataIsTwoLogTwo) {
  const auto noise = noise_model(1.0);
  tg::Generator gen(5);
  tg::Tensor data = tg::randn({64, 1}, gen, tg::kFloat64);
  tg::Tensor lambda = f64(1.0), c = f64(kHalfLog2Pi);
  EXPECT_NEAR(tg::est::nce_loss(quadratic_energy(lambda), c, data, noise, 1.0, gen).item<double>(),
              2 * std::log(2.0), 1e-14);
}

TEST(Nce, GradcheckInFloat64) {
  const auto noise = noise_model(kNoiseSd);
  tg::Generator gen(13);
  tg::Tensor data = tg::randn({6, 1}, gen, tg::kFloat64);
  tg::Tensor noise_samples = noise.sample(9, gen);
  auto f = [&](const tg::TensorList& p) {
    return tg::est::nce_loss(quadratic_energy(p[0]), p[1], data, noise_samples, noise, 1.5);
  };
  auto r = tg::gradcheck(f, {f64(0.8).requires_grad_(), f64(0.3).requires_grad_()});
  EXPECT_TRUE(r) << r.message;
}

// The model N(μ, σ²) as NCE's energy and log-normaliser: E = ½((x − μ)/σ)², c = log σ + ½ log 2π.
struct GaussianAsEnergy {
  tg::est::Energy energy;
  tg::Tensor c;
};
GaussianAsEnergy gaussian_energy(const tg::Tensor& mu, const tg::Tensor& log_std) {
  return {[mu, log_std](const tg::Tensor& x) {
            const tg::Tensor z = (x - mu) * tg::exp(-log_std);
            return z * z * 0.5;
          },
          log_std + kHalfLog2Pi};
}

// Dynamic NCE is NCE with a frozen copy as noise: its gradient equals nce_loss's with a
// separate Gaussian at the same parameters as the noise (same samples, ν = 1), whose
// gradient gradcheck verifies by finite differences (dynamic_nce_loss's own copy moves with
// θ, so finite differences of it would see a constant 2 log 2).
TEST(DynamicNce, GradientIsNceWithAFrozenCopyAsNoise) {
  tg::est::DiagonalGaussian model(f64(0.5), tg::full({1}, 1.2, tg::kFloat64));
  const tg::est::DiagonalGaussian frozen(f64(0.5), tg::full({1}, 1.2, tg::kFloat64));
  tg::Generator data_gen(4);
  tg::Tensor data = tg::randn({7, 1}, data_gen, tg::kFloat64);
  tg::Generator a(8), b(8);
  tg::Tensor dynamic = tg::est::dynamic_nce_loss(model, data, a);
  EXPECT_NEAR(dynamic.item<double>(), 2 * std::log(2.0), 1e-15);
  auto g_dynamic = tg::grad({dynamic}, {model.mean, model.log_std});
  tg::Tensor noise_samples = frozen.sample(7, b);
  auto nce = [&](const tg::TensorList& p) {
    GaussianAsEnergy m = gaussian_energy(p[0], p[1]);
    return tg::est::nce_loss(m.energy, m.c, data, noise_samples, frozen, 1.0);
  };
  tg::TensorList at{f64(0.5).requires_grad_(), f64(std::log(1.2)).requires_grad_()};
  auto g_nce = tg::grad({nce(at)}, at);
  EXPECT_NEAR(g_dynamic[0].item<double>(), g_nce[0].item<double>(), 1e-14);
  EXPECT_NEAR(g_dynamic[1].item<double>(), g_nce[1].item<double>(), 1e-14);
  auto r = tg::gradcheck(nce, at);
  EXPECT_TRUE(r) << r.message;
}

// Data N(0, 1), model N(μ, σ²) with μ = 0.5, σ = 1.2. The exact MLE gradient is
//   ∂/∂μ E[−log p] = μ/σ²,   ∂/∂log σ E[−log p] = 1 − (1 + μ²)/σ².
// Dynamic NCE's gradient is ½[mean_data(−∇log p) + mean_model(∇log p)]; its variance is
// ¼[Var_data/n + Var_model/n] with, for μ: 1/σ⁴ and 1/σ², for log σ: (2 + 4μ²)/σ⁴ and 2.
// At n = 50,000 each component must be within 5 of those standard errors of ½ the MLE gradient.
TEST(DynamicNce, GradientIsHalfTheMleGradientInExpectation) {
  const double mu = 0.5, sd = 1.2, s2 = sd * sd;
  const int64_t n = 50000;
  tg::est::DiagonalGaussian model(f64(mu), tg::full({1}, sd, tg::kFloat64));
  tg::Generator gen(17);
  tg::Tensor data = tg::randn({n, 1}, gen, tg::kFloat64);
  auto g = tg::grad({tg::est::dynamic_nce_loss(model, data, gen)}, {model.mean, model.log_std});
  const double se_mu = 0.5 * std::sqrt((1 / (s2 * s2) + 1 / s2) / n);
  const double se_log_sd = 0.5 * std::sqrt(((2 + 4 * mu * mu) / (s2 * s2) + 2) / n);
  EXPECT_NEAR(g[0].item<double>(), 0.5 * mu / s2, 5 * se_mu);
  EXPECT_NEAR(g[1].item<double>(), 0.5 * (1 - (1 + mu * mu) / s2), 5 * se_log_sd);
  // ... and it is not the full MLE gradient: the gap is 0.5·(1 − 1.25/1.44) = 0.066 in log σ,
  // 29 standard errors.
  EXPECT_GT(std::abs(g[1].item<double>() - (1 - (1 + mu * mu) / s2)), 10 * se_log_sd);
}

// A sample-only distribution: what an implicit generator looks like behind the interface.
class SampleOnly : public tg::est::Distribution {
 public:
  tg::Tensor log_prob(const tg::Tensor&) const override {
    throw tg::ValueError("SampleOnly has no density");
  }
  tg::Tensor sample(int64_t n, tg::Generator& gen) const override {
    return tg::randn({n, 1}, gen, tg::kFloat64);
  }
  int64_t dim() const override { return 1; }
  bool has_log_prob() const override { return false; }
};

template <class F>
void expect_error_message(F f, const std::vector<std::string>& parts) {
  try {
    f();
    ADD_FAILURE() << "no exception";
  } catch (const tg::Error& e) {
    for (const auto& p : parts)
      EXPECT_NE(std::string(e.what()).find(p), std::string::npos)
          << "'" << p << "' not in: " << e.what();
  }
}

TEST(Nce, BadInputIsNamed) {
  const auto noise = noise_model(1.0);
  tg::Generator gen(1);
  tg::Tensor data = tg::randn({4, 1}, gen, tg::kFloat64);
  tg::Tensor lambda = f64(1.0), c = f64(0.0);
  const auto energy = quadratic_energy(lambda);
  for (auto [nu, shown] : {std::pair{0.0, "got 0"}, std::pair{-2.0, "got -2"}}) {
    EXPECT_THROW(tg::est::nce_loss(energy, c, data, noise, nu, gen), tg::ValueError);
    expect_error_message([&] { tg::est::nce_loss(energy, c, data, data, noise, nu); },
                         {"nce_loss", "ν = T_n/T_d", "must be > 0", shown});
  }
  SampleOnly implicit;
  EXPECT_THROW(tg::est::nce_loss(energy, c, data, implicit, 1.0, gen), tg::ValueError);
  expect_error_message([&] { tg::est::nce_loss(energy, c, data, data, implicit, 1.0); },
                       {"nce_loss", "noise distribution has no log-density", "log_prob"});
  expect_error_message([&] { tg::est::dynamic_nce_loss(implicit, data, gen); },
                       {"dynamic_nce_loss", "model distribution has no log-density"});
  EXPECT_THROW(tg::est::nce_loss(energy, c, tg::zeros({4, 2}, tg::kFloat64), noise, 1.0, gen),
               tg::ShapeError);
  expect_error_message(
      [&] {
        tg::est::nce_loss(energy, c, data, tg::zeros({3, 2}, tg::kFloat64), noise, 1.0);
      },
      {"nce_loss", "noise_samples", "[B, 1]", "[3, 2]"});
  expect_error_message(
      [&] { tg::est::nce_loss(energy, tg::zeros({2}, tg::kFloat64), data, data, noise, 1.0); },
      {"nce_loss", "log-normaliser", "one value", "[2]"});
  const tg::est::Energy wrong = [](const tg::Tensor& x) { return tg::cat({x, x}, 0); };
  expect_error_message(
      [&] { tg::est::nce_loss(wrong, c, data, data, noise, 1.0); },
      {"nce_loss", "the energy returned [8, 1] for a batch of 4", "one value per sample"});
}

}  // namespace

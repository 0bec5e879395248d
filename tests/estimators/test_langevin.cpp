// Langevin sampling: ULA's discretisation bias and MALA's exactness on a Gaussian energy,
// the separate noise scale, clipping, flat memory, the replay buffer, determinism, bad input.
#include <gtest/gtest.h>

#include "checks.hpp"

#include <algorithm>
#include <cmath>

#include "ebm_test_helpers.hpp"
#include "tapegrad/estimators/langevin.hpp"

namespace {

using tg::Tensor;

/// E = x²/(2s²) per sample, any D.
tg::est::Energy quadratic(double s) {
  return [s](const Tensor& x) { return (x * x).sum({1}) / (2 * s * s); };
}

/// Sample variance of every value of t (mean known to be 0 by symmetry, so taken about 0).
double variance_about_zero(const Tensor& t) {
  double q = 0;
  const auto v = t.to_vector<double>();
  for (double x : v) q += x * x;
  return q / double(v.size());
}

// The chains are independent and, at stationarity on a quadratic energy, Gaussian (ULA is
// a linear AR(1) recursion x ← ρx + ηξ with ρ = 1 − ε/(2s²)); N final states give a variance
// estimate with standard error var·√(2/N). Tolerance 5 standard errors. With s = 1, ε = 1:
// ρ = ½, so 40 steps from 0 leave ρ⁸⁰ of the transient.
constexpr int64_t kChains = 10000;

TEST(Langevin, UnadjustedChainHasTheDiscretisationBias) {
  const double s = 1.0, eps = 1.0;
  tg::Generator gen(1);
  const Tensor x0 = tg::zeros({kChains, 1}, tg::kFloat64);
  const auto r = tg::est::langevin(quadratic(s), x0, gen, {.step_size = eps, .steps = 40});
  EXPECT_EQ(r.acceptance_rate, 1.0);
  const double expected = s * s / (1 - eps / (4 * s * s));  // 4/3
  const double se = expected * std::sqrt(2.0 / kChains);
  const double v = variance_about_zero(r.samples);
  EXPECT_NEAR(v, expected, 5 * se);
  EXPECT_GT(std::abs(v - s * s), 10 * se);  // the bias is really there
  // A separate noise scale η: stationary variance η²s²/(ε(1 − ε/(4s²))).
  const double eta = 0.5;
  const auto q =
      tg::est::langevin(quadratic(s), x0, gen, {.step_size = eps, .noise_scale = eta, .steps = 40});
  const double expected_eta = eta * eta * s * s / (eps * (1 - eps / (4 * s * s)));
  EXPECT_NEAR(variance_about_zero(q.samples), expected_eta,
              5 * expected_eta * std::sqrt(2.0 / kChains));
}

// MALA: the chain's law converges to p itself. From 0 with ε = 1 on N(0, 1), 80 steps
// (acceptance ≈ 0.8, geometric convergence) leave a negligible transient; the final states
// are independent across chains, with variance s² (SE s²√(2/N)).
TEST(Langevin, MetropolisAdjustedChainRemovesTheBias) {
  const double s = 1.0, eps = 1.0;
  tg::Generator gen(2);
  const auto r = tg::est::langevin(quadratic(s), tg::zeros({kChains, 1}, tg::kFloat64), gen,
                                   {.step_size = eps, .steps = 80, .metropolis = true});
  const double se = s * s * std::sqrt(2.0 / kChains);
  const double v = variance_about_zero(r.samples);
  EXPECT_NEAR(v, s * s, 5 * se);
  EXPECT_GT(std::abs(v - s * s / (1 - eps / (4 * s * s))), 10 * se);
  EXPECT_GT(r.acceptance_rate, 0.5);
  EXPECT_LT(r.acceptance_rate, 1.0);
}

TEST(Langevin, GradientClippingBoundsEachComponentOfTheDrift) {
  tg::Generator gen(3);
  const Tensor x0 = tg::ones({2, 2}, tg::kFloat64);
  const tg::est::LangevinOptions base{.step_size = 0.1, .noise_scale = 1e-12, .steps = 1};
  auto clipped = base;
  clipped.gradient_clip = 1.0;
  // ∇E = 1000 x = 1000 at x = 1: clipped to 1, the step moves by ε/2 only.
  for (double v :
       tg::est::langevin(quadratic(std::sqrt(1e-3)), x0, gen, clipped).samples.to_vector<double>())
    EXPECT_NEAR(v, 1 - 0.05, 1e-9);
  for (double v :
       tg::est::langevin(quadratic(std::sqrt(1e-3)), x0, gen, base).samples.to_vector<double>())
    EXPECT_NEAR(v, 1 - 0.05 * 1000, 1e-9);
}

// The sampler differentiates the energy (whose weights require grad) at every step but
// keeps no graph: the number of live nodes is the same at every energy evaluation of a
// 10,000-step chain, and back at the baseline after it.
TEST(Langevin, TenThousandStepsKeepLiveNodesFlat) {
  const tgtest::MlpEnergy net(2, 8, 4);
  const auto baseline = tg::live_nodes();
  int64_t lo = INT64_MAX, hi = INT64_MIN;
  tg::est::Energy energy = [&](const Tensor& x) {
    lo = std::min(lo, tg::live_nodes());
    hi = std::max(hi, tg::live_nodes());
    return tgtest::MlpEnergy::apply(x, net.params());
  };
  tg::Generator gen(5);
  const auto r = tg::est::langevin(energy, tg::zeros({4, 2}, tg::kFloat64), gen,
                                   {.step_size = 0.01, .steps = 10000, .metropolis = true});
  EXPECT_EQ(lo, hi);
  EXPECT_EQ(tg::live_nodes(), baseline);
  EXPECT_FALSE(r.samples.requires_grad());
  EXPECT_FALSE(tg::has_non_finite(r.samples));
}

TEST(Langevin, SameSeedSameSamplesAtOneAndTwoThreads) {
  const tgtest::MlpEnergy net(3, 16, 6);
  auto run = [&](int threads) {
    tgtest::ThreadCount t(threads);
    tg::Generator gen(7);
    return tg::est::langevin(net.energy(), tg::zeros({64, 3}, tg::kFloat64), gen,
                             {.step_size = 0.05, .steps = 20, .metropolis = true})
        .samples.to_vector<double>();
  };
  const auto a = run(1), b = run(2), c = run(2);
  EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(double)), 0);
  EXPECT_EQ(std::memcmp(b.data(), c.data(), b.size() * sizeof(double)), 0);
}

// Fresh starts from call c of `init` are all c (the initial fill is call 0), so with no
// steps a chain drawn in draw i is i + 1 iff it was restarted. Over n draws of b chains the
// restart count is Binomial(n·b, p); tolerance 5 standard deviations √(n·b·p(1 − p)). The
// drawn chains are written back: after draw i the buffer holds exactly its restarts as i + 1.
TEST(Langevin, ReplayBufferRestartsTheGivenFractionAndStoresChainsBack) {
  int calls = 0;
  tg::est::ReplayBuffer::Init init = [&](int64_t n, tg::Generator&) {
    return tg::full({n, 2}, double(calls++), tg::kFloat64);
  };
  tg::Generator gen(8);
  const double p = 0.3;
  const int64_t capacity = 200, batch = 50, draws = 40;
  tg::est::ReplayBuffer buffer(capacity, init, gen, p);
  int64_t restarts = 0;
  for (int64_t i = 0; i < draws; ++i) {
    const double fresh = double(i + 1);
    const auto v =
        buffer.sample(quadratic(1.0), batch, gen, {.steps = 0}).samples.to_vector<double>();
    const auto stored = buffer.chains().to_vector<double>();
    const auto count = [fresh](const std::vector<double>& rows) {
      int64_t c = 0;
      for (size_t r = 0; r < rows.size(); r += 2) c += rows[r] == fresh;
      return c;
    };
    EXPECT_EQ(count(stored), count(v)) << "draw " << i;
    restarts += count(v);
  }
  const double n = double(draws * batch);
  EXPECT_NEAR(double(restarts), n * p, 5 * std::sqrt(n * p * (1 - p)));
}

TEST(Langevin, BadInputIsNamed) {
  tg::Generator gen(9);
  const Tensor x0 = tg::zeros({4, 2}, tg::kFloat64);
  using tgtest::error_message;
  auto has = [](const std::string& m, const std::string& part) {
    return m.find(part) != std::string::npos;
  };
  std::string m = tgtest::error_message<tg::Error>(
      [&] { tg::est::langevin(quadratic(1), x0, gen, {.step_size = 0}); });
  EXPECT_TRUE(has(m, "langevin: the step size must be > 0 and finite, got 0")) << m;
  m = tgtest::error_message<tg::Error>(
      [&] { tg::est::langevin(quadratic(1), x0, gen, {.noise_scale = -1.0}); });
  EXPECT_TRUE(has(m, "langevin: the noise scale must be > 0 and finite, got -1")) << m;
  m = tgtest::error_message<tg::Error>(
      [&] { tg::est::langevin([](const Tensor& x) { return x; }, x0, gen); });
  EXPECT_TRUE(has(m,
                  "langevin: the energy must map [B, D] to [B] (or [B, 1]); for x of shape "
                  "[4, 2] it returned [4, 2]"))
      << m;
  m = tgtest::error_message<tg::Error>(
      [&] { tg::est::langevin(quadratic(1), tg::zeros({2}), gen); });
  EXPECT_TRUE(has(m, "langevin: x must be a batch [B, D] with B > 0, got [2]")) << m;
  auto zeros_init = [](int64_t n, tg::Generator&) { return tg::zeros({n, 2}, tg::kFloat64); };
  m = tgtest::error_message<tg::Error>([&] { tg::est::ReplayBuffer(10, zeros_init, gen, 1.5); });
  EXPECT_TRUE(has(m, "ReplayBuffer: reinit_fraction must be in [0, 1], got 1.5")) << m;
  tg::est::ReplayBuffer buffer(10, zeros_init, gen);
  m = tgtest::error_message<tg::Error>([&] { buffer.sample(quadratic(1), 11, gen, {}); });
  EXPECT_TRUE(has(m, "ReplayBuffer::sample: batch must be in [1, capacity = 10], got 11")) << m;
}

}  // namespace

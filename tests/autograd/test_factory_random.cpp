// Factories (autograd/src/ops/factory.cpp) and random tensors (autograd/src/random.cpp).
//
// Statistical tolerances are derived, not tuned: for a sample of n independent draws the
// standard error of the sample mean is σ/√n, and of the sample variance of a normal
// σ²·√(2/(n−1)); of a proportion p, √(p(1−p)/n). Each check allows 5 standard errors,
// a false-failure probability below 6e-7 per check; the seeds are fixed, so a pass is
// reproducible and a failure points at a real bias.
#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <numeric>
#include <set>
#include <string>
#include <vector>

#include "checks.hpp"
#include "tapegrad/autograd.hpp"

namespace {

using tgtest::shape_is;
using tgtest::throws;
using tgtest::values_near;

constexpr double kSigmas = 5.0;

double sample_mean(const std::vector<double>& v) {
  return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}
double sample_var(const std::vector<double>& v) {
  const double m = sample_mean(v);
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return s / static_cast<double>(v.size() - 1);
}

// ---- factories -------------------------------------------------------------------------

TEST(Factory, ConstantsBothDtypes) {
  for (tg::Dtype d : {tg::kFloat32, tg::kFloat64}) {
    tg::Tensor z = tg::zeros({2, 3}, d), o = tg::ones({4}, d), f = tg::full({2, 2}, -1.5, d);
    EXPECT_EQ(z.dtype(), d);
    EXPECT_EQ(o.dtype(), d);
    EXPECT_EQ(f.dtype(), d);
    EXPECT_TRUE(shape_is(z, {2, 3}));
    EXPECT_TRUE(values_near(z, std::vector<double>(6, 0.0)));
    EXPECT_TRUE(values_near(o, std::vector<double>(4, 1.0)));
    EXPECT_TRUE(values_near(f, std::vector<double>(4, -1.5)));
    EXPECT_TRUE(values_near(tg::zeros_like(f), std::vector<double>(4, 0.0)));
    EXPECT_TRUE(values_near(tg::ones_like(z), std::vector<double>(6, 1.0)));
    tg::Tensor fl = tg::full_like(z, 7);
    EXPECT_EQ(fl.dtype(), d);
    EXPECT_TRUE(shape_is(fl, {2, 3}));
    EXPECT_TRUE(values_near(fl, std::vector<double>(6, 7.0)));
    tg::Tensor s = tg::scalar_tensor(2.5, d);
    EXPECT_EQ(s.dim(), 0);
    EXPECT_EQ(s.item<double>(), 2.5);
    EXPECT_FALSE(z.requires_grad());
  }
  EXPECT_EQ(tg::zeros({3}).dtype(), tg::kFloat32);  // float32 by default
  EXPECT_EQ(tg::zeros({0, 3}).numel(), 0);
}

TEST(Factory, ArangeAndLinspace) {
  EXPECT_TRUE(values_near(tg::arange(5), {0, 1, 2, 3, 4}));
  EXPECT_TRUE(values_near(tg::arange(1, 2, 0.25, tg::kFloat64), {1, 1.25, 1.5, 1.75}));
  EXPECT_TRUE(values_near(tg::arange(5, 0, -2), {5, 3, 1}));
  EXPECT_TRUE(values_near(tg::arange(0, 1, 0.3, tg::kFloat64), {0, 0.3, 0.6, 0.9}, 1e-15));
  EXPECT_EQ(tg::arange(3, 3).numel(), 0);
  EXPECT_EQ(tg::arange(3, 0).numel(), 0);
  EXPECT_EQ(tg::arange(4, tg::kFloat64).dtype(), tg::kFloat64);
  EXPECT_TRUE(values_near(tg::linspace(0, 1, 5), {0, 0.25, 0.5, 0.75, 1}));
  EXPECT_TRUE(values_near(tg::linspace(2, -2, 3, tg::kFloat64), {2, 0, -2}));
  tg::Tensor l = tg::linspace(0, 0.3, 4, tg::kFloat64);
  EXPECT_TRUE(values_near(l, {0, 0.1, 0.2, 0.3}, 1e-16));
  EXPECT_EQ(l.to_vector<double>().back(), 0.3);  // the end point is exact
  EXPECT_TRUE(values_near(tg::linspace(3, 7, 1), {3}));
  EXPECT_EQ(tg::linspace(3, 7, 0).numel(), 0);
}

TEST(Factory, EyeAndFromVector) {
  for (tg::Dtype d : {tg::kFloat32, tg::kFloat64}) {
    tg::Tensor e = tg::eye(3, d);
    EXPECT_EQ(e.dtype(), d);
    EXPECT_TRUE(shape_is(e, {3, 3}));
    EXPECT_TRUE(values_near(e, {1, 0, 0, 0, 1, 0, 0, 0, 1}));
  }
  tg::Tensor a = tg::from_vector(std::vector<float>{1.5f, -2, 3, 4}, {2, 2});
  EXPECT_EQ(a.dtype(), tg::kFloat32);
  EXPECT_TRUE(values_near(a, {1.5, -2, 3, 4}));
  tg::Tensor b = tg::from_vector(std::vector<double>{0.1, 0.2}, {2});
  EXPECT_EQ(b.dtype(), tg::kFloat64);
  EXPECT_EQ(b.to_vector<double>(), (std::vector<double>{0.1, 0.2}));  // bit-exact
  tg::Tensor c = tg::from_vector(std::vector<double>{0.1, 0.2}, {2, 1}, tg::kFloat32);
  EXPECT_EQ(c.dtype(), tg::kFloat32);
  EXPECT_EQ(c.to_vector<float>(), (std::vector<float>{0.1f, 0.2f}));
  tg::Tensor r0 = tg::from_vector(std::vector<double>{4}, {});
  EXPECT_EQ(r0.dim(), 0);
  EXPECT_EQ(r0.item<double>(), 4);
}

TEST(Factory, BadInput) {
  EXPECT_TRUE(throws<tg::ShapeError>(
      [] {
        tg::from_vector(std::vector<double>{1, 2, 3}, {2, 2});
      },
      {"from_vector", "3", "[2, 2]"}));
  EXPECT_TRUE(throws<tg::ShapeError>([] { tg::zeros({2, -1}); }, {"[2, -1]"}));
  EXPECT_TRUE(throws<tg::ShapeError>([] { tg::full({-3}, 1.0); }, {"full", "[-3]"}));
  EXPECT_TRUE(throws<tg::ValueError>([] { tg::arange(0, 1, 0); }, {"arange", "step"}));
  EXPECT_TRUE(throws<tg::ValueError>([] { tg::arange(0, INFINITY); }, {"arange", "inf"}));
  EXPECT_TRUE(throws<tg::ValueError>([] { tg::linspace(0, 1, -1); }, {"linspace", "-1"}));
  EXPECT_TRUE(throws<tg::ValueError>([] { tg::eye(-2); }, {"eye", "-2"}));
}

// ---- determinism -----------------------------------------------------------------------

struct Draw {
  std::string name;
  std::function<std::vector<double>(tg::Generator&)> draw;
};

std::vector<Draw> draws() {
  return {
      {"rand", [](tg::Generator& g) { return tg::rand({500}, g).to_vector<double>(); }},
      {"randn",
       [](tg::Generator& g) { return tg::randn({500}, g, tg::kFloat64).to_vector<double>(); }},
      {"randint",
       [](tg::Generator& g) { return tg::randint(0, 1000, {500}, g).to_vector<double>(); }},
      {"bernoulli",
       [](tg::Generator& g) { return tg::bernoulli({500}, 0.5, g).to_vector<double>(); }},
      {"bernoulli_tensor",
       [](tg::Generator& g) { return tg::bernoulli(tg::full({500}, 0.5), g).to_vector<double>(); }},
      {"randperm",
       [](tg::Generator& g) {
         auto p = tg::randperm(500, g);
         return std::vector<double>(p.begin(), p.end());
       }},
  };
}

class RandomDraw : public ::testing::TestWithParam<Draw> {};

TEST_P(RandomDraw, SameSeedSameNumbersDifferentSeedsDiffer) {
  tg::Generator g1(42), g2(42), g3(43);
  const auto a = GetParam().draw(g1), b = GetParam().draw(g2), c = GetParam().draw(g3);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  // The generator advances: a second draw from the same generator is new numbers.
  EXPECT_NE(GetParam().draw(g1), a);
  EXPECT_GT(g1.offset(), 0u);
}

TEST_P(RandomDraw, SameNumbersOnAnyThreadCount) {
  std::vector<double> serial;
  {
    tbb::global_control one(tbb::global_control::max_allowed_parallelism, 1);
    tg::Generator g(7);
    serial = GetParam().draw(g);
  }
  tbb::global_control two(tbb::global_control::max_allowed_parallelism, 2);
  tg::Generator g(7);
  EXPECT_EQ(GetParam().draw(g), serial);
}

INSTANTIATE_TEST_SUITE_P(Random, RandomDraw, ::testing::ValuesIn(draws()),
                         [](const auto& info) { return info.param.name; });

TEST(Random, OffsetAdvancesByTheDrawSize) {
  tg::Generator g(1);
  EXPECT_EQ(g.seed(), 1u);
  tg::rand({3, 4}, g);
  EXPECT_EQ(g.offset(), 12u);
  // Draw i of a tensor is counter offset + i: two draws of 6 are one draw of 12.
  tg::Generator a(9), b(9);
  const auto whole = tg::rand({12}, a, tg::kFloat64).to_vector<double>();
  auto first = tg::rand({6}, b, tg::kFloat64).to_vector<double>();
  const auto second = tg::rand({6}, b, tg::kFloat64).to_vector<double>();
  first.insert(first.end(), second.begin(), second.end());
  EXPECT_EQ(first, whole);
}

// ---- moments ---------------------------------------------------------------------------

constexpr int64_t kN = 100000;

TEST(RandomMoments, RandnMeanVarianceAndShape) {
  for (tg::Dtype d : {tg::kFloat32, tg::kFloat64}) {
    tg::Generator g(2024);
    const double mu = 3.0, sigma = 2.0;
    tg::Tensor x = tg::randn({kN}, g, d, mu, sigma);
    EXPECT_EQ(x.dtype(), d);
    const auto v = x.to_vector<double>();
    const double n = static_cast<double>(kN);
    // SE(mean) = σ/√n = 0.0063; SE(var) = σ²√(2/(n−1)) = 0.0179.
    EXPECT_NEAR(sample_mean(v), mu, kSigmas * sigma / std::sqrt(n));
    EXPECT_NEAR(sample_var(v), sigma * sigma, kSigmas * sigma * sigma * std::sqrt(2 / (n - 1)));
    // Shape, not just moments: P(|x − μ| < σ) = erf(1/√2) = 0.6827, SE √(p(1−p)/n).
    const double p1 = std::erf(1 / std::sqrt(2.0));
    const double inside =
        static_cast<double>(
            std::count_if(v.begin(), v.end(), [&](double x) { return std::abs(x - mu) < sigma; })) /
        n;
    EXPECT_NEAR(inside, p1, kSigmas * std::sqrt(p1 * (1 - p1) / n));
    // Skewness of a normal is 0 with SE √(6/n).
    double m3 = 0;
    for (double x : v) m3 += std::pow((x - mu) / sigma, 3);
    EXPECT_NEAR(m3 / n, 0.0, kSigmas * std::sqrt(6 / n));
  }
}

TEST(RandomMoments, RandUniformRangeAndMoments) {
  tg::Generator g(5);
  const double lo = -2, hi = 3;
  const auto v = tg::rand({kN}, g, tg::kFloat64, lo, hi).to_vector<double>();
  EXPECT_TRUE(std::all_of(v.begin(), v.end(), [&](double x) { return x >= lo && x < hi; }));
  const double n = static_cast<double>(kN), var = (hi - lo) * (hi - lo) / 12;
  EXPECT_NEAR(sample_mean(v), (lo + hi) / 2, kSigmas * std::sqrt(var / n));
  // SE of the sample variance: √((μ₄ − σ⁴)/n) with μ₄ = (b − a)⁴/80 for a uniform.
  const double mu4 = std::pow(hi - lo, 4) / 80;
  EXPECT_NEAR(sample_var(v), var, kSigmas * std::sqrt((mu4 - var * var) / n));
}

TEST(RandomMoments, RandintCoversTheRangeUniformly) {
  tg::Generator g(6);
  const int64_t lo = -3, hi = 7, k = hi - lo;
  const auto v = tg::randint(lo, hi, {kN}, g, tg::kFloat64).to_vector<double>();
  std::map<double, int64_t> counts;
  for (double x : v) {
    ASSERT_EQ(x, std::round(x));
    ASSERT_GE(x, lo);
    ASSERT_LT(x, hi);
    ++counts[x];
  }
  EXPECT_EQ(counts.size(), static_cast<size_t>(k));
  // Each value's count is Binomial(n, 1/k): SE √(n p (1 − p)).
  const double n = static_cast<double>(kN), p = 1.0 / static_cast<double>(k);
  for (const auto& [value, c] : counts)
    EXPECT_NEAR(static_cast<double>(c), n * p, kSigmas * std::sqrt(n * p * (1 - p))) << value;
}

TEST(RandomMoments, BernoulliFrequency) {
  tg::Generator g(8);
  const double p = 0.3, n = static_cast<double>(kN);
  const auto v = tg::bernoulli({kN}, p, g).to_vector<double>();
  EXPECT_TRUE(std::all_of(v.begin(), v.end(), [](double x) { return x == 0 || x == 1; }));
  EXPECT_NEAR(sample_mean(v), p, kSigmas * std::sqrt(p * (1 - p) / n));
  // Elementwise probabilities: 0 and 1 are certain, and the dtype follows p.
  tg::Tensor probs = tg::from_vector(std::vector<double>{0, 1, 0, 1}, {2, 2});
  tg::Tensor b = tg::bernoulli(probs, g);
  EXPECT_EQ(b.dtype(), tg::kFloat64);
  EXPECT_TRUE(shape_is(b, {2, 2}));
  EXPECT_TRUE(values_near(b, {0, 1, 0, 1}));
}

TEST(RandomMoments, RandpermIsAUniformPermutation) {
  tg::Generator g(10);
  auto p = tg::randperm(50, g);
  std::vector<int64_t> sorted = p;
  std::sort(sorted.begin(), sorted.end());
  std::vector<int64_t> iota(50);
  std::iota(iota.begin(), iota.end(), 0);
  EXPECT_EQ(sorted, iota);
  EXPECT_TRUE(tg::randperm(0, g).empty());
  EXPECT_EQ(tg::randperm(1, g), std::vector<int64_t>{0});
  // All 6 orders of 3 items, each Binomial(m, 1/6).
  const int m = 60000;
  std::map<std::vector<int64_t>, int> counts;
  for (int i = 0; i < m; ++i) ++counts[tg::randperm(3, g)];
  EXPECT_EQ(counts.size(), 6u);
  const double q = 1.0 / 6;
  for (const auto& [perm, c] : counts) EXPECT_NEAR(c, m * q, kSigmas * std::sqrt(m * q * (1 - q)));
}

TEST(RandomEdges, Float32RandStaysBelowHigh) {
  // A double u ∈ [1 − 2⁻²⁵, 1) rounds to 1.0f; find a counter that draws one (about one
  // in 2²⁵) and check that rand still returns a value below `high` in float32.
  tg::Generator probe(3);
  uint64_t c = 0;
  while (probe.uniform(c) < 1.0 - 0x1p-25) ++c;
  tg::Generator g(3);
  g.advance(c);
  const float v = tg::rand({1}, g, tg::kFloat32).item<float>();
  EXPECT_LT(v, 1.0f);
  EXPECT_GE(v, 0.99999f);
  tg::Generator h(3);
  h.advance(c);
  EXPECT_LT(tg::rand({1}, h, tg::kFloat64).item<double>(), 1.0);
}

TEST(RandomEdges, BadInput) {
  tg::Generator g(0);
  EXPECT_TRUE(
      throws<tg::ValueError>([&] { tg::rand({2}, g, tg::kFloat32, 1, 1); }, {"rand", "[1, 1)"}));
  EXPECT_TRUE(
      throws<tg::ValueError>([&] { tg::randn({2}, g, tg::kFloat32, 0, -1); }, {"randn", "-1"}));
  EXPECT_TRUE(throws<tg::ValueError>([&] { tg::randint(3, 3, {2}, g); }, {"randint", "[3, 3)"}));
  EXPECT_TRUE(throws<tg::ValueError>([&] { tg::bernoulli({2}, 1.5, g); }, {"bernoulli", "1.5"}));
  EXPECT_TRUE(throws<tg::ValueError>([&] { tg::bernoulli(tg::full({2}, -0.1), g); },
                                     {"bernoulli", "-0.1"}));
  EXPECT_TRUE(throws<tg::ValueError>([&] { tg::randperm(-1, g); }, {"randperm", "-1"}));
  EXPECT_TRUE(throws<tg::ShapeError>([&] { tg::rand({-2}, g); }, {"rand", "[-2]"}));
  EXPECT_TRUE(throws<tg::ShapeError>([&] { tg::randn({3, -1}, g); }, {"randn", "[3, -1]"}));
  EXPECT_TRUE(throws<tg::ShapeError>([&] { tg::randint(0, 2, {-1}, g); }, {"randint", "[-1]"}));
  EXPECT_TRUE(throws<tg::ShapeError>([&] { tg::bernoulli({-1}, 0.5, g); }, {"bernoulli", "[-1]"}));
  EXPECT_EQ(g.offset(), 0u);  // a rejected draw reserves no counters
}

TEST(RandomEdges, AFailedDrawLeavesTheGeneratorAsItWas) {
  // A draw that fails for any reason (its tensor cannot be allocated, a bad shape, a bad
  // argument) reserves no counters: a failed draw then a good one gives the numbers of
  // the good one alone.
  constexpr int64_t kHuge = int64_t{1} << 40;  // 4 TiB of float32: a tg::MemoryError
  const std::vector<std::pair<std::string, std::function<void(tg::Generator&)>>> failures = {
      {"rand, too large", [](tg::Generator& g) { tg::rand({kHuge}, g); }},
      {"randn, too large",
       [](tg::Generator& g) {
         tg::randn({kHuge, 2}, g, tg::kFloat64);
       }},
      {"randint, too large", [](tg::Generator& g) { tg::randint(0, 9, {kHuge}, g); }},
      {"bernoulli, too large", [](tg::Generator& g) { tg::bernoulli({kHuge}, 0.5, g); }},
      {"rand, negative extent",
       [](tg::Generator& g) {
         tg::rand({2, -3}, g);
       }},
      {"randn, element count overflows",
       [](tg::Generator& g) {
         tg::randn({kHuge, kHuge, kHuge}, g);
       }},
      {"rand, empty interval", [](tg::Generator& g) { tg::rand({4}, g, tg::kFloat32, 2, 1); }},
  };
  for (const auto& [what, fail] : failures) {
    tg::Generator clean(5), after_failure(5);
    EXPECT_THROW(fail(after_failure), tg::Error) << what;
    EXPECT_EQ(after_failure.offset(), 0u) << what;
    EXPECT_EQ(tg::randn({8}, after_failure, tg::kFloat64).to_vector<double>(),
              tg::randn({8}, clean, tg::kFloat64).to_vector<double>())
        << what;
    EXPECT_EQ(tg::rand({8}, after_failure).to_vector<double>(),
              tg::rand({8}, clean).to_vector<double>())
        << what;
  }
}

}  // namespace

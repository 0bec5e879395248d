// The kernel layer (autograd/src/kernels/) against simple float64-accumulating references:
// random shapes including 1×1, primes and non-multiples of the vector width, every
// transpose, alpha/beta, strided operands; transcendentals within a few ulp of std:: over a
// sweep with extremes, ±inf and NaN; results independent of the thread count.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "../../autograd/src/kernels/kernels.hpp"
#include "../../autograd/src/kernels/scalar_math.hpp"
#include "../../autograd/src/ops/linalg_internal.hpp"
#include "checks.hpp"
#include "kernel_checks.hpp"
#include "tapegrad/autograd/parallel.hpp"

namespace k = tg::kernels;
using tgtest::bit_equal;
using tgtest::random_vec;
using tgtest::ulp_distance;

namespace {

/// Runs body with the kernels limited to n threads, restoring the default afterwards.
template <class F>
auto with_threads(int n, F body) {
  tg::set_num_threads(n);
  auto r = body();
  tg::set_num_threads(0);
  return r;
}

// ---- GEMM ---------------------------------------------------------------------------------

struct GemmCase {
  int64_t m, n, k;
  bool ta, tb;
  double alpha, beta;
  int64_t pad;  // extra columns in every stored matrix (row stride > width)
};

template <class T>
void check_gemm(const GemmCase& g, uint64_t seed) {
  const int64_t ar = g.ta ? g.k : g.m, ac = g.ta ? g.m : g.k;  // stored shapes
  const int64_t br = g.tb ? g.n : g.k, bc = g.tb ? g.k : g.n;
  const int64_t lda = ac + g.pad, ldb = bc + g.pad, ldc = g.n + g.pad;
  const auto a = random_vec<T>(ar * lda, seed), b = random_vec<T>(br * ldb, seed + 1);
  auto c = random_vec<T>(g.m * ldc, seed + 2);
  if (g.beta == 0) std::fill(c.begin(), c.end(), std::numeric_limits<T>::quiet_NaN());
  const auto c0 = c;
  k::gemm<T>(g.ta, g.tb, g.m, g.n, g.k, T(g.alpha), a.data(), lda, b.data(), ldb, T(g.beta),
             c.data(), ldc);
  const double eps = std::numeric_limits<T>::epsilon();
  for (int64_t i = 0; i < g.m; ++i)
    for (int64_t j = 0; j < g.n; ++j) {
      long double acc = 0, mag = 0;
      for (int64_t p = 0; p < g.k; ++p) {
        const long double av = g.ta ? a[p * lda + i] : a[i * lda + p];
        const long double bv = g.tb ? b[j * ldb + p] : b[p * ldb + j];
        acc += av * bv;
        mag += std::abs(av * bv);
      }
      const double cij = c0[i * ldc + j];
      const double ref = double(g.alpha * acc + (g.beta == 0 ? 0 : g.beta * cij));
      const double tol = 4 * eps *
                         (std::abs(g.alpha) * mag * (1 + std::sqrt(double(g.k))) +
                          std::abs(g.beta == 0 ? 0 : g.beta * cij) + 1e-30);
      ASSERT_NEAR(c[i * ldc + j], ref, tol)
          << "m=" << g.m << " n=" << g.n << " k=" << g.k << " ta=" << g.ta << " tb=" << g.tb
          << " alpha=" << g.alpha << " beta=" << g.beta << " at (" << i << ", " << j << ")";
    }
  // Padding columns of C are never written.
  for (int64_t i = 0; i < g.m; ++i)
    for (int64_t j = g.n; j < ldc; ++j)
      ASSERT_TRUE(bit_equal(std::vector<T>{c[i * ldc + j]}, std::vector<T>{c0[i * ldc + j]}));
}

const std::vector<std::array<int64_t, 3>>
    kGemmShapes =
        {
            {1, 1, 1},      {1, 7, 3},     {5, 1, 9},    {2, 3, 5},     {7, 13, 17},
            {13, 31, 29},   {12, 32, 8},   {24, 64, 16}, {37, 101, 53}, {97, 33, 300},
            {200, 70, 11},  {1, 257, 600}, {251, 3, 1},  {64, 64, 64},  {130, 259, 513},
            {203, 61, 150}, {61, 203, 150}};  // split by rows, by columns (one part per thread)

template <class T>
void gemm_sweep() {
  uint64_t seed = 1;
  for (const auto& [m, n, kk] : kGemmShapes)
    for (int t = 0; t < 4; ++t)
      for (const auto& [alpha, beta] :
           std::vector<std::pair<double, double>>{{1, 0}, {0.5, 2}, {-1.5, 1}})
        check_gemm<T>({m, n, kk, (t & 1) != 0, (t & 2) != 0, alpha, beta, (m + n) % 3}, seed++);
}

TEST(KernelsGemm, Float32AllTransposesAlphaBeta) { gemm_sweep<float>(); }
TEST(KernelsGemm, Float64AllTransposesAlphaBeta) { gemm_sweep<double>(); }

TEST(KernelsGemm, ManyColumnBlocks) {  // n beyond one NC column block
  check_gemm<float>({3, 4100, 5, false, true, 1, 1, 0}, 7);
}

TEST(KernelsGemm, ZeroDepthScalesC) {
  std::vector<float> c = {1, 2, 3, 4};
  k::gemm<float>(false, false, 2, 2, 0, 1.f, nullptr, 0, nullptr, 2, 0.5f, c.data(), 2);
  EXPECT_EQ(c, (std::vector<float>{0.5, 1, 1.5, 2}));
}

TEST(KernelsGemm, BitIdenticalAcrossThreadCounts) {
  const int64_t m = 301, n = 277, kk = 519;
  const auto a = random_vec<float>(m * kk, 3), b = random_vec<float>(kk * n, 4);
  auto run = [&] {
    std::vector<float> c(static_cast<size_t>(m * n));
    k::gemm<float>(false, true, m, n, kk, 1.f, a.data(), kk, b.data(), kk, 0.f, c.data(), n);
    return c;
  };
  EXPECT_TRUE(bit_equal(with_threads(1, run), with_threads(2, run)));
}

// Note [One fork for a small product]: a product split into one part per thread, by rows
// or by columns, in every transpose, gives the bits of the undivided one.
TEST(KernelsGemm, SplitProductsAreBitIdenticalAcrossThreadCounts) {
  for (const auto& [m, n, kk] : std::vector<std::array<int64_t, 3>>{
           {203, 61, 150}, {61, 203, 150}, {128, 128, 128}, {256, 128, 128}, {100, 7, 700}})
    for (int t = 0; t < 4; ++t) {
      const bool ta = (t & 1) != 0, tb = (t & 2) != 0;
      const auto a = random_vec<float>(m * kk, 5), b = random_vec<float>(kk * n, 6);
      const auto c0 = random_vec<float>(m * n, 7);
      auto run = [&] {
        auto c = c0;
        k::gemm<float>(ta, tb, m, n, kk, 0.5f, a.data(), ta ? m : kk, b.data(), tb ? kk : n, 2.f,
                       c.data(), n);
        return c;
      };
      const auto one = with_threads(1, run);
      EXPECT_TRUE(bit_equal(one, with_threads(2, run))) << m << "x" << n << "x" << kk << " t" << t;
      EXPECT_TRUE(bit_equal(one, with_threads(3, run))) << m << "x" << n << "x" << kk << " t" << t;
    }
}

// ---- unary --------------------------------------------------------------------------------

/// A float32 sweep: extremes, ±0, denormals, ±inf, NaN and a log-spaced grid of both signs.
std::vector<float> sweep() {
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<float> v = {0.f,
                          -0.f,
                          inf,
                          -inf,
                          std::numeric_limits<float>::quiet_NaN(),
                          1e-45f,
                          -1e-45f,
                          1e-38f,
                          -1e-38f,
                          std::numeric_limits<float>::max(),
                          -std::numeric_limits<float>::max(),
                          88.7f,
                          -88.7f,
                          89.f,
                          -89.f,
                          103.9f,
                          -103.9f,
                          1.f,
                          -1.f,
                          0.5f,
                          -0.5f,
                          9.f,
                          -9.f,
                          10.f,
                          -10.f,
                          20.f,
                          -20.f};
  for (double e = -30; e <= 30; e += 0.0137) {
    const auto x = static_cast<float>(std::pow(10.0, e / 10));  // 1e-3 .. 1e3
    v.push_back(x);
    v.push_back(-x);
  }
  for (double x = -50; x <= 50; x += 0.00731) v.push_back(static_cast<float>(x));
  return v;
}

struct UnaryCase {
  k::Unary op;
  const char* name;
  float (*ref)(float);
  int64_t max_ulp;
  k::UnaryParams p = {};
  double rel_tol = 0;  // if set, a relative tolerance instead of max_ulp
};

const std::vector<UnaryCase> kUnaryCases = {
    {k::Unary::Neg, "neg", [](float x) { return -x; }, 0},
    {k::Unary::Exp, "exp", [](float x) { return std::exp(x); }, 2},
    {k::Unary::Log, "log", [](float x) { return std::log(x); }, 2},
    {k::Unary::Log1p, "log1p", [](float x) { return std::log1p(x); }, 2},
    {k::Unary::Expm1, "expm1", [](float x) { return std::expm1(x); }, 2},
    {k::Unary::Sqrt, "sqrt", [](float x) { return std::sqrt(x); }, 0},
    {k::Unary::Rsqrt, "rsqrt", [](float x) { return 1.f / std::sqrt(x); }, 0},
    {k::Unary::Abs, "abs", [](float x) { return std::abs(x); }, 0},
    {k::Unary::Sign, "sign", [](float x) { return k::scalar::sign(x); }, 0},
    {k::Unary::Sin, "sin", [](float x) { return std::sin(x); }, 0},
    {k::Unary::Cos, "cos", [](float x) { return std::cos(x); }, 0},
    {k::Unary::Tanh, "tanh", [](float x) { return std::tanh(x); }, 3},
    {k::Unary::Sigmoid, "sigmoid", [](float x) { return k::scalar::sigmoid(x); }, 3},
    {k::Unary::LogSigmoid, "log_sigmoid", [](float x) { return k::scalar::log_sigmoid(x); }, 4},
    {k::Unary::Softplus, "softplus", [](float x) { return k::scalar::softplus(x); }, 4},
    {k::Unary::Relu, "relu", [](float x) { return x < 0 ? 0.f : x; }, 0},
    {k::Unary::Silu, "silu", [](float x) { return x * k::scalar::sigmoid(x); }, 4},
    // gelu's float argument u = c(x + 0.044715x³) is itself rounded and gelu ≈ x·e^(2u) for
    // u ≪ 0, so float gelu is ill-conditioned there: a relative check against float64.
    {k::Unary::Gelu,
     "gelu",
     [](float x) { return float(k::scalar::gelu<double>(x)); },
     0,
     {},
     2e-5},
    // x·Φ(x) and Φ(x) through erfc. In the lower tail Φ is ill-conditioned in float:
    // |x·Φ'(x)/Φ(x)| ≈ x², so the rounding of x (ε = 6e-8) alone moves Φ(−13) by 169ε ≈ 1e-5
    // relative; and below x ≈ −13 the result is subnormal and xsimd's erfc flushes it to 0.
    // So: within 2e-5 relative or 1e-37 absolute, else 4 ulps.
    {k::Unary::GeluErf,
     "gelu_erf",
     [](float x) { return float(k::scalar::gelu_erf<double>(x)); },
     4,
     {},
     2e-5},
    {k::Unary::NormalCdf,
     "normal_cdf",
     [](float x) { return float(k::scalar::normal_cdf<double>(x)); },
     4,
     {},
     2e-5},
    {k::Unary::LeakyRelu,
     "leaky_relu",
     [](float x) { return x > 0 ? x : 0.01f * x; },
     0,
     {0.01, 0}},
    {k::Unary::Elu, "elu", [](float x) { return x > 0 ? x : 1.5f * std::expm1(x); }, 3, {1.5, 0}},
    {k::Unary::Clamp,
     "clamp",
     [](float x) { return std::min(std::max(x, -2.f), 3.f); },
     0,
     {-2, 3}},
    {k::Unary::PowScalar, "pow2", [](float x) { return x * x; }, 0, {2, 0}},
    {k::Unary::PowScalar, "pow1.5", [](float x) { return std::pow(x, 1.5f); }, 0, {1.5, 0}},
    {k::Unary::AddScalar, "add_scalar", [](float x) { return x + 0.25f; }, 0, {0.25, 0}},
    {k::Unary::MulScalar, "mul_scalar", [](float x) { return x * 3.f; }, 0, {3, 0}},
};

TEST(KernelsUnary, Float32WithinUlpsOfStdOverSweep) {
  const auto x = sweep();
  std::vector<float> y(x.size());
  for (const auto& c : kUnaryCases) {
    k::unary<float>(c.op, x.data(), y.data(), static_cast<int64_t>(x.size()), c.p);
    int64_t worst = 0;
    size_t at = 0;
    for (size_t i = 0; i < x.size(); ++i) {
      // gelu's polynomial cancels near its zero at x ≈ -0.0: compare absolutely there.
      const float r = c.ref(x[i]);
      int64_t d = ulp_distance(y[i], r);
      if (c.rel_tol > 0 && std::abs(y[i] - r) <= c.rel_tol * std::abs(r) + 1e-37f) d = 0;
      if (d > worst) worst = d, at = i;
    }
    EXPECT_LE(worst, c.max_ulp) << c.name << " at x = " << x[at] << ": got " << y[at]
                                << ", std gives " << c.ref(x[at]);
  }
}

TEST(KernelsUnary, Float64CloseToStd) {
  const auto xf = sweep();
  std::vector<double> x(xf.begin(), xf.end()), y(x.size());
  for (const auto& c : kUnaryCases) {
    k::unary<double>(c.op, x.data(), y.data(), static_cast<int64_t>(x.size()), c.p);
    for (size_t i = 0; i < x.size(); ++i) {
      // A float reference evaluated in double: compare the float-rounded results loosely.
      const double r = c.ref(static_cast<float>(x[i]));
      if (std::isnan(r) || std::isinf(r) || std::abs(r) > 1e30) continue;
      ASSERT_NEAR(y[i], r, 1e-5 * std::abs(r) + 1e-6) << c.name << " at x = " << x[i];
    }
  }
}

// xsimd's float64 log gave -746.5 for every subnormal (found by the extreme-value sweep,
// tests/reliability/test_extreme_values.cpp); subnormal lanes now go through std::log.
TEST(KernelsUnary, LogOfSubnormalsMatchesStd) {
  const std::vector<double> x = {5e-324, 1e-310, 2.2e-308, 1.0, 1e-320, 3e-315, 0.5, 1e-300};
  std::vector<double> y(x.size());
  k::unary<double>(k::Unary::Log, x.data(), y.data(), static_cast<int64_t>(x.size()), {});
  for (std::size_t i = 0; i < x.size(); ++i) EXPECT_DOUBLE_EQ(y[i], std::log(x[i])) << x[i];
  const std::vector<float> xf = {1e-45f, 1e-40f, 1e-38f, 1.0f, 2e-39f, 0.25f, 7e-42f, 3.0f};
  std::vector<float> yf(xf.size());
  k::unary<float>(k::Unary::Log, xf.data(), yf.data(), static_cast<int64_t>(xf.size()), {});
  for (std::size_t i = 0; i < xf.size(); ++i) EXPECT_FLOAT_EQ(yf[i], std::log(xf[i])) << xf[i];
}

TEST(KernelsUnary, OddLengthsAndTails) {  // lengths around the vector width, every offset
  for (int64_t n : {1, 2, 15, 16, 17, 31, 33, 255, 257}) {
    const auto x = random_vec<float>(n + 3, static_cast<uint64_t>(n));
    for (int64_t off = 0; off < 3; ++off) {
      std::vector<float> y(static_cast<size_t>(n) + 3, -7.f);
      k::unary<float>(k::Unary::Exp, x.data() + off, y.data() + off, n);
      for (int64_t i = 0; i < n + 3; ++i) {
        const bool inside = i >= off && i < off + n;
        const float want = inside ? std::exp(x[static_cast<size_t>(i)]) : -7.f;
        ASSERT_LE(ulp_distance(y[static_cast<size_t>(i)], want), 2) << n << " " << off << " " << i;
      }
    }
  }
}

TEST(KernelsUnary, BitIdenticalAcrossThreadCounts) {
  const int64_t n = 1'000'003;
  const auto x = random_vec<float>(n, 11, -20, 20);
  for (auto op : {k::Unary::Exp, k::Unary::Tanh, k::Unary::Softplus, k::Unary::Relu}) {
    auto run = [&] {
      std::vector<float> y(static_cast<size_t>(n));
      k::unary<float>(op, x.data(), y.data(), n);
      return y;
    };
    EXPECT_TRUE(bit_equal(with_threads(1, run), with_threads(2, run)));
  }
}

// ---- binary -------------------------------------------------------------------------------

/// out[i] = f(a[ia], b[ib]) by explicit multi-indices.
template <class T, class F>
std::vector<T> binary_ref(const std::vector<T>& a, const tg::Shape& sa, const std::vector<T>& b,
                          const tg::Shape& sb, const tg::Shape& so, F f) {
  std::vector<T> out(static_cast<size_t>(so.numel()));
  const auto sta = sa.strides(), stb = sb.strides();
  for (int64_t flat = 0; flat < so.numel(); ++flat) {
    int64_t rem = flat, ia = 0, ib = 0;
    for (int d = so.rank() - 1; d >= 0; --d) {
      const int64_t i = rem % so[d];
      rem /= so[d];
      const int da = d - (so.rank() - sa.rank()), db = d - (so.rank() - sb.rank());
      if (da >= 0 && sa[da] != 1) ia += i * sta[static_cast<size_t>(da)];
      if (db >= 0 && sb[db] != 1) ib += i * stb[static_cast<size_t>(db)];
    }
    out[static_cast<size_t>(flat)] = f(a[static_cast<size_t>(ia)], b[static_cast<size_t>(ib)]);
  }
  return out;
}

TEST(KernelsBinary, BroadcastingMatchesReferenceExactly) {
  const std::vector<std::pair<tg::Shape, tg::Shape>> shapes = {
      {{1}, {1}},           {{17}, {17}},        {{17}, {1}},           {{1}, {33}},
      {{3, 5}, {5}},        {{4, 1, 3}, {2, 3}}, {{5, 1}, {1, 6}},      {{2, 3, 4}, {2, 3, 4}},
      {{300, 257}, {257}},  {{257}, {300, 257}}, {{300, 1}, {300, 70}}, {{3, 1, 5}, {1, 7, 1}},
      {{100003}, {100003}}, {{40001, 3}, {3}}};
  using Op = k::Binary;
  const std::vector<std::pair<Op, double (*)(double, double)>> ops = {
      {Op::Add, [](double x, double y) { return x + y; }},
      {Op::Sub, [](double x, double y) { return x - y; }},
      {Op::Mul, [](double x, double y) { return x * y; }},
      {Op::Div, [](double x, double y) { return x / y; }},
      {Op::Minimum, [](double x, double y) { return std::isnan(x) ? x : std::min(x, y); }},
      {Op::Maximum, [](double x, double y) { return std::isnan(x) ? x : std::max(x, y); }},
      {Op::Lt, [](double x, double y) { return double(x < y); }},
      {Op::Ge, [](double x, double y) { return double(x >= y); }},
      {Op::Eq, [](double x, double y) { return double(x == y); }}};
  uint64_t seed = 100;
  for (const auto& [sa, sb] : shapes) {
    const tg::Shape so = tg::broadcast_shapes(sa, sb, "test");
    auto a = random_vec<float>(sa.numel(), seed++), b = random_vec<float>(sb.numel(), seed++);
    b[0] = a[0];  // an equal pair for Eq
    std::vector<float> out(static_cast<size_t>(so.numel()));
    for (const auto& [op, f] : ops) {
      k::binary<float>(op, a.data(), sa, b.data(), sb, out.data(), so);
      const auto ref = binary_ref<float>(
          a, sa, b, sb, so, [f = f](float x, float y) { return static_cast<float>(f(x, y)); });
      ASSERT_TRUE(bit_equal(out, ref)) << sa.str() << " op " << sb.str();
    }
    // pow on positive bases, lane by lane through std::pow
    auto pa = random_vec<double>(sa.numel(), seed++, 0.1, 3);
    auto pb = random_vec<double>(sb.numel(), seed++, -2, 2);
    std::vector<double> pout(static_cast<size_t>(so.numel()));
    k::binary<double>(Op::Pow, pa.data(), sa, pb.data(), sb, pout.data(), so);
    ASSERT_TRUE(bit_equal(pout, binary_ref<double>(pa, sa, pb, sb, so, [](double x, double y) {
                            return std::pow(x, y);
                          })));
  }
}

// NaN in either operand propagates, as in PyTorch (the extreme-value sweep found the NaN
// of the right operand dropped: tests/reliability/test_extreme_values.cpp).
TEST(KernelsBinary, MinimumMaximumPropagateNaNFromEitherOperand) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> a = {nan, 1, 2}, b = {1, nan, 0};
  std::vector<float> out(3);
  for (auto op : {k::Binary::Maximum, k::Binary::Minimum}) {
    k::binary<float>(op, a.data(), {3}, b.data(), {3}, out.data(), {3});
    EXPECT_TRUE(std::isnan(out[0]));
    EXPECT_TRUE(std::isnan(out[1]));
    EXPECT_EQ(out[2], op == k::Binary::Maximum ? 2 : 0);
  }
}

TEST(KernelsBinary, ComparisonsWithNaNFollowIEEE) {  // NaN != anything, nothing else holds
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> a(37, nan), b = random_vec<float>(37, 8), out(37);
  for (auto [op, want] : std::vector<std::pair<k::Binary, float>>{
           {k::Binary::Ne, 1}, {k::Binary::Eq, 0}, {k::Binary::Lt, 0}, {k::Binary::Ge, 0}}) {
    k::binary<float>(op, a.data(), {37}, b.data(), {37}, out.data(), {37});
    for (float v : out) ASSERT_EQ(v, want);
  }
}

TEST(KernelsBinary, WhereSelects) {  // NaN in the condition counts as true
  const auto a = random_vec<double>(37, 1), b = random_vec<double>(37, 2);
  auto c = random_vec<double>(37, 3);
  c[3] = 0;
  c[20] = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> out(37);
  k::where<double>(c.data(), a.data(), b.data(), out.data(), 37);
  for (size_t i = 0; i < 37; ++i) EXPECT_EQ(out[i], c[i] != 0 ? a[i] : b[i]);
}

// ---- reductions ---------------------------------------------------------------------------

template <class T>
void check_reduce(int64_t outer, int64_t r, int64_t inner, uint64_t seed) {
  const auto x = random_vec<T>(outer * r * inner, seed, -1, 3);
  for (auto op : {k::Reduce::Sum, k::Reduce::Max, k::Reduce::Min}) {
    std::vector<T> y(static_cast<size_t>(outer * inner));
    k::reduce<T>(op, x.data(), y.data(), outer, r, inner);
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t j = 0; j < inner; ++j) {
        using LD = long double;  // the reference must beat a float64 kernel
        LD acc = op == k::Reduce::Sum ? 0 : LD(x[static_cast<size_t>(o * r * inner + j)]);
        LD mag = 0;
        for (int64_t p = 0; p < r; ++p) {
          const LD v = x[static_cast<size_t>((o * r + p) * inner + j)];
          mag += std::abs(v);
          acc = op == k::Reduce::Sum   ? acc + v
                : op == k::Reduce::Max ? std::max(acc, v)
                                       : std::min(acc, v);
        }
        const double got = y[static_cast<size_t>(o * inner + j)];
        if (op == k::Reduce::Sum)
          ASSERT_NEAR(got, double(acc), 4 * std::numeric_limits<T>::epsilon() * double(mag + 1))
              << outer << "×" << r << "×" << inner << " at " << o << "," << j;
        else
          ASSERT_EQ(got, static_cast<T>(acc)) << outer << "×" << r << "×" << inner;
      }
  }
}

const std::vector<std::array<int64_t, 3>> kReduceShapes = {
    {1, 1, 1},      {3, 1, 5},     {1, 17, 1},    {5, 31, 1},     {1, 7, 33},     {7, 13, 1029},
    {1, 100003, 1}, {1, 20000, 3}, {2, 300, 257}, {100, 1, 1200}, {1, 100, 1200}, {61, 97, 2}};

TEST(KernelsReduce, Float32MatchesFloat64Reference) {
  uint64_t seed = 1;
  for (const auto& [o, r, i] : kReduceShapes) check_reduce<float>(o, r, i, seed++);
}
TEST(KernelsReduce, Float64MatchesReference) {
  uint64_t seed = 50;
  for (const auto& [o, r, i] : kReduceShapes) check_reduce<double>(o, r, i, seed++);
}

TEST(KernelsReduce, LongFloatSumKeepsItsDigits) {
  const int64_t n = 10'000'000;
  std::vector<float> x(static_cast<size_t>(n), 0.1f);
  float y = 0;
  k::reduce<float>(k::Reduce::Sum, x.data(), &y, 1, n, 1);
  EXPECT_NEAR(y, double(0.1f) * n, 1e-6 * n * 0.1);
}

TEST(KernelsReduce, NaNPropagatesThroughMaxAndMin) {
  std::vector<float> x = random_vec<float>(1000, 5);
  x[777] = std::numeric_limits<float>::quiet_NaN();
  float y = 0;
  k::reduce<float>(k::Reduce::Max, x.data(), &y, 1, 1000, 1);
  EXPECT_TRUE(std::isnan(y));
  k::reduce<float>(k::Reduce::Min, x.data(), &y, 1, 1000, 1);
  EXPECT_TRUE(std::isnan(y));
}

TEST(KernelsReduce, DeterministicAndThreadCountInvariant) {
  for (const auto& [o, r, i] :
       std::vector<std::array<int64_t, 3>>{{1, 3'000'017, 1}, {1, 40'000, 37}, {3, 5'000, 300}}) {
    const auto x = random_vec<float>(o * r * i, 9);
    auto run = [&] {
      std::vector<float> y(static_cast<size_t>(o * i));
      k::reduce<float>(k::Reduce::Sum, x.data(), y.data(), o, r, i);
      return y;
    };
    const auto two = with_threads(2, run);
    EXPECT_TRUE(bit_equal(two, with_threads(2, run)));
    EXPECT_TRUE(bit_equal(two, with_threads(1, run)));
  }
}

// ---- data movement ------------------------------------------------------------------------

TEST(KernelsMovement, PermuteMatchesIndexing) {
  const std::vector<std::pair<tg::Shape, tg::Shape>> cases = {
      {{1, 1}, {1, 0}},         {{3, 5}, {1, 0}},       {{67, 129}, {1, 0}},
      {{4, 33, 65}, {0, 2, 1}}, {{2, 3, 4}, {2, 0, 1}}, {{5, 1, 7, 3}, {3, 1, 0, 2}}};
  for (const auto& [sx, perm] : cases) {
    const auto x = random_vec<float>(sx.numel(), 3);
    std::vector<float> y(x.size());
    k::permute<float>(x.data(), sx, perm, y.data());
    tg::Shape so;
    for (int i = 0; i < sx.rank(); ++i) so.push_back(sx[static_cast<int>(perm[i])]);
    const auto xs = sx.strides();
    for (int64_t flat = 0; flat < so.numel(); ++flat) {
      int64_t rem = flat, off = 0;
      for (int d = so.rank() - 1; d >= 0; --d) {
        off += (rem % so[d]) * xs[static_cast<size_t>(perm[d])];
        rem /= so[d];
      }
      ASSERT_EQ(y[static_cast<size_t>(flat)], x[static_cast<size_t>(off)]) << sx.str();
    }
  }
}

TEST(KernelsMovement, SliceAndItsAdjoint) {
  const int64_t outer = 3, n = 11, inner = 5, start = 1, step = 3, len = 4;
  const auto x = random_vec<double>(outer * n * inner, 4);
  std::vector<double> y(static_cast<size_t>(outer * len * inner));
  k::slice<double>(x.data(), y.data(), outer, n, inner, start, step, len);
  std::vector<double> back(x.size(), 1.0);
  k::slice_add<double>(y.data(), back.data(), outer, n, inner, start, step, len);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < inner; ++j) {
        const size_t at = static_cast<size_t>((o * n + i) * inner + j);
        const bool hit = i >= start && (i - start) % step == 0 && (i - start) / step < len;
        EXPECT_EQ(back[at], hit ? 1.0 + x[at] : 1.0);
      }
}

TEST(KernelsMovement, CastFillCopy) {
  const auto x = random_vec<double>(100'001, 6);
  std::vector<float> f(x.size());
  k::cast<double, float>(x.data(), f.data(), static_cast<int64_t>(x.size()));
  for (size_t i = 0; i < x.size(); ++i) ASSERT_EQ(f[i], static_cast<float>(x[i]));
  std::vector<float> g(x.size());
  k::copy<float>(f.data(), g.data(), static_cast<int64_t>(f.size()));
  EXPECT_TRUE(bit_equal(f, g));
  k::fill<float>(g.data(), 77, 2.5f);
  EXPECT_EQ(g[76], 2.5f);
  EXPECT_EQ(g[77], f[77]);
}

// ---- matmul with transpose flags (autograd/src/ops/linalg.cpp) ----------------------------

TEST(KernelsMatmulOp, TransposeFlagsMatchExplicitTransposes) {
  tg::Generator gen(3);
  const tg::Tensor a = tg::randn({4, 3}, gen, tg::kFloat64),
                   b = tg::randn({5, 3}, gen, tg::kFloat64);
  const auto want = tg::matmul(a, tg::transpose(b, 0, 1)).to_vector<double>();
  EXPECT_TRUE(tgtest::values_near(tg::detail::matmul(a, b, false, true), want, 1e-12));
  EXPECT_TRUE(
      tgtest::values_near(tg::detail::matmul(tg::transpose(a, 0, 1), b, true, true), want, 1e-12));
}

}  // namespace

// Runtime dispatch of the kernel layer (autograd/src/kernels/isa.hpp, docs/cpu-dispatch.md):
// the choice of instruction set, TAPEGRAD_ISA and its errors, and every kernel family run
// under each set this machine supports, compared with the SSE4.2 baseline. (The accuracy
// of each set against std:: is test_kernels.cpp's, which ctest also runs forced to
// SSE4.2: tests/CMakeLists.txt.)
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "../../autograd/src/kernels/isa.hpp"
#include "../../autograd/src/kernels/kernels.hpp"
#include "checks.hpp"
#include "kernel_checks.hpp"
#include "tapegrad/autograd/parallel.hpp"

namespace k = tg::kernels;
using k::Isa;
using k::detail::isa_bit;
using tgtest::bit_equal;
using tgtest::random_vec;
using tgtest::ulp_distance;

namespace {

constexpr k::detail::IsaSet kSse = isa_bit(Isa::Sse4_2), kAvx2 = isa_bit(Isa::Avx2),
                            kAvx512 = isa_bit(Isa::Avx512);

/// The sets this machine supports, lowest first.
std::vector<Isa> supported_isas() {
  std::vector<Isa> out;
  for (Isa isa : k::kIsas)
    if (k::detail::cpu_supported_isas() & isa_bit(isa)) out.push_back(isa);
  return out;
}

/// Runs body with the kernels forced to `isa`, then lets them choose again.
template <class F>
auto under(Isa isa, F body) {
  k::detail::set_isa_for_testing(isa);
  auto r = body();
  k::detail::set_isa_for_testing(std::nullopt);
  return r;
}

/// Sets TAPEGRAD_ISA (or unsets it, for nullptr) for one scope, forgetting the kernels'
/// choice on entry and on exit so the variable is read again.
class ScopedIsaEnv {
 public:
  explicit ScopedIsaEnv(const char* value) {
    if (const char* old = std::getenv("TAPEGRAD_ISA")) old_ = old;
    if (value)
      setenv("TAPEGRAD_ISA", value, 1);
    else
      unsetenv("TAPEGRAD_ISA");
    k::detail::set_isa_for_testing(std::nullopt);
  }
  ~ScopedIsaEnv() {
    if (old_)
      setenv("TAPEGRAD_ISA", old_->c_str(), 1);
    else
      unsetenv("TAPEGRAD_ISA");
    k::detail::set_isa_for_testing(std::nullopt);
  }
  ScopedIsaEnv(const ScopedIsaEnv&) = delete;
  ScopedIsaEnv& operator=(const ScopedIsaEnv&) = delete;

 private:
  std::optional<std::string> old_;
};

/// Inputs for the elementwise comparisons: uniform in [-20, 20] (past the saturation of
/// exp, tanh, sigmoid in float) plus the special values; a length that is no multiple of
/// any vector width and above the parallel grain.
template <class T>
std::vector<T> elementwise_inputs() {
  auto x = random_vec<T>(20011, 3, -20, 20);
  const T inf = std::numeric_limits<T>::infinity();
  const std::vector<T> special = {T(0),
                                  -T(0),
                                  inf,
                                  -inf,
                                  std::numeric_limits<T>::quiet_NaN(),
                                  std::numeric_limits<T>::denorm_min(),
                                  std::numeric_limits<T>::min(),
                                  std::numeric_limits<T>::max(),
                                  -std::numeric_limits<T>::max(),
                                  T(1),
                                  T(-1),
                                  T(700),
                                  T(-700),
                                  T(1e-30)};
  std::copy(special.begin(), special.end(), x.begin() + 101);
  return x;
}

}  // namespace

// ---- the choice ---------------------------------------------------------------------------

TEST(CpuDispatch, MachineRunsTheBaselineAndSetsAreNested) {
  const auto set = k::detail::cpu_supported_isas();
  EXPECT_TRUE(set & kSse) << "an x86-64 test machine without SSE4.2";
  EXPECT_TRUE(!(set & kAvx512) || (set & kAvx2)) << set;
  EXPECT_TRUE(!(set & kAvx2) || (set & kSse)) << set;
}

TEST(CpuDispatch, DefaultIsTheHighestSupported) {
  EXPECT_EQ(k::detail::select_isa(nullptr, kSse), Isa::Sse4_2);
  EXPECT_EQ(k::detail::select_isa(nullptr, kSse | kAvx2), Isa::Avx2);
  EXPECT_EQ(k::detail::select_isa(nullptr, kSse | kAvx2 | kAvx512), Isa::Avx512);
  EXPECT_EQ(k::detail::select_isa("", kSse | kAvx2), Isa::Avx2);  // set but empty: unset
  ScopedIsaEnv env(nullptr);
  EXPECT_EQ(tg::cpu_capability(), k::isa_name(supported_isas().back()));
}

TEST(CpuDispatch, RequestPicksALowerSet) {
  const auto all = kSse | kAvx2 | kAvx512;
  EXPECT_EQ(k::detail::select_isa("sse4.2", all), Isa::Sse4_2);
  EXPECT_EQ(k::detail::select_isa("avx2", all), Isa::Avx2);
  EXPECT_EQ(k::detail::select_isa("avx512", all), Isa::Avx512);
}

TEST(CpuDispatch, EnvironmentForcesEachSupportedSetAndCapabilityReportsIt) {
  for (Isa isa : supported_isas()) {
    const std::string name(k::isa_name(isa));
    ScopedIsaEnv env(name.c_str());
    EXPECT_EQ(tg::cpu_capability(), name);
    EXPECT_EQ(k::detail::active_isa(), isa);
    std::vector<float> y(5);
    k::fill<float>(y.data(), 5, 2.5f);  // and the kernels run under it
    EXPECT_EQ(y, std::vector<float>(5, 2.5f)) << name;
  }
}

TEST(CpuDispatch, SetTheCpuLacksThrowsNamingRequestSupportAndAcceptedNames) {
  EXPECT_TRUE(
      tgtest::throws<tg::ValueError>([] { k::detail::select_isa("avx512", kSse | kAvx2); },
                                     {"TAPEGRAD_ISA=\"avx512\"", "lacks", "supports sse4.2, avx2",
                                      "accepted names: sse4.2, avx2, avx512"}));
  EXPECT_TRUE(tgtest::throws<tg::ValueError>([] { k::detail::select_isa("avx2", kSse); },
                                             {"TAPEGRAD_ISA=\"avx2\"", "supports sse4.2"}));
  EXPECT_TRUE(tgtest::throws<tg::ValueError>([] { k::detail::select_isa(nullptr, 0); },
                                             {"need at least SSE4.2", "none of"}));
}

TEST(CpuDispatch, UnknownNameThrowsListingTheAcceptedNames) {
  for (const char* bad : {"avx3", "AVX2", "sse4_2", "native"})
    EXPECT_TRUE(tgtest::throws<tg::ValueError>(
        [&] { k::detail::select_isa(bad, kSse | kAvx2); },
        {"TAPEGRAD_ISA=\"" + std::string(bad) + "\"", "not an instruction set",
         "expected one of sse4.2, avx2, avx512", "this CPU supports sse4.2, avx2"}));
}

TEST(CpuDispatch, BadEnvironmentThrowsFromFirstUseAndEveryUse) {
  // An unknown name, and on this machine every set it lacks (none on an AVX-512 machine).
  std::vector<std::string> bad = {"avx1024"};
  for (Isa isa : k::kIsas)
    if (!(k::detail::cpu_supported_isas() & isa_bit(isa))) bad.emplace_back(k::isa_name(isa));
  for (const auto& name : bad) {
    ScopedIsaEnv env(name.c_str());
    for (int attempt = 0; attempt < 2; ++attempt) {
      EXPECT_TRUE(tgtest::throws<tg::ValueError>([] { tg::cpu_capability(); },
                                                 {"TAPEGRAD_ISA=\"" + name + "\""}));
      std::vector<float> y(3);
      EXPECT_TRUE(tgtest::throws<tg::ValueError>([&] { k::fill<float>(y.data(), 3, 1.f); },
                                                 {"TAPEGRAD_ISA=\"" + name + "\""}));
    }
  }
  // set_isa_for_testing refuses what the CPU lacks, too.
  for (Isa isa : k::kIsas) {
    if (k::detail::cpu_supported_isas() & isa_bit(isa)) continue;
    EXPECT_TRUE(tgtest::throws<tg::ValueError>([&] { k::detail::set_isa_for_testing(isa); },
                                               {std::string(k::isa_name(isa))}));
  }
}

// ---- every kernel family under every supported set ----------------------------------------
//
// Why results may differ between sets: the AVX2 and AVX-512 variants fuse multiply-adds
// (FMA: one rounding), the SSE4.2 one cannot (a multiply and an add: two roundings); and
// vector widths differ (4, 8, 16 floats), which changes the order of a sum's partial
// results. IEEE's exactly rounded operations (+ − × ÷ √, comparisons, min/max, select)
// and the scalar std:: paths give bit-identical results whatever the set.

/// The unary ops built only from exactly rounded operations or std:: calls.
const std::vector<std::pair<k::Unary, k::UnaryParams>> kExactUnary = {
    {k::Unary::Neg, {}},
    {k::Unary::Sqrt, {}},
    {k::Unary::Rsqrt, {}},
    {k::Unary::Abs, {}},
    {k::Unary::Sign, {}},
    {k::Unary::Sin, {}},
    {k::Unary::Cos, {}},
    {k::Unary::Relu, {}},
    {k::Unary::LeakyRelu, {0.01, 0}},
    {k::Unary::Clamp, {-2, 3}},
    {k::Unary::PowScalar, {2, 0}},
    {k::Unary::PowScalar, {1.5, 0}},
    {k::Unary::AddScalar, {0.25, 0}},
    {k::Unary::MulScalar, {3, 0}}};

/// The polynomial ones (xsimd's exp, log, tanh, erfc and what is built on them), with the
/// largest distance in ulps allowed between two sets' results. The bound: test_kernels.cpp
/// holds each set within B ulps of std:: (B = 2 for exp, log, log1p, expm1; 3 for tanh,
/// sigmoid, elu; 4 for log_sigmoid, softplus, silu), so two sets are within 2B of each
/// other (triangle inequality).
///
/// gelu, gelu_erf and Φ are ill-conditioned in their lower tail (test_kernels.cpp checks
/// them with a relative bound): a change of one ulp in an intermediate argument (which a
/// fused or unfused multiply-add makes) moves the result by κ(x) ulps, κ = |x·f'(x)/f(x)|
/// its condition number. So two sets may differ by 2·4 + 2κ(x) ulps, with κ ≤ 1 + |x|·u'(x)
/// for gelu = x·sigmoid(u), u = 2c(x + 0.044715x³) (f ≈ x·e^u in the tail), and κ ≤ 2 + x²
/// for Φ and x·Φ (|x·Φ'(x)/Φ(x)| ≤ x² + 1).
struct PolyCase {
  k::Unary op;
  k::UnaryParams p;
  int64_t max_ulp;
  double (*condition)(double x) = nullptr;  // κ(x) where the tail is ill-conditioned
};
double gelu_condition(double x) {
  return 1 + std::abs(x) * 2 * 0.7978845608028654 * (1 + 3 * 0.044715 * x * x);
}
double normal_cdf_condition(double x) { return 2 + x * x; }
const std::vector<PolyCase> kPolyUnary = {{k::Unary::Exp, {}, 4},
                                          {k::Unary::Log, {}, 4},
                                          {k::Unary::Log1p, {}, 4},
                                          {k::Unary::Expm1, {}, 4},
                                          {k::Unary::Tanh, {}, 6},
                                          {k::Unary::Sigmoid, {}, 6},
                                          {k::Unary::LogSigmoid, {}, 8},
                                          {k::Unary::Softplus, {}, 8},
                                          {k::Unary::Silu, {}, 8},
                                          {k::Unary::Elu, {1.5, 0}, 6},
                                          {k::Unary::Gelu, {}, 8, gelu_condition},
                                          {k::Unary::GeluErf, {}, 8, normal_cdf_condition},
                                          {k::Unary::NormalCdf, {}, 8, normal_cdf_condition}};

template <class T>
void unary_matches_baseline() {
  const auto x = elementwise_inputs<T>();
  const auto n = static_cast<int64_t>(x.size());
  auto run = [&](Isa isa, k::Unary op, k::UnaryParams p) {
    return under(isa, [&] {
      std::vector<T> y(x.size());
      k::unary<T>(op, x.data(), y.data(), n, p);
      return y;
    });
  };
  for (Isa isa : supported_isas()) {
    for (const auto& [op, p] : kExactUnary)
      EXPECT_TRUE(bit_equal(run(isa, op, p), run(Isa::Sse4_2, op, p)))
          << k::isa_name(isa) << " op " << static_cast<int>(op);
    for (const auto& c : kPolyUnary) {
      const auto got = run(isa, c.op, c.p), base = run(Isa::Sse4_2, c.op, c.p);
      double worst = 0;  // the largest distance as a fraction of its bound
      size_t at = 0;
      for (size_t i = 0; i < x.size(); ++i) {
        const double bound =
            double(c.max_ulp) + (c.condition && std::isfinite(x[i]) ? 2 * c.condition(x[i]) : 0);
        if (const double r = double(ulp_distance(got[i], base[i])) / bound; r > worst)
          worst = r, at = i;
      }
      EXPECT_LE(worst, 1) << k::isa_name(isa) << " op " << static_cast<int>(c.op)
                          << " at x = " << x[at] << ": " << got[at] << " vs " << base[at] << ", "
                          << ulp_distance(got[at], base[at]) << " ulps";
    }
  }
}

TEST(CpuDispatch, UnaryMatchesBaselineFloat32) { unary_matches_baseline<float>(); }
TEST(CpuDispatch, UnaryMatchesBaselineFloat64) { unary_matches_baseline<double>(); }

template <class T>
void binary_matches_baseline() {
  // Same shape, a scalar, a bias row, and a general broadcast (the four paths of zip).
  const std::vector<std::pair<tg::Shape, tg::Shape>> shapes = {
      {{67, 301}, {67, 301}}, {{67, 301}, {}}, {{67, 301}, {301}}, {{67, 1, 5}, {1, 13, 5}}};
  using B = k::Binary;
  for (const auto& pair : shapes) {
    const tg::Shape &sa = pair.first, &sb = pair.second;  // (clang 14 cannot capture bindings)
    const tg::Shape so = tg::broadcast_shapes(sa, sb, "test");
    auto a = random_vec<T>(sa.numel(), 5, -3, 3), b = random_vec<T>(sb.numel(), 6, -3, 3);
    a[0] = std::numeric_limits<T>::quiet_NaN();  // NaN through min/max/comparisons
    b[b.size() / 2] = T(0);                      // ÷ 0
    for (B op : {B::Add, B::Sub, B::Mul, B::Div, B::Pow, B::Minimum, B::Maximum, B::Eq, B::Ne,
                 B::Lt, B::Le, B::Gt, B::Ge}) {
      auto run = [&](Isa isa) {
        return under(isa, [&] {
          std::vector<T> out(static_cast<size_t>(so.numel()));
          k::binary<T>(op, a.data(), sa, b.data(), sb, out.data(), so);
          return out;
        });
      };
      const auto base = run(Isa::Sse4_2);
      for (Isa isa : supported_isas())
        EXPECT_TRUE(bit_equal(run(isa), base))
            << k::isa_name(isa) << " op " << static_cast<int>(op);
    }
  }
}

TEST(CpuDispatch, BinaryBitIdenticalToBaselineFloat32) { binary_matches_baseline<float>(); }
TEST(CpuDispatch, BinaryBitIdenticalToBaselineFloat64) { binary_matches_baseline<double>(); }

template <class T>
void reduce_matches_baseline() {
  const std::vector<std::array<int64_t, 3>> shapes = {
      {1, 100003, 1}, {7, 13, 1029}, {2, 300, 257}, {61, 97, 2}, {1, 40000, 37}};
  const double eps = std::numeric_limits<T>::epsilon();
  for (const auto& shape : shapes) {
    const int64_t outer = shape[0], r = shape[1], inner = shape[2];
    const auto x = random_vec<T>(outer * r * inner, 8, -1, 3);
    for (auto op : {k::Reduce::Sum, k::Reduce::Max, k::Reduce::Min}) {
      auto run = [&](Isa isa) {
        return under(isa, [&] {
          std::vector<T> y(static_cast<size_t>(outer * inner));
          k::reduce<T>(op, x.data(), y.data(), outer, r, inner);
          return y;
        });
      };
      const auto base = run(Isa::Sse4_2);
      for (Isa isa : supported_isas()) {
        const auto got = run(isa);
        if (op != k::Reduce::Sum) {  // max and min are exact
          EXPECT_TRUE(bit_equal(got, base)) << k::isa_name(isa);
          continue;
        }
        // A sum adds runs of at most 64 values (per lane) in T, then the runs in float64:
        // each set's error is at most (64 + log2(16) + 2)·ε_T·Σ|x| to first order (the
        // run, the horizontal add of up to 16 lanes, the final rounding), so two sets
        // differ by at most twice that.
        for (int64_t o = 0; o < outer; ++o)
          for (int64_t j = 0; j < inner; ++j) {
            double mag = 0;
            for (int64_t p = 0; p < r; ++p)
              mag += std::abs(double(x[static_cast<size_t>((o * r + p) * inner + j)]));
            const auto i = static_cast<size_t>(o * inner + j);
            ASSERT_NEAR(got[i], base[i], 2 * 70 * eps * mag)
                << k::isa_name(isa) << " " << outer << "×" << r << "×" << inner;
          }
      }
    }
  }
}

TEST(CpuDispatch, ReduceMatchesBaselineFloat32) { reduce_matches_baseline<float>(); }
TEST(CpuDispatch, ReduceMatchesBaselineFloat64) { reduce_matches_baseline<double>(); }

template <class T>
void gemm_matches_baseline() {
  // The small-GEMM path, the packed path with edge tiles, and every transpose.
  const std::vector<std::array<int64_t, 3>> shapes = {
      {2, 3, 5}, {37, 101, 53}, {130, 259, 513}, {200, 70, 11}, {64, 64, 64}};
  const double eps = std::numeric_limits<T>::epsilon();
  for (const auto& shape : shapes)
    for (int t = 0; t < 4; ++t) {
      const int64_t m = shape[0], n = shape[1], kk = shape[2];
      const bool ta = (t & 1) != 0, tb = (t & 2) != 0;
      const int64_t lda = ta ? m : kk, ldb = tb ? kk : n;
      const auto a = random_vec<T>(m * kk, 10 + static_cast<uint64_t>(t)),
                 b = random_vec<T>(kk * n, 20 + static_cast<uint64_t>(t)),
                 c0 = random_vec<T>(m * n, 30);
      const T alpha = T(0.75), beta = T(-0.5);
      auto run = [&](Isa isa) {
        return under(isa, [&] {
          auto c = c0;
          k::gemm<T>(ta, tb, m, n, kk, alpha, a.data(), lda, b.data(), ldb, beta, c.data(), n);
          return c;
        });
      };
      const auto base = run(Isa::Sse4_2);
      for (Isa isa : supported_isas()) {
        const auto got = run(isa);
        // Both compute each element as one chain of k multiply-adds plus the alpha/beta
        // update: with or without fusing, each chain's error is at most (k + 2)·ε_T·M
        // (M = |alpha|·Σₚ|a_ip·b_pj| + |beta·c_ij|), so two sets differ by at most twice that.
        for (int64_t i = 0; i < m; ++i)
          for (int64_t j = 0; j < n; ++j) {
            double mag = std::abs(double(beta) * double(c0[static_cast<size_t>(i * n + j)]));
            for (int64_t p = 0; p < kk; ++p) {
              const double av =
                  ta ? a[static_cast<size_t>(p * lda + i)] : a[static_cast<size_t>(i * lda + p)];
              const double bv =
                  tb ? b[static_cast<size_t>(j * ldb + p)] : b[static_cast<size_t>(p * ldb + j)];
              mag += std::abs(double(alpha) * av * bv);
            }
            const auto at = static_cast<size_t>(i * n + j);
            ASSERT_NEAR(got[at], base[at], 2 * double(kk + 2) * eps * mag)
                << k::isa_name(isa) << " " << m << "×" << n << "×" << kk << " t=" << t;
          }
      }
    }
}

TEST(CpuDispatch, GemmMatchesBaselineFloat32) { gemm_matches_baseline<float>(); }
TEST(CpuDispatch, GemmMatchesBaselineFloat64) { gemm_matches_baseline<double>(); }

TEST(CpuDispatch, MovementBitIdenticalToBaseline) {
  const tg::Shape s{7, 11, 13};
  const auto x = random_vec<double>(s.numel(), 40);
  const std::vector<int64_t> index = {3, 0, 3, 10, 5};
  for (Isa isa : supported_isas()) {
    auto run = [&](Isa i) {
      return under(i, [&] {
        std::vector<double> out;
        std::vector<double> y(static_cast<size_t>(s.numel()));
        k::permute<double>(x.data(), s, tg::Shape{2, 0, 1}, y.data());
        out.insert(out.end(), y.begin(), y.end());
        std::vector<float> f(x.size());
        k::cast<double, float>(x.data(), f.data(), s.numel());
        out.insert(out.end(), f.begin(), f.end());
        std::vector<double> sel(7 * 5 * 13);
        k::index_select<double>(x.data(), sel.data(), 7, 11, 13, index.data(), 5);
        out.insert(out.end(), sel.begin(), sel.end());
        std::vector<double> acc(x.size(), 1.0);
        k::index_add<double>(sel.data(), acc.data(), 7, 11, 13, index.data(), 5);
        out.insert(out.end(), acc.begin(), acc.end());
        return out;
      });
    };
    EXPECT_TRUE(bit_equal(run(isa), run(Isa::Sse4_2))) << k::isa_name(isa);
  }
}

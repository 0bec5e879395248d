// Reductions (autograd/src/ops/reduction.cpp): every op over single, several, all and
// negative axes, keepdim true and false, against a reference written with plain loops;
// ties, zeros and ±1000 at the edges (gradchecks and bad input: the op table,
// tests/common/op_table.cpp, whose samples are the same op × axes × keepdim grid).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <numeric>
#include <string>
#include <vector>

#include "checks.hpp"
#include "tapegrad/autograd.hpp"

namespace {

using tgtest::grad_ok;
using tgtest::leaf;
using tgtest::rleaf;
using tgtest::values_near;

using Reducer = std::function<double(const std::vector<double>&)>;

double r_sum(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0); }
double r_mean(const std::vector<double>& v) { return r_sum(v) / static_cast<double>(v.size()); }
Reducer r_var(int64_t correction) {
  return [correction](const std::vector<double>& v) {
    const double m = r_mean(v);
    double s = 0;
    for (double x : v) s += (x - m) * (x - m);
    return s / static_cast<double>(static_cast<int64_t>(v.size()) - correction);
  };
}
double r_max(const std::vector<double>& v) { return *std::max_element(v.begin(), v.end()); }
double r_min(const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); }
double r_lse(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += std::exp(x);
  return std::log(s);
}
double r_norm(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x * x;
  return std::sqrt(s);
}

/// Reduces `values` (row-major, shape `s`) over `axes` (normalised, empty = all) with
/// plain loops: the values grouped by their coordinates off the reduced axes, in
/// row-major order of the result.
std::vector<double> reference_reduce(const std::vector<double>& values, const tg::Shape& s,
                                     std::vector<int> axes, const Reducer& r) {
  if (axes.empty())
    for (int i = 0; i < s.rank(); ++i) axes.push_back(i);
  std::map<int64_t, std::vector<double>> groups;
  for (int64_t flat = 0; flat < s.numel(); ++flat) {
    int64_t rest = flat, key = 0, stride = 1;
    for (int d = s.rank() - 1; d >= 0; --d) {
      const int64_t coord = rest % s[d];
      rest /= s[d];
      if (std::find(axes.begin(), axes.end(), d) == axes.end()) key += coord * stride;
      stride *= s[d];
    }
    groups[key].push_back(values[static_cast<size_t>(flat)]);
  }
  std::vector<double> out;
  for (const auto& [key, group] : groups) out.push_back(r(group));
  return out;
}

tg::Shape expected_shape(const tg::Shape& s, const std::vector<int>& axes, bool keepdim) {
  tg::Shape out;
  for (int i = 0; i < s.rank(); ++i) {
    const bool reduced = axes.empty() || std::find(axes.begin(), axes.end(), i) != axes.end();
    if (!reduced)
      out.push_back(s[i]);
    else if (keepdim)
      out.push_back(1);
  }
  return out;
}

// ---- one table: op x axes x keepdim ------------------------------------------------------

struct ReductionCase {
  std::string name;
  std::function<tg::Tensor(const tg::Tensor&, const tg::Axes&, bool)> op;
  Reducer ref;
};

std::vector<ReductionCase> reduction_cases() {
  using T = tg::Tensor;
  using A = tg::Axes;
  return {
      {"sum", [](const T& x, const A& a, bool k) { return tg::sum(x, a, k); }, r_sum},
      {"mean", [](const T& x, const A& a, bool k) { return tg::mean(x, a, k); }, r_mean},
      {"var", [](const T& x, const A& a, bool k) { return tg::var(x, a, 1, k); }, r_var(1)},
      {"var_correction0", [](const T& x, const A& a, bool k) { return tg::var(x, a, 0, k); },
       r_var(0)},
      {"std", [](const T& x, const A& a, bool k) { return tg::std(x, a, 1, k); },
       [](const std::vector<double>& v) { return std::sqrt(r_var(1)(v)); }},
      {"std_correction0", [](const T& x, const A& a, bool k) { return tg::std(x, a, 0, k); },
       [](const std::vector<double>& v) { return std::sqrt(r_var(0)(v)); }},
      {"max", [](const T& x, const A& a, bool k) { return tg::max(x, a, k); }, r_max},
      {"min", [](const T& x, const A& a, bool k) { return tg::min(x, a, k); }, r_min},
      {"logsumexp", [](const T& x, const A& a, bool k) { return tg::logsumexp(x, a, k); }, r_lse},
      {"norm", [](const T& x, const A& a, bool k) { return tg::norm(x, a, k); }, r_norm},
  };
}

struct AxesCase {
  std::string name;
  tg::Axes axes;
  std::vector<int> normalised;  // for the reference
};

const std::vector<AxesCase> kAxes = {
    {"all_empty", {}, {}},      {"axis0", {0}, {0}},
    {"axis1", {1}, {1}},        {"axis_neg1", {-1}, {2}},
    {"axes02", {0, 2}, {0, 2}}, {"axes_neg3_neg1", {-1, -3}, {0, 2}},
    {"axes12", {2, 1}, {1, 2}}, {"all_explicit", {0, 1, 2}, {0, 1, 2}},
};

const tg::Shape kShape = {2, 3, 4};

class Reduction : public ::testing::TestWithParam<std::tuple<ReductionCase, AxesCase, bool>> {
 protected:
  const ReductionCase& op() const { return std::get<0>(GetParam()); }
  const AxesCase& axes() const { return std::get<1>(GetParam()); }
  bool keepdim() const { return std::get<2>(GetParam()); }
  // Distinct values (no ties for max/min), none near 0 in norm.
  tg::Tensor input() const { return rleaf(kShape, 7, -1.5, 1.5); }

  void check_forward(tg::Dtype dtype, double atol, double rtol) const {
    tg::Tensor x = input().detach().to(dtype);
    tg::Tensor y = op().op(x, axes().axes, keepdim());
    ASSERT_EQ(y.dtype(), dtype);
    EXPECT_TRUE(tgtest::shape_is(y, expected_shape(kShape, axes().normalised, keepdim())));
    EXPECT_TRUE(
        values_near(y, reference_reduce(x.to_vector<double>(), kShape, axes().normalised, op().ref),
                    atol, rtol));
  }
};

TEST_P(Reduction, ForwardFloat64) { check_forward(tg::kFloat64, 1e-14, 1e-12); }
TEST_P(Reduction, ForwardFloat32) { check_forward(tg::kFloat32, 1e-5, tgtest::kF32Tol); }

INSTANTIATE_TEST_SUITE_P(Reductions, Reduction,
                         ::testing::Combine(::testing::ValuesIn(reduction_cases()),
                                            ::testing::ValuesIn(kAxes), ::testing::Bool()),
                         [](const auto& info) {
                           return std::get<0>(info.param).name + "_" +
                                  std::get<1>(info.param).name +
                                  (std::get<2>(info.param) ? "_keepdim" : "");
                         });

// ---- softmax and log_softmax over each axis -------------------------------------------------

class Softmax : public ::testing::TestWithParam<std::tuple<bool, int64_t>> {
 protected:
  bool is_log() const { return std::get<0>(GetParam()); }
  int64_t axis() const { return std::get<1>(GetParam()); }
  tg::Tensor apply(const tg::Tensor& x) const {
    return is_log() ? tg::log_softmax(x, axis()) : tg::softmax(x, axis());
  }
  std::vector<double> reference(const tg::Tensor& x) const {
    // x - lse over the axis, broadcast back: built from the reduction reference.
    const int a = static_cast<int>(axis() < 0 ? axis() + kShape.rank() : axis());
    const auto v = x.to_vector<double>();
    const auto lse = reference_reduce(v, kShape, {a}, r_lse);
    const auto st = kShape.strides();
    std::vector<double> out;
    for (int64_t flat = 0; flat < kShape.numel(); ++flat) {
      // Index of flat's group: drop coordinate a.
      const int64_t sa = st[static_cast<size_t>(a)];
      const int64_t group = (flat / (sa * kShape[a])) * sa + flat % sa;
      const double ls = v[static_cast<size_t>(flat)] - lse[static_cast<size_t>(group)];
      out.push_back(is_log() ? ls : std::exp(ls));
    }
    return out;
  }
};

TEST_P(Softmax, ForwardBothDtypes) {
  tg::Tensor x = rleaf(kShape, 8, -2, 2).detach();
  EXPECT_TRUE(values_near(apply(x), reference(x), 1e-14, 1e-12));
  tg::Tensor x32 = x.to(tg::kFloat32);
  tg::Tensor y32 = apply(x32);
  EXPECT_EQ(y32.dtype(), tg::kFloat32);
  EXPECT_TRUE(values_near(y32, reference(x32), 1e-6, tgtest::kF32Tol));
}

INSTANTIATE_TEST_SUITE_P(Reductions, Softmax,
                         ::testing::Combine(::testing::Bool(), ::testing::Values(0, 1, 2, -1, -2)),
                         [](const auto& info) {
                           const int64_t a = std::get<1>(info.param);
                           return std::string(std::get<0>(info.param) ? "log_softmax" : "softmax") +
                                  (a < 0 ? "_neg" : "_") + std::to_string(a < 0 ? -a : a);
                         });

TEST(ReductionSoftmax, RowsSumToOneAndStableAt1000) {
  tg::Tensor x = tg::from_vector(std::vector<double>{1000, 0, -1000, 1000, 1000, 1000}, {2, 3});
  EXPECT_TRUE(values_near(tg::softmax(x, 1), {1, 0, 0, 1. / 3, 1. / 3, 1. / 3}, 1e-15));
  EXPECT_TRUE(values_near(tg::log_softmax(x, 1),
                          {0, -1000, -2000, -std::log(3.), -std::log(3.), -std::log(3.)}, 1e-12));
}

// ---- sum_to -------------------------------------------------------------------------

class SumTo : public ::testing::TestWithParam<tg::Shape> {};

TEST_P(SumTo, Values) {
  const tg::Shape target = GetParam();
  tg::Tensor x = rleaf(kShape, 9);
  tg::Tensor y = tg::sum_to(x.detach(), target);
  EXPECT_TRUE(tgtest::shape_is(y, target));
  // Reference: the axes summed are the leading ones and those where target has 1.
  std::vector<int> axes;
  const int lead = kShape.rank() - target.rank();
  for (int i = 0; i < kShape.rank(); ++i)
    if (i < lead || (target[i - lead] == 1 && kShape[i] != 1)) axes.push_back(i);
  if (axes.empty()) {
    EXPECT_TRUE(values_near(y, x.to_vector<double>()));
  } else {
    EXPECT_TRUE(
        values_near(y, reference_reduce(x.to_vector<double>(), kShape, axes, r_sum), 1e-14, 1e-12));
  }
}

INSTANTIATE_TEST_SUITE_P(Reductions, SumTo,
                         ::testing::Values(tg::Shape{2, 3, 4}, tg::Shape{3, 4}, tg::Shape{3, 1},
                                           tg::Shape{1, 4}, tg::Shape{4}, tg::Shape{1}, tg::Shape{},
                                           tg::Shape{2, 1, 1}, tg::Shape{2, 1, 4}));

TEST(ReductionExtremum, TiesShareTheGradientEqually) {
  tg::Tensor x = leaf({1, 3, 3, 2, 5, 5, 5, 0}, {2, 4});
  EXPECT_TRUE(values_near(tg::grad({tg::max(x, {1}).sum()}, {x})[0],
                          {0, 0.5, 0.5, 0, 1. / 3, 1. / 3, 1. / 3, 0}, 1e-15));
  EXPECT_TRUE(values_near(tg::grad({tg::max(x).sum()}, {x})[0],
                          {0, 0, 0, 0, 1. / 3, 1. / 3, 1. / 3, 0}, 1e-15));
  EXPECT_TRUE(values_near(tg::grad({tg::min(x, {0}, true).sum()}, {x})[0], {1, 1, 1, 0, 0, 0, 0, 1},
                          1e-15));
  tg::Tensor flat = leaf({2, 2, 2, 2}, {4});
  EXPECT_TRUE(values_near(tg::grad({tg::min(flat)}, {flat})[0], {.25, .25, .25, .25}));
}

TEST(ReductionExtremum, GradientIsWeightedByTheCotangent) {
  tg::Tensor x = leaf({1, 4, 2, 7, 3, 0}, {2, 3});
  tg::Tensor gy = tg::from_vector(std::vector<double>{10, 20}, {2});
  EXPECT_TRUE(values_near(tg::grad({tg::max(x, {1})}, {x}, {.grad_outputs = {gy}})[0],
                          {0, 10, 0, 20, 0, 0}));
  EXPECT_TRUE(values_near(tg::grad({tg::min(x, {-1})}, {x}, {.grad_outputs = {gy}})[0],
                          {10, 0, 0, 0, 0, 20}));
}

// ---- numerics ------------------------------------------------------------------------

TEST(ReductionNumerics, LogsumexpAtPlusMinus1000) {
  for (tg::Dtype d : {tg::kFloat32, tg::kFloat64}) {
    tg::Tensor x =
        tg::from_vector(std::vector<double>{1000, 1000, -1000, -1000, 1000, -1000}, {3, 2}, d);
    const double l2 = std::log(2.0);
    EXPECT_TRUE(values_near(tg::logsumexp(x, {1}), {1000 + l2, -1000 + l2, 1000},
                            d == tg::kFloat32 ? 1e-4 : 1e-12));
    tg::Tensor x64 = x.to(tg::kFloat64).detach().requires_grad_();
    tg::Tensor g = tg::grad({tg::logsumexp(x64, {1}).sum()}, {x64})[0];
    EXPECT_TRUE(values_near(g, {0.5, 0.5, 0.5, 0.5, 1, 0}, 1e-15));
  }
}

TEST(ReductionNumerics, LogsumexpOfAllMinusInfinityIsMinusInfinity) {
  const double inf = std::numeric_limits<double>::infinity();
  tg::Tensor x = tg::from_vector(std::vector<double>{-inf, -inf, 0, 1}, {2, 2});
  auto v = tg::logsumexp(x, {1}).to_vector<double>();
  EXPECT_EQ(v[0], -inf);
  EXPECT_NEAR(v[1], std::log(1 + std::exp(1.0)), 1e-15);
}

TEST(ReductionNumerics, LogsumexpBesidePlusInfinityGivesTheFiniteValuesAZeroGradient) {
  // lse = +inf, so ∂lse/∂xⱼ = exp(xⱼ − lse) = 0 for every finite xⱼ (PyTorch's value), and
  // NaN (inf − inf) at the infinity. Large finite values (exp(100) overflows float32) once
  // made the finite gradient 0·∞ = NaN: the stable shift skipped the infinity only by
  // dropping to 0.
  const double inf = std::numeric_limits<double>::infinity();
  for (tg::Dtype d : {tg::kFloat32, tg::kFloat64})
    for (double big : {1.0, 100.0, 1e30}) {
      tg::Tensor x = tg::from_vector(std::vector<double>{big, inf, -3}, {3}, d).requires_grad_();
      tg::Tensor y = tg::logsumexp(x);
      EXPECT_EQ(y.item<double>(), inf);
      const std::vector<double> g = tg::grad({y}, {x})[0].to_vector<double>();
      EXPECT_EQ(g[0], 0.0) << big;
      EXPECT_TRUE(std::isnan(g[1])) << big;
      EXPECT_EQ(g[2], 0.0) << big;
      // softmax shares the shift: the finite values get exactly 0.
      const std::vector<double> p = tg::softmax(x.detach()).to_vector<double>();
      EXPECT_EQ(p[0], 0.0) << big;
      EXPECT_EQ(p[2], 0.0) << big;
    }
}

TEST(ReductionNumerics, NormGradientAtZeroIsZeroAndFiniteInDoubleBackward) {
  // Row 0 is all zeros (documented subgradient 0), row 1 is [3, 4].
  tg::Tensor x = leaf({0, 0, 3, 4}, {2, 2});
  tg::Tensor y = tg::norm(x, {1});
  EXPECT_TRUE(values_near(y, {0, 5}));
  tg::Tensor g = tg::grad({y.sum()}, {x}, {.create_graph = true})[0];
  EXPECT_TRUE(values_near(g, {0, 0, 0.6, 0.8}, 1e-15));
  tg::Tensor v = tg::from_vector(std::vector<double>{1, 2, 3, 5}, {2, 2});
  tg::Tensor h = tg::grad({(g * v).sum()}, {x})[0];
  EXPECT_FALSE(tg::has_non_finite(h));
  // Row 1: H v with H = (I − x̂x̂ᵀ)/‖x‖, x̂ = [.6, .8]: (v − x̂(x̂·v))/5.
  const double dotv = 0.6 * 3 + 0.8 * 5;
  EXPECT_TRUE(values_near(h, {0, 0, (3 - 0.6 * dotv) / 5, (5 - 0.8 * dotv) / 5}, 1e-15));
  // The whole-tensor norm at the origin.
  tg::Tensor z = leaf({0, 0, 0}, {3});
  tg::Tensor gz = tg::grad({tg::norm(z)}, {z}, {.create_graph = true})[0];
  EXPECT_TRUE(values_near(gz, {0, 0, 0}));
  EXPECT_TRUE(values_near(tg::grad({gz.sum()}, {z}, {.allow_unused = true})[0], {0, 0, 0}));
}

TEST(ReductionNumerics, VarianceWithCorrection) {
  tg::Tensor x = tg::from_vector(std::vector<double>{1, 2, 3, 4}, {4});
  EXPECT_NEAR(tg::var(x).item<double>(), 5.0 / 3.0, 1e-15);
  EXPECT_NEAR(tg::var(x, {}, 0).item<double>(), 1.25, 1e-15);
  EXPECT_NEAR(tg::var(x, {}, 2).item<double>(), 2.5, 1e-15);
  EXPECT_NEAR(tg::std(x, {}, 0).item<double>(), std::sqrt(1.25), 1e-15);
  auto f = [](const tg::TensorList& in) { return tg::var(in[0], {1}, 2, true); };
  EXPECT_TRUE(grad_ok(f, {rleaf({2, 5}, 3)}));
}

TEST(ReductionNumerics, FloatSumKeepsItsDigits) {
  // 1e6 copies of 0.1f. A naive running float sum ends about 1% off (each add rounds at
  // the ulp of the running total); a sum that keeps its digits lands within a few float
  // ulps of the exact 1e6 · 0.1f. 16 ulps at 1e5 (ulp = 2^-7) is 0.125.
  tg::Tensor x = tg::full({1000000}, 0.1, tg::kFloat32);
  EXPECT_NEAR(tg::sum(x).item<double>(), 1e6 * static_cast<double>(0.1f), 16 * 0x1p-7);
}

// ---- rank 0 and method forms -----------------------------------------------------------

TEST(ReductionRank0, ReducingAScalarIsTheScalar) {
  tg::Tensor s = tg::scalar_tensor(5.0, tg::kFloat64);
  EXPECT_EQ(tg::sum(s).item<double>(), 5.0);
  EXPECT_EQ(tg::sum(s, {0}).item<double>(), 5.0);
  EXPECT_EQ(tg::sum(s, {-1}, true).item<double>(), 5.0);
  EXPECT_EQ(tg::max(s, {0}).item<double>(), 5.0);
  EXPECT_EQ(tg::mean(s, {0}).item<double>(), 5.0);
  EXPECT_EQ(tg::sum(s, {0}).dim(), 0);
  auto f = [](const tg::TensorList& in) { return tg::sum(in[0] * in[0], {0}); };
  EXPECT_TRUE(grad_ok(f, {leaf({2.0}, {})}));
}

TEST(ReductionMethods, MatchTheFreeFunctions) {
  tg::Tensor x = rleaf({3, 4}, 4).detach();
  auto same = [](const tg::Tensor& a, const tg::Tensor& b) {
    return a.shape() == b.shape() && a.to_vector<double>() == b.to_vector<double>();
  };
  EXPECT_TRUE(same(x.sum(), tg::sum(x)));
  EXPECT_TRUE(same(x.sum({1}, true), tg::sum(x, {1}, true)));
  EXPECT_TRUE(same(x.mean({0}), tg::mean(x, {0})));
  EXPECT_TRUE(same(x.max({1}), tg::max(x, {1})));
  EXPECT_TRUE(same(x.min({-1}, true), tg::min(x, {-1}, true)));
  EXPECT_TRUE(same(x.var({1}, 0), tg::var(x, {1}, 0)));
  EXPECT_TRUE(same(x.std({0}, 1, true), tg::std(x, {0}, 1, true)));
  EXPECT_TRUE(same(x.logsumexp({1}), tg::logsumexp(x, {1})));
  EXPECT_TRUE(same(x.norm({0}), tg::norm(x, {0})));
}

// ---- empty input -------------------------------------------------------------------

TEST(ReductionEmpty, SumOfNothingIsZero) {
  EXPECT_EQ(tg::sum(tg::ones({0, 3})).item<double>(), 0.0);
}

}  // namespace

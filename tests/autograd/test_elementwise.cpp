// Elementwise ops (autograd/src/ops/elementwise.cpp): forward values in float32 and
// float64 against std:: references, gradcheck + gradgradcheck in float64 (broadcasting
// variants included), third-order checks on smooth ops, stable numerics, bad input.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "checks.hpp"
#include "tapegrad/autograd.hpp"

namespace {

using tgtest::grad_ok;
using tgtest::leaf;
using tgtest::rleaf;
using tgtest::throws;
using tgtest::values_near;

// Inputs kept away from every kink (0 for relu/abs/..., ±0.5 for clamp below) by far more
// than the finite-difference step, and a positive set for log/sqrt/rsqrt/fractional pow.
const std::vector<double> kGeneric = {-1.3, -0.4, 0.7, 1.9, -0.8, 0.3};
const std::vector<double> kPositive = {0.3, 0.7, 1.2, 2.5, 0.9, 1.7};

double ref_sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
double ref_gelu(double x) {
  const double k = std::sqrt(2.0 / M_PI);
  return 0.5 * x * (1.0 + std::tanh(k * (x + 0.044715 * x * x * x)));
}

// ---- unary ops: one table, one parameterised test --------------------------------------

struct UnaryCase {
  std::string name;
  std::function<tg::Tensor(const tg::Tensor&)> op;
  std::function<double(double)> ref;
  std::vector<double> inputs;
};

std::vector<UnaryCase> unary_cases() {
  using T = tg::Tensor;
  return {
      {"neg", [](const T& x) { return tg::neg(x); }, [](double x) { return -x; }, kGeneric},
      {"neg_operator", [](const T& x) { return -x; }, [](double x) { return -x; }, kGeneric},
      {"exp", [](const T& x) { return tg::exp(x); }, [](double x) { return std::exp(x); },
       kGeneric},
      {"log", [](const T& x) { return tg::log(x); }, [](double x) { return std::log(x); },
       kPositive},
      {"log1p",
       [](const T& x) { return tg::log1p(x); },
       [](double x) { return std::log1p(x); },
       {-0.6, -0.2, 0.1, 1.5, 3.0, 0.4}},
      {"expm1", [](const T& x) { return tg::expm1(x); }, [](double x) { return std::expm1(x); },
       kGeneric},
      {"sqrt", [](const T& x) { return tg::sqrt(x); }, [](double x) { return std::sqrt(x); },
       kPositive},
      {"rsqrt", [](const T& x) { return tg::rsqrt(x); },
       [](double x) { return 1.0 / std::sqrt(x); }, kPositive},
      {"abs", [](const T& x) { return tg::abs(x); }, [](double x) { return std::abs(x); },
       kGeneric},
      {"square", [](const T& x) { return tg::square(x); }, [](double x) { return x * x; },
       kGeneric},
      {"sin", [](const T& x) { return tg::sin(x); }, [](double x) { return std::sin(x); },
       kGeneric},
      {"cos", [](const T& x) { return tg::cos(x); }, [](double x) { return std::cos(x); },
       kGeneric},
      {"tanh", [](const T& x) { return tg::tanh(x); }, [](double x) { return std::tanh(x); },
       kGeneric},
      {"sigmoid", [](const T& x) { return tg::sigmoid(x); }, ref_sigmoid, kGeneric},
      {"log_sigmoid", [](const T& x) { return tg::log_sigmoid(x); },
       [](double x) { return std::log(ref_sigmoid(x)); }, kGeneric},
      {"softplus", [](const T& x) { return tg::softplus(x); },
       [](double x) { return std::log1p(std::exp(x)); }, kGeneric},
      {"relu", [](const T& x) { return tg::relu(x); }, [](double x) { return std::max(x, 0.0); },
       kGeneric},
      {"leaky_relu", [](const T& x) { return tg::leaky_relu(x, 0.1); },
       [](double x) { return x > 0 ? x : 0.1 * x; }, kGeneric},
      {"leaky_relu_default", [](const T& x) { return tg::leaky_relu(x); },
       [](double x) { return x > 0 ? x : 0.01 * x; }, kGeneric},
      {"elu", [](const T& x) { return tg::elu(x); },
       [](double x) { return x > 0 ? x : std::expm1(x); }, kGeneric},
      {"elu_alpha", [](const T& x) { return tg::elu(x, 0.7); },
       [](double x) { return x > 0 ? x : 0.7 * std::expm1(x); }, kGeneric},
      {"silu", [](const T& x) { return tg::silu(x); }, [](double x) { return x * ref_sigmoid(x); },
       kGeneric},
      {"gelu", [](const T& x) { return tg::gelu(x); }, ref_gelu, kGeneric},
      {"clamp", [](const T& x) { return tg::clamp(x, -0.5, 0.5); },
       [](double x) { return std::clamp(x, -0.5, 0.5); }, kGeneric},
      {"pow_0", [](const T& x) { return tg::pow(x, 0.0); }, [](double) { return 1.0; }, kGeneric},
      {"pow_1", [](const T& x) { return tg::pow(x, 1.0); }, [](double x) { return x; }, kGeneric},
      {"pow_2", [](const T& x) { return tg::pow(x, 2.0); }, [](double x) { return x * x; },
       kGeneric},
      {"pow_3", [](const T& x) { return tg::pow(x, 3.0); }, [](double x) { return x * x * x; },
       kGeneric},
      {"pow_half", [](const T& x) { return tg::pow(x, 0.5); },
       [](double x) { return std::sqrt(x); }, kPositive},
      {"pow_neg", [](const T& x) { return tg::pow(x, -1.5); },
       [](double x) { return std::pow(x, -1.5); }, kPositive},
      {"scalar_add_right", [](const T& x) { return x + 2.5; }, [](double x) { return x + 2.5; },
       kGeneric},
      {"scalar_add_left", [](const T& x) { return 2.5 + x; }, [](double x) { return 2.5 + x; },
       kGeneric},
      {"scalar_sub_right", [](const T& x) { return x - 2.5; }, [](double x) { return x - 2.5; },
       kGeneric},
      {"scalar_sub_left", [](const T& x) { return 2.5 - x; }, [](double x) { return 2.5 - x; },
       kGeneric},
      {"scalar_mul_right", [](const T& x) { return x * 2.5; }, [](double x) { return x * 2.5; },
       kGeneric},
      {"scalar_mul_left", [](const T& x) { return 2.5 * x; }, [](double x) { return 2.5 * x; },
       kGeneric},
      {"scalar_div_right", [](const T& x) { return x / 2.5; }, [](double x) { return x / 2.5; },
       kGeneric},
      {"scalar_div_left", [](const T& x) { return 2.5 / x; }, [](double x) { return 2.5 / x; },
       kGeneric},
  };
}

class Unary : public ::testing::TestWithParam<UnaryCase> {};

TEST_P(Unary, ForwardFloat64) {
  const UnaryCase& c = GetParam();
  tg::Tensor y = c.op(tg::from_vector(c.inputs, {2, 3}, tg::kFloat64));
  ASSERT_EQ(y.dtype(), tg::kFloat64);
  ASSERT_TRUE(tgtest::shape_is(y, {2, 3}));
  std::vector<double> expected;
  for (double x : c.inputs) expected.push_back(c.ref(x));
  EXPECT_TRUE(values_near(y, expected, 1e-14, 1e-12));
}

TEST_P(Unary, ForwardFloat32) {
  const UnaryCase& c = GetParam();
  std::vector<float> in(c.inputs.begin(), c.inputs.end());
  tg::Tensor y = c.op(tg::from_vector(in, {3, 2}, tg::kFloat32));
  ASSERT_EQ(y.dtype(), tg::kFloat32);
  ASSERT_TRUE(tgtest::shape_is(y, {3, 2}));
  std::vector<double> expected;
  for (float x : in) expected.push_back(c.ref(static_cast<double>(x)));
  EXPECT_TRUE(values_near(y, expected, 1e-6, tgtest::kF32Tol));
}

TEST_P(Unary, GradcheckAndGradgradcheck) {
  const UnaryCase& c = GetParam();
  auto f = [&c](const tg::TensorList& in) { return c.op(in[0]); };
  EXPECT_TRUE(grad_ok(f, {leaf(c.inputs, {2, 3})}));
}

TEST_P(Unary, NoGraphWithoutRequiresGrad) {
  const UnaryCase& c = GetParam();
  tg::Tensor y = c.op(tg::from_vector(c.inputs, {6}, tg::kFloat64));
  EXPECT_FALSE(y.requires_grad());
  EXPECT_EQ(y.grad_fn(), nullptr);
}

INSTANTIATE_TEST_SUITE_P(Elementwise, Unary, ::testing::ValuesIn(unary_cases()),
                         [](const auto& info) { return info.param.name; });

// ---- binary ops with NumPy broadcasting ---------------------------------------------------

struct BinaryCase {
  std::string name;
  std::function<tg::Tensor(const tg::Tensor&, const tg::Tensor&)> op;
  std::function<double(double, double)> ref;
  double a_lo, a_hi, b_lo, b_hi;  // input ranges: positive bases, non-zero divisors
};

std::vector<BinaryCase> binary_cases() {
  using T = tg::Tensor;
  return {
      {"add", [](const T& a, const T& b) { return tg::add(a, b); },
       [](double a, double b) { return a + b; }, -1, 1, -1, 1},
      {"add_operator", [](const T& a, const T& b) { return a + b; },
       [](double a, double b) { return a + b; }, -1, 1, -1, 1},
      {"sub", [](const T& a, const T& b) { return tg::sub(a, b); },
       [](double a, double b) { return a - b; }, -1, 1, -1, 1},
      {"sub_operator", [](const T& a, const T& b) { return a - b; },
       [](double a, double b) { return a - b; }, -1, 1, -1, 1},
      {"mul", [](const T& a, const T& b) { return tg::mul(a, b); },
       [](double a, double b) { return a * b; }, -1, 1, -1, 1},
      {"mul_operator", [](const T& a, const T& b) { return a * b; },
       [](double a, double b) { return a * b; }, -1, 1, -1, 1},
      {"div", [](const T& a, const T& b) { return tg::div(a, b); },
       [](double a, double b) { return a / b; }, -1, 1, 0.5, 1.5},
      {"div_operator", [](const T& a, const T& b) { return a / b; },
       [](double a, double b) { return a / b; }, -1, 1, 0.5, 1.5},
      {"pow", [](const T& a, const T& b) { return tg::pow(a, b); },
       [](double a, double b) { return std::pow(a, b); }, 0.5, 1.5, -1.5, 1.5},
      {"minimum", [](const T& a, const T& b) { return tg::minimum(a, b); },
       [](double a, double b) { return std::min(a, b); }, -1, 1, -1, 1},
      {"maximum", [](const T& a, const T& b) { return tg::maximum(a, b); },
       [](double a, double b) { return std::max(a, b); }, -1, 1, -1, 1},
  };
}

struct ShapePair {
  std::string name;
  tg::Shape a, b, out;
};

const std::vector<ShapePair> kShapePairs = {
    {"same", {2, 3}, {2, 3}, {2, 3}},
    {"col_by_row", {3, 1}, {4}, {3, 4}},
    {"scalar_shaped_1", {2, 3}, {1}, {2, 3}},
    {"scalar_shaped_1_left", {1}, {2, 3}, {2, 3}},
    {"rank3_by_rank2", {2, 1, 3}, {4, 1}, {2, 4, 3}},
    {"rank0_left", {}, {2, 3}, {2, 3}},
    {"rank0_right", {2, 3}, {}, {2, 3}},
};

/// Flat index into an operand of shape `s` for the output element `flat` of shape `so`
/// (written out independently of the library's broadcasting kernels).
int64_t broadcast_source(const tg::Shape& s, const tg::Shape& so, int64_t flat) {
  int64_t src = 0, stride = 1;
  for (int d = so.rank() - 1, ds = s.rank() - 1; d >= 0; --d, --ds) {
    const int64_t coord = flat % so[d];
    flat /= so[d];
    if (ds >= 0) {
      if (s[ds] != 1) src += coord * stride;
      stride *= s[ds];
    }
  }
  return src;
}

class Binary : public ::testing::TestWithParam<std::tuple<BinaryCase, ShapePair>> {
 protected:
  const BinaryCase& op() const { return std::get<0>(GetParam()); }
  const ShapePair& shapes() const { return std::get<1>(GetParam()); }
  tg::Tensor a() const { return rleaf(shapes().a, 101, op().a_lo, op().a_hi); }
  tg::Tensor b() const { return rleaf(shapes().b, 202, op().b_lo, op().b_hi); }

  void check_forward(tg::Dtype dtype, double atol, double rtol) const {
    const tg::Tensor a64 = a().detach(), b64 = b().detach();
    tg::Tensor y = op().op(a64.to(dtype), b64.to(dtype));
    ASSERT_EQ(y.dtype(), dtype);
    ASSERT_TRUE(tgtest::shape_is(y, shapes().out));
    // References from the values actually fed in (float32-rounded for float32).
    const auto av = a64.to(dtype).to_vector<double>(), bv = b64.to(dtype).to_vector<double>();
    std::vector<double> expected;
    for (int64_t i = 0; i < shapes().out.numel(); ++i)
      expected.push_back(
          op().ref(av[static_cast<size_t>(broadcast_source(shapes().a, shapes().out, i))],
                   bv[static_cast<size_t>(broadcast_source(shapes().b, shapes().out, i))]));
    EXPECT_TRUE(values_near(y, expected, atol, rtol));
  }
};

TEST_P(Binary, ForwardFloat64) { check_forward(tg::kFloat64, 1e-15, 1e-13); }
TEST_P(Binary, ForwardFloat32) { check_forward(tg::kFloat32, 1e-6, tgtest::kF32Tol); }

TEST_P(Binary, GradcheckAndGradgradcheck) {
  const BinaryCase& c = op();
  auto f = [&c](const tg::TensorList& in) { return c.op(in[0], in[1]); };
  EXPECT_TRUE(grad_ok(f, {a(), b()}));
}

TEST_P(Binary, GradientHasInputShape) {
  tg::Tensor x = a(), y = b();
  auto g = tg::grad({op().op(x, y).sum()}, {x, y});
  EXPECT_TRUE(tgtest::shape_is(g[0], shapes().a));
  EXPECT_TRUE(tgtest::shape_is(g[1], shapes().b));
}

INSTANTIATE_TEST_SUITE_P(Elementwise, Binary,
                         ::testing::Combine(::testing::ValuesIn(binary_cases()),
                                            ::testing::ValuesIn(kShapePairs)),
                         [](const auto& info) {
                           return std::get<0>(info.param).name + "_" + std::get<1>(info.param).name;
                         });

// Binary ops: shapes that do not broadcast, and float32 mixed with float64.
class BinaryBadInput : public ::testing::TestWithParam<BinaryCase> {};

TEST_P(BinaryBadInput, ShapeMismatchNamesOpAndShapes) {
  const BinaryCase& c = GetParam();
  const std::string op_name = c.name.substr(0, c.name.find('_'));
  tg::Tensor a = tg::ones({2, 3}, tg::kFloat64), b = tg::ones({4}, tg::kFloat64);
  EXPECT_TRUE(throws<tg::ShapeError>([&] { c.op(a, b); }, {op_name, "[2, 3]", "[4]"}));
}

TEST_P(BinaryBadInput, MixedDtypesThrowDtypeError) {
  const BinaryCase& c = GetParam();
  const std::string op_name = c.name.substr(0, c.name.find('_'));
  tg::Tensor a = tg::ones({2, 3}, tg::kFloat32), b = tg::ones({2, 3}, tg::kFloat64);
  EXPECT_TRUE(
      throws<tg::DtypeError>([&] { c.op(a, b); }, {op_name, "float32", "float64", "[2, 3]"}));
  EXPECT_TRUE(throws<tg::DtypeError>([&] { c.op(b, a); }, {op_name, "float32", "float64"}));
}

INSTANTIATE_TEST_SUITE_P(Elementwise, BinaryBadInput, ::testing::ValuesIn(binary_cases()),
                         [](const auto& info) { return info.param.name; });

// ---- minimum / maximum ties -----------------------------------------------------------

TEST(ElementwiseTies, MinimumAndMaximumSplitTiesEqually) {
  tg::Tensor a = leaf({1.0, 2.0, 3.0}, {3});
  tg::Tensor b = leaf({1.0, 5.0, 0.0}, {3});
  auto gmax = tg::grad({tg::maximum(a, b).sum()}, {a, b});
  EXPECT_TRUE(values_near(gmax[0], {0.5, 0, 1}));
  EXPECT_TRUE(values_near(gmax[1], {0.5, 1, 0}));
  auto gmin = tg::grad({tg::minimum(a, b).sum()}, {a, b});
  EXPECT_TRUE(values_near(gmin[0], {0.5, 1, 0}));
  EXPECT_TRUE(values_near(gmin[1], {0.5, 0, 1}));
}

// ---- where ----------------------------------------------------------------------------

TEST(ElementwiseWhere, ValuesBothDtypes) {
  for (tg::Dtype d : {tg::kFloat32, tg::kFloat64}) {
    tg::Tensor cond = tg::from_vector(std::vector<double>{1, 0}, {2, 1}, d);
    tg::Tensor a = tg::from_vector(std::vector<double>{1, 2, 3, 4, 5, 6}, {2, 3}, d);
    tg::Tensor b = tg::from_vector(std::vector<double>{-1, -2, -3}, {3}, d);
    tg::Tensor y = tg::where(cond, a, b);
    EXPECT_EQ(y.dtype(), d);
    EXPECT_TRUE(values_near(y, {1, 2, 3, -1, -2, -3}));
  }
}

TEST(ElementwiseWhere, GradcheckBroadcastCondition) {
  tg::Tensor cond = tg::from_vector(std::vector<double>{1, 0}, {2, 1}, tg::kFloat64);
  auto f = [&cond](const tg::TensorList& in) { return tg::where(cond, in[0], in[1]) * in[0]; };
  EXPECT_TRUE(grad_ok(f, {rleaf({2, 3}, 1), rleaf({3}, 2)}));
  tg::Tensor a = rleaf({2, 3}, 1), b = rleaf({3}, 2);
  auto g = tg::grad({tg::where(cond, a, b).sum()}, {a, b});
  EXPECT_TRUE(values_near(g[0], {1, 1, 1, 0, 0, 0}));
  EXPECT_TRUE(values_near(g[1], {1, 1, 1}));
}

TEST(ElementwiseWhere, BadInput) {
  tg::Tensor c = tg::ones({2}, tg::kFloat64);
  EXPECT_TRUE(throws<tg::DtypeError>(
      [&] { tg::where(c, tg::ones({2}, tg::kFloat32), tg::ones({2}, tg::kFloat64)); },
      {"where", "float32", "float64"}));
  EXPECT_TRUE(throws<tg::ShapeError>(
      [&] { tg::where(c, tg::ones({3}, tg::kFloat64), tg::ones({3}, tg::kFloat64)); },
      {"where", "[2]", "[3]"}));
}

// ---- comparisons ----------------------------------------------------------------------

TEST(ElementwiseComparisons, MasksAreValuesWithoutGraph) {
  using T = tg::Tensor;
  struct Cmp {
    const char* name;
    std::function<T(const T&, const T&)> f;
    std::vector<double> expected;
  };
  // a = [1, 2, 3] against b = [2] broadcast: <, =, >.
  const std::vector<Cmp> cmps = {
      {"eq", [](const T& a, const T& b) { return tg::eq(a, b); }, {0, 1, 0}},
      {"ne", [](const T& a, const T& b) { return tg::ne(a, b); }, {1, 0, 1}},
      {"lt", [](const T& a, const T& b) { return tg::lt(a, b); }, {1, 0, 0}},
      {"le", [](const T& a, const T& b) { return tg::le(a, b); }, {1, 1, 0}},
      {"gt", [](const T& a, const T& b) { return tg::gt(a, b); }, {0, 0, 1}},
      {"ge", [](const T& a, const T& b) { return tg::ge(a, b); }, {0, 1, 1}},
      {"==", [](const T& a, const T& b) { return a == b; }, {0, 1, 0}},
      {"!=", [](const T& a, const T& b) { return a != b; }, {1, 0, 1}},
      {"<", [](const T& a, const T& b) { return a < b; }, {1, 0, 0}},
      {"<=", [](const T& a, const T& b) { return a <= b; }, {1, 1, 0}},
      {">", [](const T& a, const T& b) { return a > b; }, {0, 0, 1}},
      {">=", [](const T& a, const T& b) { return a >= b; }, {0, 1, 1}},
      {"> scalar", [](const T& a, const T&) { return a > 2.0; }, {0, 0, 1}},
      {"< scalar", [](const T& a, const T&) { return a < 2.0; }, {1, 0, 0}},
  };
  for (tg::Dtype d : {tg::kFloat32, tg::kFloat64}) {
    for (const auto& c : cmps) {
      SCOPED_TRACE(c.name);
      tg::Tensor a = tg::from_vector(std::vector<double>{1, 2, 3}, {3}, d).requires_grad_();
      tg::Tensor b = tg::from_vector(std::vector<double>{2}, {1}, d).requires_grad_();
      tg::Tensor m = c.f(a, b);
      EXPECT_EQ(m.dtype(), d);
      EXPECT_TRUE(values_near(m, c.expected));
      EXPECT_FALSE(m.requires_grad());
      EXPECT_EQ(m.grad_fn(), nullptr);
    }
  }
}

TEST(ElementwiseComparisons, MaskTimesInputHasMaskedGradient) {
  tg::Tensor x = leaf({-1.0, 2.0, -3.0, 4.0}, {4});
  tg::Tensor g = tg::grad({(x * (x > 0.0)).sum()}, {x})[0];
  EXPECT_TRUE(values_near(g, {0, 1, 0, 1}));
}

TEST(ElementwiseComparisons, BadInput) {
  EXPECT_TRUE(throws<tg::ShapeError>(
      [] {
        tg::lt(tg::ones({2, 3}), tg::ones({2}));
      },
      {"lt", "[2, 3]", "[2]"}));
  EXPECT_TRUE(throws<tg::DtypeError>(
      [] { tg::eq(tg::ones({2}, tg::kFloat32), tg::ones({2}, tg::kFloat64)); },
      {"eq", "float32", "float64"}));
}

// ---- third order on smooth ops --------------------------------------------------------

TEST(ElementwiseThirdOrder, SmoothUnaryOps) {
  using T = tg::Tensor;
  const std::vector<std::pair<const char*, std::function<T(const T&)>>> ops = {
      {"exp", [](const T& x) { return tg::exp(x); }},
      {"tanh", [](const T& x) { return tg::tanh(x); }},
      {"sigmoid", [](const T& x) { return tg::sigmoid(x); }},
      {"softplus", [](const T& x) { return tg::softplus(x); }},
      {"log_sigmoid", [](const T& x) { return tg::log_sigmoid(x); }},
      {"pow_3", [](const T& x) { return tg::pow(x, 3.0); }},
  };
  for (const auto& [name, op] : ops) {
    SCOPED_TRACE(name);
    auto f = [&op](const tg::TensorList& in) { return op(in[0]) * in[1]; };
    EXPECT_TRUE(tgtest::third_order_ok(f, {leaf(kGeneric, {6}), rleaf({6}, 5)}));
  }
}

// ---- numerics at the edges ------------------------------------------------------------

TEST(ElementwiseNumerics, StableFormsAtPlusMinus1000) {
  for (tg::Dtype d : {tg::kFloat32, tg::kFloat64}) {
    tg::Tensor x = tg::from_vector(std::vector<double>{-1000, 1000}, {2}, d);
    EXPECT_TRUE(values_near(tg::softplus(x), {0, 1000}));
    EXPECT_TRUE(values_near(tg::log_sigmoid(x), {-1000, 0}));
    EXPECT_TRUE(values_near(tg::sigmoid(x), {0, 1}));
    EXPECT_TRUE(values_near(tg::tanh(x), {-1, 1}));
    EXPECT_TRUE(values_near(tg::silu(x), {0, 1000}));
    // Gradients stay finite too: softplus' = σ(x), log_sigmoid' = σ(−x).
    tg::Tensor xg = x.detach().clone().to(tg::kFloat64).requires_grad_();
    EXPECT_TRUE(values_near(tg::grad({tg::softplus(xg).sum()}, {xg})[0], {0, 1}));
    EXPECT_TRUE(values_near(tg::grad({tg::log_sigmoid(xg).sum()}, {xg})[0], {1, 0}));
    EXPECT_TRUE(values_near(tg::grad({tg::sigmoid(xg).sum()}, {xg})[0], {0, 0}));
  }
}

TEST(ElementwiseNumerics, SecondDerivativeOfSquareAtZeroIsTwo) {
  using T = tg::Tensor;
  const std::vector<std::pair<const char*, std::function<T(const T&)>>> squares = {
      {"pow(x, 2.0)", [](const T& x) { return tg::pow(x, 2.0); }},
      {"square", [](const T& x) { return tg::square(x); }},
      {"pow(x, tensor 2)", [](const T& x) { return tg::pow(x, tg::full({1}, 2.0, tg::kFloat64)); }},
  };
  for (const auto& [name, sq] : squares) {
    SCOPED_TRACE(name);
    tg::Tensor x = leaf({0.0}, {1});
    tg::Tensor g = tg::grad({sq(x).sum()}, {x}, {.create_graph = true})[0];
    EXPECT_EQ(g.item<double>(), 0.0);
    tg::Tensor h = tg::grad({g.sum()}, {x})[0];
    EXPECT_EQ(h.item<double>(), 2.0);
  }
}

TEST(ElementwiseNumerics, ThirdDerivativeOfCubeAtZeroIsSix) {
  tg::Tensor x = leaf({0.0}, {1});
  tg::Tensor g1 = tg::grad({tg::pow(x, 3.0).sum()}, {x}, {.create_graph = true})[0];
  tg::Tensor g2 = tg::grad({g1.sum()}, {x}, {.create_graph = true})[0];
  tg::Tensor g3 = tg::grad({g2.sum()}, {x})[0];
  EXPECT_EQ(g1.item<double>(), 0.0);
  EXPECT_EQ(g2.item<double>(), 0.0);
  EXPECT_EQ(g3.item<double>(), 6.0);
}

TEST(ElementwiseNumerics, TensorPowExponentGradientAtZeroBaseIsFinite) {
  // ∂aᵇ/∂b = aᵇ log a is taken as 0 at a = 0, and stays finite in double backward.
  tg::Tensor a = leaf({0.0, 2.0}, {2});
  tg::Tensor b = leaf({2.0, 3.0}, {2});
  tg::Tensor gb = tg::grad({tg::pow(a, b).sum()}, {b}, {.create_graph = true})[0];
  EXPECT_TRUE(values_near(gb, {0.0, 8.0 * std::log(2.0)}, 1e-14));
  auto gg = tg::grad({gb.sum()}, {a, b});
  EXPECT_FALSE(tg::has_non_finite(gg[0]));
  EXPECT_FALSE(tg::has_non_finite(gg[1]));
}

TEST(ElementwiseNumerics, HasNonFinite) {
  EXPECT_FALSE(tg::has_non_finite(tg::ones({3})));
  EXPECT_TRUE(tg::has_non_finite(tg::log(tg::zeros({2}, tg::kFloat64))));
  EXPECT_TRUE(tg::has_non_finite(tg::sqrt(tg::full({1}, -1.0))));
}

TEST(ElementwiseNumerics, SignHasNoGradient) {
  tg::Tensor x = leaf({-2.0, 0.0, 3.0}, {3});
  EXPECT_TRUE(values_near(tg::sign(x), {-1, 0, 1}));
  EXPECT_FALSE(tg::sign(x).requires_grad());
}

// ---- other bad input ------------------------------------------------------------------

TEST(ElementwiseBadInput, ClampWithLoAboveHi) {
  EXPECT_TRUE(
      throws<tg::ValueError>([] { tg::clamp(tg::ones({2}), 1.0, -1.0); }, {"clamp", "lo", "hi"}));
}

TEST(ElementwiseBadInput, UndefinedTensorNamesTheOp) {
  EXPECT_TRUE(throws<tg::Error>([] { tg::exp(tg::Tensor()); }, {"exp", "undefined"}));
  EXPECT_TRUE(throws<tg::Error>([] { tg::add(tg::Tensor(), tg::ones({1})); }, {"add"}));
  EXPECT_TRUE(
      throws<tg::Error>([] { tg::where(tg::ones({1}), tg::Tensor(), tg::ones({1})); }, {"where"}));
}

}  // namespace

namespace {

// ---- the checkers themselves can fail ---------------------------------------------------

// x² whose rule is 2x·g with x detached: right to first order, wrong to second.
tg::Tensor square_detached_rule(const tg::Tensor& x) {
  tg::Tensor y;
  {
    tg::NoGradGuard values_only;
    y = x * x;
  }
  return tg::record("square_detached_rule", {x}, y, {x}, [](tg::BackwardContext& c) {
    return tg::TensorList{c.grad() * c.saved(0).detach() * 2.0};
  });
}

// x² whose rule forgets the factor 2.
tg::Tensor square_wrong_rule(const tg::Tensor& x) {
  tg::Tensor y;
  {
    tg::NoGradGuard values_only;
    y = x * x;
  }
  return tg::record("square_wrong_rule", {x}, y, {x},
                    [](tg::BackwardContext& c) { return tg::TensorList{c.grad() * c.saved(0)}; });
}

TEST(GradcheckSelfTest, CatchesWrongFirstAndSecondOrderRules) {
  tg::Tensor x = leaf({0.5, -1.5, 2.0}, {3});
  auto detached = [](const tg::TensorList& in) { return square_detached_rule(in[0]); };
  auto wrong = [](const tg::TensorList& in) { return square_wrong_rule(in[0]); };
  EXPECT_TRUE(tg::gradcheck(detached, {x}));
  EXPECT_FALSE(tg::gradgradcheck(detached, {x}));
  EXPECT_FALSE(grad_ok(detached, {x}));
  EXPECT_FALSE(tg::gradcheck(wrong, {x}));
  EXPECT_FALSE(grad_ok(wrong, {x}));
}

}  // namespace

// The op table's elementwise entries (autograd/include/tapegrad/autograd/ops/elementwise.hpp).
#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "entries.hpp"

namespace tgtest::entries {

namespace {

// Away from every kink (0 for relu/abs/..., ±0.5 for clamp), and a positive set for
// log/sqrt/rsqrt/fractional pow.
const std::vector<double> kGeneric = {-1.3, -0.4, 0.7, 1.9, -0.8, 0.3};
const std::vector<double> kPositive = {0.3, 0.7, 1.2, 2.5, 0.9, 1.7};

double ref_sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
double ref_normal_cdf(double x) { return 0.5 * (1.0 + std::erf(x / std::sqrt(2.0))); }
double ref_gelu(double x) { return x * ref_normal_cdf(x); }
double ref_gelu_tanh(double x) {
  const double k = std::sqrt(2.0 / M_PI);
  return 0.5 * x * (1.0 + std::tanh(k * (x + 0.044715 * x * x * x)));
}

using UnaryRef = double (*)(double);

/// A unary op on a matrix and on a scalar of the same values.
std::vector<Sample> unary_samples(const std::vector<double>& values) {
  return {{"matrix", {{.shape = {2, 3}, .values = values}}},
          {"rank0", {{.shape = {}, .values = {values[2]}}}}};
}

OpEntry unary(std::string label, std::string name, std::function<Tensor(const Tensor&)> op,
              UnaryRef ref, const std::vector<double>& values, bool smooth = false) {
  OpEntry e{.label = std::move(label),
            .name = std::move(name),
            .fn = [op](const TensorList& in) { return op(in[0]); },
            .samples = unary_samples(values),
            .reference = [ref](const std::vector<double>& v) { return ref(v[0]); },
            .smooth = smooth};
  // The message names the primitive that meets the undefined tensor first.
  e.bad.push_back({"undefined_input", K::Any, {"undefined"}, [op] { op(Tensor()); }});
  return e;
}

struct ShapePair {
  std::string name;
  Shape a, b;
};

const std::vector<ShapePair> kShapePairs = {
    {"same", {2, 3}, {2, 3}},
    {"col_by_row", {3, 1}, {4}},
    {"scalar_shaped_1", {2, 3}, {1}},
    {"scalar_shaped_1_left", {1}, {2, 3}},
    {"rank3_by_rank2", {2, 1, 3}, {4, 1}},
    {"rank0_left", {}, {2, 3}},
    {"rank0_right", {2, 3}, {}},
};

using BinaryOp = std::function<Tensor(const Tensor&, const Tensor&)>;

/// Shapes that do not broadcast, and float32 mixed with float64, in both orders.
std::vector<BadInput> binary_bad(const std::string& name, const BinaryOp& op) {
  return {
      {"shapes_do_not_fit",
       K::Shape,
       {name, "[2, 3]", "[4, 3]"},
       [op] {
         op(f32({2, 3}), f32({4, 3}));
       }},
      {"shapes_do_not_broadcast",
       K::Shape,
       {name, "[2, 3]", "[4]"},
       [op] {
         op(f64({2, 3}), f64({4}));
       }},
      {"mixes_float32_and_float64",
       K::Dtype,
       {name, "float32", "float64"},
       [op] {
         op(f32({3, 3}), f64({3, 3}));
       }},
      {"mixes_float32_and_float64_names_the_shape",
       K::Dtype,
       {name, "float32", "float64", "[2, 3]"},
       [op] {
         op(f32({2, 3}), f64({2, 3}));
       }},
      {"mixes_float64_and_float32",
       K::Dtype,
       {name, "float32", "float64"},
       [op] {
         op(f64({2, 3}), f32({2, 3}));
       }},
  };
}

/// A broadcasting binary op over every pair of kShapePairs; a in [a_lo, a_hi), b in
/// [b_lo, b_hi) (positive bases, divisors away from 0).
OpEntry binary(std::string label, std::string name, BinaryOp op, double (*ref)(double, double),
               double a_lo = -1, double a_hi = 1, double b_lo = -1, double b_hi = 1) {
  OpEntry e{.label = std::move(label),
            .name = std::move(name),
            .fn = [op](const TensorList& in) { return op(in[0], in[1]); },
            .reference = [ref](const std::vector<double>& v) { return ref(v[0], v[1]); },
            .f64_atol = 1e-15,
            .f64_rtol = 1e-13,
            .broadcasts = true};
  for (const auto& p : kShapePairs)
    e.samples.push_back({p.name,
                         {{.shape = p.a, .seed = 101, .lo = a_lo, .hi = a_hi},
                          {.shape = p.b, .seed = 202, .lo = b_lo, .hi = b_hi}}});
  e.bad = binary_bad(e.name, op);
  e.bad.push_back(nan_operand(e.fn, e.name));
  e.bad.push_back({"undefined_operand", K::Any, {e.name}, [op] { op(Tensor(), tg::ones({1})); }});
  return e;
}

/// tg::eq and the other comparisons are overloaded for a scalar on either side: this picks
/// the tensor-tensor form.
using TensorComparison = Tensor (*)(const Tensor&, const Tensor&);
constexpr TensorComparison tensor_form(TensorComparison f) { return f; }

/// A comparison: a mask, recorded nowhere; a = [1, 2, 3] against b = [2]: <, =, >.
OpEntry comparison(std::string label, std::string name, BinaryOp op,
                   double (*ref)(double, double)) {
  OpEntry e{.label = std::move(label),
            .name = std::move(name),
            .fn = [op](const TensorList& in) { return op(in[0], in[1]); },
            .samples = {{"lt_eq_gt",
                         {{.shape = {3}, .values = {1, 2, 3}}, {.shape = {1}, .values = {2}}}}},
            .reference = [ref](const std::vector<double>& v) { return ref(v[0], v[1]); },
            .differentiable = false,
            .broadcasts = true,
            .anomaly_op = ""};
  e.bad = binary_bad(e.name, op);
  return e;
}

}  // namespace

void add_elementwise(std::vector<OpEntry>& t) {
  using T = Tensor;
  // Unary ops and the scalar forms of the arithmetic operators.
  t.push_back(unary(
      "neg", "neg", tg::neg, [](double x) { return -x; }, kGeneric));
  t.push_back(unary(
      "neg_operator", "neg", [](const T& x) { return -x; }, [](double x) { return -x; }, kGeneric));
  t.push_back(unary(
      "exp", "exp", tg::exp, [](double x) { return std::exp(x); }, kGeneric, true));
  t.back().bad.push_back(
      {"undefined_input_names_exp", K::Any, {"exp", "undefined"}, [] { tg::exp(Tensor()); }});
  t.push_back(unary(
      "log", "log", tg::log, [](double x) { return std::log(x); }, kPositive, true));
  t.push_back(unary(
      "log1p", "log1p", tg::log1p, [](double x) { return std::log1p(x); },
      {-0.6, -0.2, 0.1, 1.5, 3.0, 0.4}, true));
  t.push_back(unary(
      "expm1", "expm1", tg::expm1, [](double x) { return std::expm1(x); }, kGeneric, true));
  t.push_back(unary(
      "sqrt", "sqrt", tg::sqrt, [](double x) { return std::sqrt(x); }, kPositive, true));
  t.push_back(unary(
      "rsqrt", "rsqrt", tg::rsqrt, [](double x) { return 1.0 / std::sqrt(x); }, kPositive, true));
  t.push_back(unary(
      "abs", "abs", tg::abs, [](double x) { return std::abs(x); }, kGeneric));
  t.push_back(unary(
      "square", "pow", tg::square, [](double x) { return x * x; }, kGeneric, true));
  t.push_back(unary(
      "sin", "sin", tg::sin, [](double x) { return std::sin(x); }, kGeneric, true));
  t.push_back(unary(
      "cos", "cos", tg::cos, [](double x) { return std::cos(x); }, kGeneric, true));
  t.push_back(unary(
      "tanh", "tanh", tg::tanh, [](double x) { return std::tanh(x); }, kGeneric, true));
  t.push_back(unary("sigmoid", "sigmoid", tg::sigmoid, ref_sigmoid, kGeneric, true));
  t.push_back(unary(
      "log_sigmoid", "log_sigmoid", tg::log_sigmoid,
      [](double x) { return std::log(ref_sigmoid(x)); }, kGeneric, true));
  t.push_back(unary(
      "softplus", "softplus", tg::softplus, [](double x) { return std::log1p(std::exp(x)); },
      kGeneric, true));
  t.push_back(unary(
      "relu", "relu", tg::relu, [](double x) { return std::max(x, 0.0); }, kGeneric));
  t.push_back(unary(
      "leaky_relu", "leaky_relu", [](const T& x) { return tg::leaky_relu(x, 0.1); },
      [](double x) { return x > 0 ? x : 0.1 * x; }, kGeneric));
  t.push_back(unary(
      "leaky_relu_default", "leaky_relu", [](const T& x) { return tg::leaky_relu(x); },
      [](double x) { return x > 0 ? x : 0.01 * x; }, kGeneric));
  t.push_back(unary(
      "elu", "elu", [](const T& x) { return tg::elu(x); },
      [](double x) { return x > 0 ? x : std::expm1(x); }, kGeneric));
  t.push_back(unary(
      "elu_alpha", "elu", [](const T& x) { return tg::elu(x, 0.7); },
      [](double x) { return x > 0 ? x : 0.7 * std::expm1(x); }, kGeneric));
  t.push_back(unary(
      "silu", "silu", tg::silu, [](double x) { return x * ref_sigmoid(x); }, kGeneric, true));
  t.push_back(unary(
      "gelu", "gelu", [](const T& x) { return tg::gelu(x); }, ref_gelu, kGeneric, true));
  t.push_back(unary(
      "gelu_tanh", "gelu_tanh", [](const T& x) { return tg::gelu(x, tg::GeluApproximate::Tanh); },
      ref_gelu_tanh, kGeneric, true));
  t.push_back(unary("normal_cdf", "normal_cdf", tg::normal_cdf, ref_normal_cdf, kGeneric, true));
  t.push_back(unary(
      "clamp", "clamp", [](const T& x) { return tg::clamp(x, -0.5, 0.5); },
      [](double x) { return std::clamp(x, -0.5, 0.5); }, kGeneric));
  t.push_back(unary(
      "pow_0", "pow", [](const T& x) { return tg::pow(x, 0.0); }, [](double) { return 1.0; },
      kGeneric));
  t.push_back(unary(
      "pow_1", "pow", [](const T& x) { return tg::pow(x, 1.0); }, [](double x) { return x; },
      kGeneric));
  t.push_back(unary(
      "pow_2", "pow", [](const T& x) { return tg::pow(x, 2.0); }, [](double x) { return x * x; },
      kGeneric));
  t.push_back(unary(
      "pow_3", "pow", [](const T& x) { return tg::pow(x, 3.0); },
      [](double x) { return x * x * x; }, kGeneric, true));
  t.push_back(unary(
      "pow_half", "pow", [](const T& x) { return tg::pow(x, 0.5); },
      [](double x) { return std::sqrt(x); }, kPositive, true));
  t.push_back(unary(
      "pow_neg", "pow", [](const T& x) { return tg::pow(x, -1.5); },
      [](double x) { return std::pow(x, -1.5); }, kPositive, true));
  t.push_back(unary(
      "scalar_add_right", "add_scalar", [](const T& x) { return x + 2.5; },
      [](double x) { return x + 2.5; }, kGeneric));
  t.push_back(unary(
      "scalar_add_left", "add_scalar", [](const T& x) { return 2.5 + x; },
      [](double x) { return 2.5 + x; }, kGeneric));
  t.push_back(unary(
      "scalar_sub_right", "add_scalar", [](const T& x) { return x - 2.5; },
      [](double x) { return x - 2.5; }, kGeneric));
  t.push_back(unary(
      "scalar_sub_left", "add_scalar", [](const T& x) { return 2.5 - x; },
      [](double x) { return 2.5 - x; }, kGeneric));
  t.push_back(unary(
      "scalar_mul_right", "mul_scalar", [](const T& x) { return x * 2.5; },
      [](double x) { return x * 2.5; }, kGeneric));
  t.push_back(unary(
      "scalar_mul_left", "mul_scalar", [](const T& x) { return 2.5 * x; },
      [](double x) { return 2.5 * x; }, kGeneric));
  t.push_back(unary(
      "scalar_div_right", "mul_scalar", [](const T& x) { return x / 2.5; },
      [](double x) { return x / 2.5; }, kGeneric));
  t.push_back(unary(
      "scalar_div_left", "mul_scalar", [](const T& x) { return 2.5 / x; },
      [](double x) { return 2.5 / x; }, kGeneric));
  t.push_back(unary(
      "sign", "sign", tg::sign, [](double x) { return static_cast<double>((x > 0) - (x < 0)); },
      kGeneric));
  t.back().differentiable = false;
  t.back().anomaly_op = "";

  // Where anomaly mode finds a non-finite output (the sweep); square's primitive is pow,
  // and float32 overflows at 1e30².
  const std::vector<std::pair<std::string, double>> non_finite = {
      {"exp", 1000.0},     {"log", -1.0},        {"log1p", -2.0},   {"expm1", 1000.0},
      {"sqrt", -1.0},      {"rsqrt", 0.0},       {"abs", NAN},      {"neg", NAN},
      {"square", 1e30},    {"sin", INFINITY},    {"cos", INFINITY}, {"tanh", NAN},
      {"sigmoid", NAN},    {"log_sigmoid", NAN}, {"softplus", NAN}, {"relu", NAN},
      {"leaky_relu", NAN}, {"elu", NAN},         {"silu", NAN},     {"gelu", NAN},
      {"gelu_tanh", NAN},  {"normal_cdf", NAN},  {"clamp", NAN},    {"pow_half", -1.0}};
  for (const auto& [label, value] : non_finite)
    for (auto& e : t)
      if (e.label == label) e.non_finite_at = value;

  for (auto& e : t)
    if (e.label == "clamp") {
      e.bad.push_back({"lo_above_hi", K::Value, {"clamp", "lo = 1", "hi = -1"}, [] {
                         tg::clamp(f32({3}), 1, -1);
                       }});
      e.bad.push_back({"lo_above_hi_f32_2", K::Value, {"clamp", "lo", "hi"}, [] {
                         tg::clamp(tg::ones({2}), 1.0, -1.0);
                       }});
    }

  // Binary ops with broadcasting, as functions and as operators.
  auto plus = [](double a, double b) { return a + b; };
  auto minus = [](double a, double b) { return a - b; };
  auto times = [](double a, double b) { return a * b; };
  auto over = [](double a, double b) { return a / b; };
  t.push_back(binary("add", "add", tg::add, plus));
  t.push_back(binary(
      "add_operator", "add", [](const T& a, const T& b) { return a + b; }, plus));
  t.push_back(binary("sub", "sub", tg::sub, minus));
  t.push_back(binary(
      "sub_operator", "sub", [](const T& a, const T& b) { return a - b; }, minus));
  t.push_back(binary("mul", "mul", tg::mul, times));
  t.push_back(binary(
      "mul_operator", "mul", [](const T& a, const T& b) { return a * b; }, times));
  t.push_back(binary("div", "div", tg::div, over, -1, 1, 0.5, 1.5));
  t.push_back(binary(
      "div_operator", "div", [](const T& a, const T& b) { return a / b; }, over, -1, 1, 0.5, 1.5));
  t.push_back(binary(
      "pow_tensor", "pow", [](const T& a, const T& b) { return tg::pow(a, b); },
      [](double a, double b) { return std::pow(a, b); }, 0.5, 1.5, -1.5, 1.5));
  t.push_back(
      binary("minimum", "minimum", tg::minimum, [](double a, double b) { return std::min(a, b); }));
  t.push_back(
      binary("maximum", "maximum", tg::maximum, [](double a, double b) { return std::max(a, b); }));
  for (auto& e : t)
    if (e.label == "mul" || e.label == "div" || e.label == "pow_tensor") e.smooth = true;
  for (auto& e : t)
    if (e.label == "div")
      e.bad.push_back({"by_zero_in_anomaly_mode",
                       K::Anomaly,
                       {"'div'", "[3]"},
                       [] { f32({3}).requires_grad_() / tg::zeros({3}); },
                       true});

  // where(a > 0, a, b): the mask is taken from the first operand, away from 0.
  OpEntry where = binary(
      "where", "where", [](const T& a, const T& b) { return tg::where(a > 0.0, a, b); },
      [](double a, double b) { return a > 0 ? a : b; });
  where.anomaly_op = "";
  // An undefined first operand fails in the mask's gt, and a NaN one is not selected.
  std::erase_if(where.bad, [](const BadInput& b) {
    return b.what == "undefined_operand" || b.what == "nan_operand_in_anomaly_mode";
  });
  where.bad.push_back({"mask_shape", K::Shape, {"where", "[4]", "[3]"}, [] {
                         tg::where(tg::ones({4}) > 0.0, f32({3}), f32({3}));
                       }});
  where.bad.push_back({"operands_mix_dtypes", K::Dtype, {"where", "float32", "float64"}, [] {
                         tg::where(tg::ones({2}, tg::kFloat64), tg::ones({2}, tg::kFloat32),
                                   tg::ones({2}, tg::kFloat64));
                       }});
  where.bad.push_back({"mask_does_not_fit_operands", K::Shape, {"where", "[2]", "[3]"}, [] {
                         tg::where(tg::ones({2}, tg::kFloat64), tg::ones({3}, tg::kFloat64),
                                   tg::ones({3}, tg::kFloat64));
                       }});
  where.bad.push_back({"undefined_operand", K::Any, {"where"}, [] {
                         tg::where(tg::ones({1}), Tensor(), tg::ones({1}));
                       }});
  t.push_back(std::move(where));
  // A fixed mask broadcast over the rows; times a so the second order is not trivial.
  const Tensor mask = tg::from_vector(std::vector<double>{1, 0}, {2, 1}, tg::kFloat64);
  t.push_back(
      {.label = "where_fixed_mask",
       .name = "where",
       .fn = [mask](const TensorList& in) { return tg::where(mask, in[0], in[1]) * in[0]; },
       .samples = {{"broadcast_mask", {{.shape = {2, 3}, .seed = 1}, {.shape = {3}, .seed = 2}}}}});

  t.push_back(comparison("eq", "eq", tensor_form(tg::eq),
                         [](double a, double b) { return a == b ? 1.0 : 0.0; }));
  t.push_back(comparison("ne", "ne", tensor_form(tg::ne),
                         [](double a, double b) { return a != b ? 1.0 : 0.0; }));
  t.push_back(comparison("lt", "lt", tensor_form(tg::lt),
                         [](double a, double b) { return a < b ? 1.0 : 0.0; }));
  t.push_back(comparison("le", "le", tensor_form(tg::le),
                         [](double a, double b) { return a <= b ? 1.0 : 0.0; }));
  t.push_back(comparison("gt", "gt", tensor_form(tg::gt),
                         [](double a, double b) { return a > b ? 1.0 : 0.0; }));
  t.push_back(comparison("ge", "ge", tensor_form(tg::ge),
                         [](double a, double b) { return a >= b ? 1.0 : 0.0; }));
  t.push_back(comparison(
      "eq_operator", "eq", [](const T& a, const T& b) { return a == b; },
      [](double a, double b) { return a == b ? 1.0 : 0.0; }));
  t.push_back(comparison(
      "ne_operator", "ne", [](const T& a, const T& b) { return a != b; },
      [](double a, double b) { return a != b ? 1.0 : 0.0; }));
  t.push_back(comparison(
      "lt_operator", "lt", [](const T& a, const T& b) { return a < b; },
      [](double a, double b) { return a < b ? 1.0 : 0.0; }));
  t.push_back(comparison(
      "le_operator", "le", [](const T& a, const T& b) { return a <= b; },
      [](double a, double b) { return a <= b ? 1.0 : 0.0; }));
  t.push_back(comparison(
      "gt_operator", "gt", [](const T& a, const T& b) { return a > b; },
      [](double a, double b) { return a > b ? 1.0 : 0.0; }));
  t.push_back(comparison(
      "ge_operator", "ge", [](const T& a, const T& b) { return a >= b; },
      [](double a, double b) { return a >= b ? 1.0 : 0.0; }));
  // The scalar forms compare with 2 (the second operand is ignored).
  t.push_back(comparison(
      "gt_scalar", "gt", [](const T& a, const T&) { return a > 2.0; },
      [](double a, double) { return a > 2 ? 1.0 : 0.0; }));
  t.back().bad.clear();
  t.push_back(comparison(
      "lt_scalar", "lt", [](const T& a, const T&) { return a < 2.0; },
      [](double a, double) { return a < 2 ? 1.0 : 0.0; }));
  t.back().bad.clear();
}

}  // namespace tgtest::entries

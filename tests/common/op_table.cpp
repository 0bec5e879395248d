// The op table's entries (see op_table.hpp): one per public op, grouped as the headers in
// autograd/include/tapegrad/autograd/ops/ are. Inputs stay away from every kink (0 for
// relu/abs/..., ±0.5 for clamp, equal operands for minimum/maximum) by far more than the
// finite-difference step, and are positive where the op needs it.
#include "op_table.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <utility>

#include <fmt/format.h>

#include "../../autograd/src/ops/linalg_internal.hpp"  // the transpose-flag matmul forms

namespace tgtest {

const char* kind_name(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::Shape:
      return "ShapeError";
    case ErrorKind::Dtype:
      return "DtypeError";
    case ErrorKind::Value:
      return "ValueError";
    case ErrorKind::Graph:
      return "GraphError";
    case ErrorKind::Anomaly:
      return "AnomalyError";
    case ErrorKind::Any:
      return "Error";
  }
  return "?";
}

bool is_kind(const tg::Error& e, ErrorKind kind) {
  switch (kind) {
    case ErrorKind::Shape:
      return dynamic_cast<const tg::ShapeError*>(&e) != nullptr;
    case ErrorKind::Dtype:
      return dynamic_cast<const tg::DtypeError*>(&e) != nullptr;
    case ErrorKind::Value:
      return dynamic_cast<const tg::ValueError*>(&e) != nullptr;
    case ErrorKind::Graph:
      return dynamic_cast<const tg::GraphError*>(&e) != nullptr;
    case ErrorKind::Anomaly:
      return dynamic_cast<const tg::AnomalyError*>(&e) != nullptr;
    case ErrorKind::Any:
      return true;
  }
  return false;
}

std::string label_of(const std::string& op, const std::string& what) {
  std::string s = op + "_" + what;
  for (char& ch : s)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return s;
}

tg::TensorList make_inputs(const Sample& s) {
  tg::TensorList out;
  for (const Input& in : s.inputs) {
    if (!in.values.empty()) {
      out.push_back(tg::from_vector(in.values, in.shape, tg::kFloat64).requires_grad_());
    } else {
      tg::Generator gen(in.seed);
      out.push_back(tg::rand(in.shape, gen, tg::kFloat64, in.lo, in.hi).requires_grad_());
    }
  }
  return out;
}

namespace {

using tg::Shape;
using tg::Tensor;
using tg::TensorList;
using K = ErrorKind;

Tensor f32(const Shape& s) { return tg::full(s, 0.5, tg::kFloat32); }
Tensor f64(const Shape& s) { return tg::full(s, 0.5, tg::kFloat64); }

const std::vector<double> kGeneric = {-1.3, -0.4, 0.7, 1.9, -0.8, 0.3};
const std::vector<double> kPositive = {0.3, 0.7, 1.2, 2.5, 0.9, 1.7};

// ---- elementwise ----------------------------------------------------------------------

double ref_sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
double ref_gelu(double x) {
  const double k = std::sqrt(2.0 / M_PI);
  return 0.5 * x * (1.0 + std::tanh(k * (x + 0.044715 * x * x * x)));
}

using UnaryFn = Tensor (*)(const Tensor&);
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

/// A NaN first operand under anomaly mode: the message names the primitive that made the
/// NaN (`op`; "*": some primitive, which one depends on evaluation order).
BadInput nan_operand(const tg::DifferentiableFn& fn, const std::string& op) {
  return {"nan_operand_in_anomaly_mode",
          K::Anomaly,
          {op == "*" ? std::string("op '") : fmt::format("'{}'", op), "NaN"},
          [fn] {
            fn({tg::full({3, 3}, NAN).requires_grad_(), f32({3, 3}).requires_grad_()});
          },
          true};
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
  t.push_back(unary("gelu", "gelu", tg::gelu, ref_gelu, kGeneric, true));
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
      {"clamp", NAN},      {"pow_half", -1.0}};
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

  t.push_back(
      comparison("eq", "eq", tg::eq, [](double a, double b) { return a == b ? 1.0 : 0.0; }));
  t.push_back(
      comparison("ne", "ne", tg::ne, [](double a, double b) { return a != b ? 1.0 : 0.0; }));
  t.push_back(comparison("lt", "lt", tg::lt, [](double a, double b) { return a < b ? 1.0 : 0.0; }));
  t.push_back(
      comparison("le", "le", tg::le, [](double a, double b) { return a <= b ? 1.0 : 0.0; }));
  t.push_back(comparison("gt", "gt", tg::gt, [](double a, double b) { return a > b ? 1.0 : 0.0; }));
  t.push_back(
      comparison("ge", "ge", tg::ge, [](double a, double b) { return a >= b ? 1.0 : 0.0; }));
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

// ---- reductions -----------------------------------------------------------------------

struct AxesCase {
  std::string name;
  tg::Axes axes;
};

const std::vector<AxesCase> kAxes = {
    {"all_empty", {}},  {"axis0", {0}},
    {"axis1", {1}},     {"axis_neg1", {-1}},
    {"axes02", {0, 2}}, {"axes_neg3_neg1", {-1, -3}},
    {"axes12", {2, 1}}, {"all_explicit", {0, 1, 2}},
};

using ReduceOp = std::function<Tensor(const Tensor&, const tg::Axes&, bool)>;

/// A reduction over every axes choice, with and without keepdim, of one [2, 3, 4] input
/// of distinct values (no ties for max/min) none near 0 (norm).
OpEntry reduction(std::string label, std::string name, ReduceOp op) {
  OpEntry e{.label = std::move(label), .name = std::move(name), .fn = [op](const TensorList& in) {
              return op(in[0], {}, false);
            }};
  e.over_axes = [op](const Tensor& x, const tg::Axes& axes) { return op(x, axes, false); };
  for (const auto& a : kAxes)
    for (bool keep : {false, true})
      e.samples.push_back(
          {a.name + (keep ? "_keepdim" : ""),
           {{.shape = {2, 3, 4}, .seed = 7, .lo = -1.5, .hi = 1.5}},
           [op, axes = a.axes, keep](const TensorList& in) { return op(in[0], axes, keep); }});
  const std::string n = e.name;
  e.bad = {
      {"axis_out_of_range",
       K::Value,
       {n, "axis 2", "rank 2"},
       [op] {
         op(f32({2, 3}), {2}, false);
       }},
      {"negative_axis_out_of_range",
       K::Value,
       {n, "axis -3", "rank 2"},
       [op] {
         op(f32({2, 3}), {-3}, false);
       }},
      {"axis_named_twice",
       K::Value,
       {n, "[1, -1]"},
       [op] {
         op(f32({2, 3}), {1, -1}, false);
       }},
      {"axis_out_of_range_rank3",
       K::Value,
       {n, "axis 3", "rank 3"},
       [op] {
         op(tg::ones({2, 3, 4}), {3}, false);
       }},
      {"negative_axis_out_of_range_keepdim",
       K::Value,
       {n, "axis -4", "rank 3"},
       [op] {
         op(tg::ones({2, 3, 4}), {-4}, true);
       }},
      {"axis_named_twice_rank3",
       K::Value,
       {n, "twice"},
       [op] {
         op(tg::ones({2, 3, 4}), {1, -2}, false);
       }},
      {"undefined_input", K::Any, {n, "undefined"}, [op] { op(Tensor(), {}, false); }},
  };
  return e;
}

void add_reductions(std::vector<OpEntry>& t) {
  using T = Tensor;
  using A = tg::Axes;
  t.push_back(
      reduction("sum", "sum", [](const T& x, const A& a, bool k) { return tg::sum(x, a, k); }));
  t.push_back(
      reduction("mean", "mean", [](const T& x, const A& a, bool k) { return tg::mean(x, a, k); }));
  t.push_back(
      reduction("var", "var", [](const T& x, const A& a, bool k) { return tg::var(x, a, 1, k); }));
  t.back().bad.push_back(
      {"negative_correction", K::Value, {"var", "-1"}, [] { tg::var(f32({4}), {}, -1); }});
  t.back().bad.push_back({"negative_correction_named", K::Value, {"var", "correction"}, [] {
                            tg::var(tg::ones({3}), {}, -1);
                          }});
  t.push_back(reduction("var_correction0", "var",
                        [](const T& x, const A& a, bool k) { return tg::var(x, a, 0, k); }));
  t.push_back(
      reduction("std", "std", [](const T& x, const A& a, bool k) { return tg::std(x, a, 1, k); }));
  t.back().bad.push_back(
      {"negative_correction", K::Value, {"std", "-1"}, [] { tg::std(f32({4}), {}, -1); }});
  t.back().bad.push_back({"negative_correction_named", K::Value, {"std", "correction"}, [] {
                            tg::std(tg::ones({3}), {}, -1);
                          }});
  t.push_back(reduction("std_correction0", "std",
                        [](const T& x, const A& a, bool k) { return tg::std(x, a, 0, k); }));
  t.push_back(
      reduction("max", "max", [](const T& x, const A& a, bool k) { return tg::max(x, a, k); }));
  t.back().bad.push_back({"empty_tensor", K::Value, {"max", "[0, 3]"}, [] {
                            tg::max(f32({0, 3}), {0});
                          }});
  t.back().bad.push_back({"empty_tensor_all_axes", K::Value, {"max", "[0, 3]"}, [] {
                            tg::max(tg::ones({0, 3}));
                          }});
  t.push_back(
      reduction("min", "min", [](const T& x, const A& a, bool k) { return tg::min(x, a, k); }));
  t.back().bad.push_back({"empty_tensor", K::Value, {"min", "[0, 3]"}, [] {
                            tg::min(f32({0, 3}), {0});
                          }});
  t.back().bad.push_back({"empty_axis", K::Value, {"min", "[2, 0]"}, [] {
                            tg::min(tg::ones({2, 0}), {1});
                          }});
  t.push_back(reduction("logsumexp", "logsumexp",
                        [](const T& x, const A& a, bool k) { return tg::logsumexp(x, a, k); }));
  t.back().smooth = true;
  t.back().bad.push_back({"empty_tensor", K::Value, {"logsumexp", "[0, 3]"}, [] {
                            tg::logsumexp(f32({0, 3}), {0});
                          }});
  t.push_back(
      reduction("norm", "norm", [](const T& x, const A& a, bool k) { return tg::norm(x, a, k); }));

  // softmax and log_softmax over each axis of the same input shape, values in [-2, 2).
  for (const std::string name : {"softmax", "log_softmax"}) {
    const bool log = name == "log_softmax";
    auto op = [log](const T& x, int64_t axis) {
      return log ? tg::log_softmax(x, axis) : tg::softmax(x, axis);
    };
    OpEntry e{.label = name,
              .name = name,
              .fn = [op](const TensorList& in) { return op(in[0], -1); },
              .smooth = true};
    e.over_axes = [op](const T& x, const tg::Axes& axes) { return op(x, axes[0]); };
    for (int64_t axis : {0, 1, 2, -1, -2})
      e.samples.push_back(
          {(axis < 0 ? "axis_neg" : "axis_") + std::to_string(axis < 0 ? -axis : axis),
           {{.shape = {2, 3, 4}, .seed = 8, .lo = -2, .hi = 2}},
           [op, axis](const TensorList& in) { return op(in[0], axis); }});
    e.bad = {{"axis_out_of_range",
              K::Value,
              {name, "axis 2", "rank 2"},
              [op] {
                op(f32({2, 3}), 2);
              }},
             {"negative_axis_out_of_range",
              K::Value,
              {name, "axis -3", "rank 2"},
              [op] {
                op(f32({2, 3}), -3);
              }},
             {log ? "negative_axis_out_of_range_rank3" : "axis_out_of_range_rank3",
              K::Value,
              {name, log ? "axis -4" : "axis 3", "rank 3"},
              [op, log] {
                op(tg::ones({2, 3, 4}), log ? -4 : 3);
              }}};
    t.push_back(std::move(e));
  }

  // An empty axis has no max, min or logsumexp.
  for (auto& e : t)
    if (e.label == "max" || e.label == "min" || e.label == "logsumexp") e.empty_ok = false;

  OpEntry sum_to{.label = "sum_to", .name = "sum_to", .fn = [](const TensorList& in) {
                   return tg::sum_to(in[0], {3, 1});
                 }};
  for (const Shape& target : {Shape{2, 3, 4}, Shape{3, 4}, Shape{3, 1}, Shape{1, 4}, Shape{4},
                              Shape{1}, Shape{}, Shape{2, 1, 1}, Shape{2, 1, 4}})
    sum_to.samples.push_back(
        {label_of("to", target.str()),
         {{.shape = {2, 3, 4}, .seed = 9}},
         [target](const TensorList& in) { return tg::sum_to(in[0], target); }});
  sum_to.bad = {{"incompatible_shape",
                 K::Shape,
                 {"sum_to", "[2, 3]", "[4]"},
                 [] {
                   tg::sum_to(f32({2, 3}), {4});
                 }},
                {"incompatible_shape_2",
                 K::Shape,
                 {"sum_to", "[2, 3]", "[2]"},
                 [] {
                   tg::sum_to(tg::ones({2, 3}), {2});
                 }},
                {"higher_rank", K::Shape, {"sum_to", "[2, 3]", "[1, 2, 3]"}, [] {
                   tg::sum_to(tg::ones({2, 3}), {1, 2, 3});
                 }}};
  t.push_back(std::move(sum_to));
}

// ---- shape ops ----------------------------------------------------------------------

/// A linear op is checked on op(x·y) with x, y of the input shape: the product makes the
/// second-order check non-trivial (a linear op alone has a zero second derivative).
using MoveOp = std::function<Tensor(const Tensor&)>;

Sample moved(std::string label, Shape in, MoveOp op) {
  return {std::move(label),
          {{.shape = in, .seed = 21}, {.shape = in, .seed = 22}},
          [op](const TensorList& x) { return op(x[0] * x[1]); }};
}

OpEntry movement(std::string label, std::string name, std::vector<Sample> samples,
                 std::vector<BadInput> bad) {
  OpEntry e{.label = std::move(label),
            .name = std::move(name),
            .samples = std::move(samples),
            .bad = std::move(bad)};
  e.fn = e.samples.front().fn;
  return e;
}

void add_shape_ops(std::vector<OpEntry>& t) {
  using T = Tensor;
  const Shape s = {2, 3};
  t.push_back(movement("reshape", "reshape",
                       {moved("to_4x6", {2, 3, 4},
                              [](const T& x) {
                                return tg::reshape(x, {4, 6});
                              }),
                        moved("infer", {2, 3, 4},
                              [](const T& x) {
                                return tg::reshape(x, {-1, 2});
                              }),
                        moved("view_method", {2, 3, 4},
                              [](const T& x) {
                                return x.view({3, -1});
                              }),
                        moved("rank0", {1, 1}, [](const T& x) { return tg::reshape(x, {}); }),
                        moved("rank0_to_1", {}, [](const T& x) { return tg::reshape(x, {1}); })},
                       {{"wrong_size",
                         K::Shape,
                         {"reshape", "[2, 3]", "[4, 2]"},
                         [s] {
                           tg::reshape(f32(s), {4, 2});
                         }},
                        {"two_minus_ones",
                         K::Shape,
                         {"reshape", "[-1, -1]"},
                         [s] {
                           tg::reshape(f32(s), {-1, -1});
                         }},
                        {"negative_extent",
                         K::Shape,
                         {"reshape", "[-2, -3]"},
                         [s] {
                           tg::reshape(f32(s), {-2, -3});
                         }},
                        {"minus_one_does_not_fit", K::Shape, {"reshape", "[2, 3]", "[-1, 4]"}, [] {
                           tg::reshape(tg::ones({2, 3}), {-1, 4});
                         }}}));
  t.push_back(movement(
      "flatten", "flatten",
      {moved("all", {2, 3, 4}, [](const T& x) { return tg::flatten(x); }),
       moved("tail", {2, 3, 4}, [](const T& x) { return x.flatten(1); }),
       moved("head", {2, 3, 4}, [](const T& x) { return tg::flatten(x, 0, -2); }),
       moved("rank0", {}, [](const T& x) { return tg::flatten(x); })},
      {{"bad_axis", K::Value, {"flatten", "axis 5", "rank 2"}, [s] { tg::flatten(f32(s), 5); }},
       {"bad_axis_2",
        K::Value,
        {"flatten", "axis 2", "rank 2"},
        [] {
          tg::flatten(tg::ones({2, 3}), 2);
        }},
       {"end_before_start", K::Value, {"flatten", "[2, 3]"}, [s] { tg::flatten(f32(s), 1, 0); }},
       {"end_before_start_rank3", K::Value, {"flatten", "[2, 3, 4]"}, [] {
          tg::flatten(tg::ones({2, 3, 4}), 2, 0);
        }}}));
  t.push_back(movement(
      "squeeze", "squeeze",
      {moved("axis1", {2, 1, 3}, [](const T& x) { return tg::squeeze(x, 1); }),
       moved("neg", {2, 3, 1}, [](const T& x) { return x.squeeze(-1); })},
      {{"non_unit_axis", K::Shape, {"squeeze", "[2, 3]"}, [s] { tg::squeeze(f32(s), 0); }},
       {"non_unit_axis_names_size",
        K::Shape,
        {"squeeze", "[2, 3]", "size 2"},
        [] {
          tg::squeeze(tg::ones({2, 3}), 0);
        }},
       {"bad_axis", K::Value, {"squeeze", "axis 4", "rank 2"}, [s] { tg::squeeze(f32(s), 4); }},
       {"bad_axis_2", K::Value, {"squeeze", "axis 2", "rank 2"}, [] {
          tg::squeeze(tg::ones({2, 3}), 2);
        }}}));
  t.push_back(movement(
      "unsqueeze", "unsqueeze",
      {moved("front", {2, 3}, [](const T& x) { return tg::unsqueeze(x, 0); }),
       moved("back", {2, 3}, [](const T& x) { return x.unsqueeze(-1); }),
       moved("mid", {2, 3}, [](const T& x) { return tg::unsqueeze(x, 1); }),
       moved("rank0", {}, [](const T& x) { return tg::unsqueeze(x, 0); })},
      {{"bad_axis", K::Value, {"unsqueeze", "axis 5", "rank 3"}, [s] { tg::unsqueeze(f32(s), 5); }},
       {"bad_axis_3",
        K::Value,
        {"unsqueeze", "axis 3"},
        [] {
          tg::unsqueeze(tg::ones({2, 3}), 3);
        }},
       {"bad_axis_neg4", K::Value, {"unsqueeze", "axis -4"}, [] {
          tg::unsqueeze(tg::ones({2, 3}), -4);
        }}}));
  t.push_back(movement(
      "expand", "expand",
      {moved("new_axis", {3, 1},
             [](const T& x) {
               return tg::expand(x, {2, 3, 4});
             }),
       moved("keep", {3, 1},
             [](const T& x) {
               return x.expand({-1, 4});
             })},
      {{"incompatible",
        K::Shape,
        {"expand", "[2, 3]", "[4, 3]"},
        [s] {
          tg::expand(f32(s), {4, 3});
        }},
       {"smaller_rank", K::Shape, {"expand", "[2, 3]", "[3]"}, [s] { tg::expand(f32(s), {3}); }},
       {"incompatible_2",
        K::Shape,
        {"expand", "[2, 3]", "[2, 4]"},
        [] {
          tg::expand(tg::ones({2, 3}), {2, 4});
        }},
       {"minus_one_on_new_axis", K::Shape, {"expand", "[2, 3]", "[-1, 2, 3]"}, [] {
          tg::expand(tg::ones({2, 3}), {-1, 2, 3});
        }}}));
  t.push_back(
      movement("broadcast_to", "broadcast_to",
               {moved("rows", {1, 3},
                      [](const T& x) {
                        return tg::broadcast_to(x, {2, 2, 3});
                      })},
               {{"incompatible",
                 K::Shape,
                 {"[2, 3]", "[2, 4]"},
                 [s] {
                   tg::broadcast_to(f32(s), {2, 4});
                 }},
                {"incompatible_names_expand", K::Shape, {"expand", "[2, 3]", "[5, 3, 2]"}, [] {
                   tg::broadcast_to(tg::ones({2, 3}), {5, 3, 2});
                 }}}));
  t.push_back(
      movement("transpose", "transpose",
               {moved("outer_axes", {2, 3, 4}, [](const T& x) { return tg::transpose(x, 0, 2); }),
                moved("neg", {2, 3, 4}, [](const T& x) { return x.transpose(-1, -2); }),
                moved("t_method", {3, 5}, [](const T& x) { return x.t(); })},
               {{"bad_axis",
                 K::Value,
                 {"transpose", "axis 2", "rank 2"},
                 [s] { tg::transpose(f32(s), 0, 2); }},
                {"bad_negative_axis", K::Value, {"transpose", "axis -3"}, [] {
                   tg::transpose(tg::ones({2, 3}), 0, -3);
                 }}}));
  t.push_back(movement(
      "permute", "permute",
      {moved("rotate", {2, 3, 4},
             [](const T& x) {
               return tg::permute(x, {1, 2, 0});
             }),
       moved("neg", {2, 3, 4},
             [](const T& x) {
               return x.permute({-1, 0, -2});
             })},
      {{"too_few_axes", K::Shape, {"permute", "[0]", "[2, 3]"}, [s] { tg::permute(f32(s), {0}); }},
       {"repeated_axis",
        K::Value,
        {"permute", "[1, 1]"},
        [s] {
          tg::permute(f32(s), {1, 1});
        }},
       {"axis_out_of_range", K::Value, {"permute", "axis 2"}, [] {
          tg::permute(tg::ones({2, 3}), {0, 2});
        }}}));
  // cat and stack of squares, inputs k holding disjoint shapes.
  auto join = [](bool is_stack, int64_t axis) {
    return [is_stack, axis](const TensorList& in) {
      std::vector<Tensor> sq;
      for (const auto& x : in) sq.push_back(x * x);
      return is_stack ? tg::stack(sq, axis) : tg::cat(sq, axis);
    };
  };
  auto join_sample = [&](std::string label, bool is_stack, int64_t axis,
                         std::vector<Shape> shapes) {
    Sample smp{std::move(label), {}, join(is_stack, axis)};
    for (size_t k = 0; k < shapes.size(); ++k)
      smp.inputs.push_back({.shape = shapes[k], .seed = 30 + k});
    return smp;
  };
  const Tensor a = tg::ones({2, 3}), b = tg::ones({2, 4});
  t.push_back(movement("cat", "cat",
                       {join_sample("axis0", false, 0, {{1, 3}, {2, 3}, {3, 3}}),
                        join_sample("axis1", false, 1, {{2, 1}, {2, 3}}),
                        join_sample("neg_axis", false, -1, {{2, 2, 1}, {2, 2, 2}}),
                        join_sample("single", false, 0, {{2, 2}})},
                       {{"no_tensors", K::Value, {"cat"}, [] { tg::cat({}); }},
                        {"shapes_differ",
                         K::Shape,
                         {"cat", "[2, 3]", "[2, 4]"},
                         [s] {
                           tg::cat({f32(s), f32({2, 4})}, 0);
                         }},
                        {"ranks_differ",
                         K::Shape,
                         {"cat", "[2, 3]", "[3]"},
                         [a] {
                           tg::cat({a, tg::ones({3})}, 0);
                         }},
                        {"bad_axis",
                         K::Value,
                         {"cat", "axis 2"},
                         [s] {
                           tg::cat({f32(s), f32(s)}, 2);
                         }},
                        {"bad_axis_names_rank",
                         K::Value,
                         {"cat", "axis 2", "rank 2"},
                         [a] {
                           tg::cat({a, a}, 2);
                         }},
                        {"mixed_dtypes", K::Dtype, {"cat", "float32", "float64"}, [s] {
                           tg::cat({f32(s), f64(s)});
                         }}}));
  t.push_back(movement("stack", "stack",
                       {join_sample("axis0", true, 0, {{2, 3}, {2, 3}, {2, 3}}),
                        join_sample("axis1", true, 1, {{2, 3}, {2, 3}}),
                        join_sample("neg_axis", true, -1, {{2, 3}, {2, 3}})},
                       {{"no_tensors", K::Value, {"stack"}, [] { tg::stack({}); }},
                        {"shapes_differ",
                         K::Shape,
                         {"stack", "[2, 3]", "[3, 2]"},
                         [s] {
                           tg::stack({f32(s), f32({3, 2})});
                         }},
                        {"shapes_differ_2",
                         K::Shape,
                         {"stack", "[2, 3]", "[2, 4]"},
                         [a, b] {
                           tg::stack({a, b});
                         }},
                        {"bad_axis",
                         K::Value,
                         {"stack", "axis 3"},
                         [a] {
                           tg::stack({a, a}, 3);
                         }},
                        {"mixed_dtypes", K::Dtype, {"stack", "float32", "float64"}, [s] {
                           tg::stack({f32(s), f64(s)});
                         }}}));
  // split and chunk: every piece, each weighted differently so a mix-up shows.
  auto pieces = [](std::vector<Tensor> ps) {
    Tensor total = (ps[0] * ps[0]).sum();
    for (size_t k = 1; k < ps.size(); ++k)
      total = total + (ps[k] * ps[k]).sum() * static_cast<double>(k + 1);
    return total;
  };
  t.push_back(
      movement("split", "split",
               {{"size3_axis0",
                 {{.shape = {7, 2}, .seed = 40}},
                 [pieces](const TensorList& in) { return pieces(tg::split(in[0], 3, 0)); }},
                {"size2_axis1",
                 {{.shape = {2, 5}, .seed = 40}},
                 [pieces](const TensorList& in) { return pieces(tg::split(in[0], 2, 1)); }}},
               {{"size_zero", K::Value, {"split", "0"}, [s] { tg::split(f32(s), 0); }},
                {"negative_size", K::Value, {"split", "-2"}, [s] { tg::split(f32(s), -2); }},
                {"size_zero_named", K::Value, {"split", "size"}, [a] { tg::split(a, 0, 0); }},
                {"bad_axis", K::Value, {"split", "axis 2"}, [a] { tg::split(a, 1, 2); }}}));
  t.push_back(
      movement("chunk", "chunk",
               {{"three_axis0",
                 {{.shape = {7, 2}, .seed = 41}},
                 [pieces](const TensorList& in) { return pieces(tg::chunk(in[0], 3, 0)); }},
                {"three_axis1",
                 {{.shape = {2, 5}, .seed = 41}},
                 [pieces](const TensorList& in) { return pieces(tg::chunk(in[0], 3, 1)); }}},
               {{"k_zero", K::Value, {"chunk", "0"}, [s] { tg::chunk(f32(s), 0); }},
                {"k_zero_named", K::Value, {"chunk", "chunks"}, [a] { tg::chunk(a, 0, 0); }},
                {"bad_axis", K::Value, {"chunk", "axis 3"}, [s] { tg::chunk(f32(s), 2, 3); }}}));
  const Tensor x34 = tg::ones({3, 4});
  t.push_back(movement(
      "slice", "slice",
      {moved("axis0_step2", {5, 3}, [](const T& x) { return tg::slice(x, 0, 1, 4, 2); }),
       moved("neg_start_clamped_stop", {2, 5, 3},
             [](const T& x) { return tg::slice(x, 1, -4, 100, 3); }),
       moved("last_axis_step4", {2, 6}, [](const T& x) { return tg::slice(x, -1, 0, 6, 4); }),
       moved("neg_stop", {4, 2}, [](const T& x) { return tg::slice(x, 0, 0, -1); }),
       moved("empty", {2, 4}, [](const T& x) { return tg::slice(x, 1, 3, 1); })},
      {{"step_zero", K::Value, {"slice", "0"}, [s] { tg::slice(f32(s), 1, 0, 3, 0); }},
       {"negative_step", K::Value, {"slice", "-1"}, [s] { tg::slice(f32(s), 1, 0, 3, -1); }},
       {"bad_axis", K::Value, {"slice", "axis 2"}, [s] { tg::slice(f32(s), 2, 0, 1); }},
       {"step_zero_named", K::Value, {"slice", "step", "0"}, [x34] { tg::slice(x34, 0, 0, 3, 0); }},
       {"negative_step_named",
        K::Value,
        {"slice", "step", "-1"},
        [x34] { tg::slice(x34, 0, 3, 0, -1); }},
       {"bad_axis_names_rank", K::Value, {"slice", "axis 2", "rank 2"}, [x34] {
          tg::slice(x34, 2, 0, 1);
        }}}));
  t.push_back(movement("index_select", "index_select",
                       {moved("rows", {3, 4},
                              [](const T& x) {
                                return tg::index_select(x, 0, {2, 0, 2});
                              }),
                        moved("cols", {2, 3, 4},
                              [](const T& x) {
                                return tg::index_select(x, -1, {3, 1});
                              })},
                       {{"index_too_large",
                         K::Value,
                         {"index_select", "3", "[2, 3]"},
                         [s] {
                           tg::index_select(f32(s), 1, {0, 3});
                         }},
                        {"index_too_negative",
                         K::Value,
                         {"index_select", "-4", "[2, 3]"},
                         [s] { tg::index_select(f32(s), 1, {-4}); }},
                        {"index_4",
                         K::Value,
                         {"index_select", "index 4", "[3, 4]"},
                         [x34] {
                           tg::index_select(x34, 1, {0, 4});
                         }},
                        {"index_neg1",
                         K::Value,
                         {"index_select", "index -1", "[3, 4]"},
                         [x34] { tg::index_select(x34, 0, {-1}); }},
                        {"bad_axis", K::Value, {"index_select", "axis -3"}, [x34] {
                           tg::index_select(x34, -3, {0});
                         }}}));
  t.push_back(
      movement("gather", "gather",
               {moved("axis1", {2, 4},
                      [](const T& x) {
                        return tg::gather(x, 1, {{3, 0, 0, 1, 2, 2}, {2, 3}});
                      }),
                moved("axis0_smaller_index", {3, 4},
                      [](const T& x) {
                        return tg::gather(x, 0, {{2, 0, 1, 1}, {2, 2}});
                      })},
               {{"index_out_of_range",
                 K::Value,
                 {"gather", "7", "[2, 3]"},
                 [s] {
                   tg::gather(f32(s), 1, {{0, 7}, {2, 1}});
                 }},
                {"index_wrong_rank",
                 K::Shape,
                 {"gather", "[2]", "[2, 3]"},
                 [s] {
                   tg::gather(f32(s), 1, {{0, 1}, {2}});
                 }},
                {"values_do_not_fill_index_shape",
                 K::Shape,
                 {"gather", "[2, 2]"},
                 [s] {
                   tg::gather(f32(s), 1, {{0, 1, 2}, {2, 2}});
                 }},
                {"index_5",
                 K::Value,
                 {"gather", "index 5", "[3, 4]"},
                 [x34] {
                   tg::gather(x34, 1, {{0, 5}, {1, 2}});
                 }},
                {"index_wrong_rank_2",
                 K::Shape,
                 {"gather", "[2]", "[3, 4]"},
                 [x34] {
                   tg::gather(x34, 1, {{0, 1}, {2}});
                 }},
                {"values_do_not_fill_1x2",
                 K::Shape,
                 {"gather", "[1, 2]"},
                 [x34] {
                   tg::gather(x34, 1, {{0, 1, 2}, {1, 2}});
                 }},
                {"index_taller_than_input", K::Shape, {"gather", "[5, 1]", "[3, 4]"}, [x34] {
                   tg::gather(x34, 1, {{0, 0, 0, 0, 0}, {5, 1}});
                 }}}));
  t.push_back(
      movement("repeat", "repeat",
               {moved("each_axis", {2, 3},
                      [](const T& x) {
                        return tg::repeat(x, {2, 3});
                      }),
                moved("new_axis", {2, 3},
                      [](const T& x) {
                        return tg::repeat(x, {2, 1, 2});
                      })},
               {{"wrong_rank", K::Shape, {"repeat", "[2, 3]"}, [s] { tg::repeat(f32(s), {2}); }},
                {"negative",
                 K::Value,
                 {"repeat", "[1, -1]"},
                 [s] {
                   tg::repeat(f32(s), {1, -1});
                 }},
                {"negative_2", K::Value, {"repeat", "[2, -1]"}, [s] {
                   tg::repeat(f32(s), {2, -1});
                 }}}));
  t.push_back(movement("tile", "tile",
                       {moved("short_reps", {2, 3}, [](const T& x) { return tg::tile(x, {2}); })},
                       {{"negative", K::Value, {"[-2, 1]"}, [s] {
                           tg::tile(f32(s), {-2, 1});
                         }}}));
  t.push_back(
      movement("pad", "pad",
               {moved("last_axis_only", {2, 2},
                      [](const T& x) {
                        return tg::pad(x, {0, 0, 1, 2});
                      }),
                moved("both_axes_constant", {2, 3},
                      [](const T& x) {
                        return tg::pad(x, {1, 2, 2, 1}, -1.0);
                      })},
               {{"negative",
                 K::Value,
                 {"pad", "-1"},
                 [s] {
                   tg::pad(f32(s), {0, -1});
                 }},
                {"negative_2",
                 K::Value,
                 {"pad", "-1"},
                 [s] {
                   tg::pad(f32(s), {1, -1});
                 }},
                {"too_many_pairs",
                 K::Value,
                 {"pad", "[2, 3]"},
                 [s] {
                   tg::pad(f32(s), {1, 1, 1, 1, 1, 1});
                 }},
                {"odd_count", K::Value, {"pad", "[2, 3]"}, [s] { tg::pad(f32(s), {1}); }}}));
}

// ---- linalg -------------------------------------------------------------------------

void add_linalg(std::vector<OpEntry>& t) {
  OpEntry mm{.label = "matmul",
             .name = "matmul",
             .fn = [](const TensorList& in) { return tg::matmul(in[0], in[1]); },
             .anomaly_op = "matmul"};
  for (const auto& [label, a, b] :
       std::vector<std::tuple<std::string, Shape, Shape>>{{"vec_vec", {4}, {4}},
                                                          {"vec_mat", {3}, {3, 2}},
                                                          {"mat_vec", {2, 3}, {3}},
                                                          {"mat_mat", {2, 3}, {3, 4}},
                                                          {"mat_mat_1x1", {1, 1}, {1, 1}},
                                                          {"batch_batch", {2, 2, 3}, {2, 3, 2}},
                                                          {"batch_mat", {3, 2, 3}, {3, 2}},
                                                          {"mat_batch", {2, 3}, {3, 3, 2}},
                                                          {"batch1_batchB", {1, 2, 3}, {3, 3, 2}},
                                                          {"batchB_batch1", {3, 2, 3}, {1, 3, 2}},
                                                          {"vec_batch", {3}, {2, 3, 2}},
                                                          {"batch_vec", {2, 2, 3}, {3}}})
    mm.samples.push_back({label, {{.shape = a, .seed = 1}, {.shape = b, .seed = 2}}});
  auto m = [](Shape a, Shape b) { return [a, b] { tg::matmul(tg::ones(a), tg::ones(b)); }; };
  mm.bad = {{"shapes_do_not_fit", K::Shape, {"matmul", "[2, 3]", "[4, 5]"}, m({2, 3}, {4, 5})},
            {"inner_sizes_differ", K::Shape, {"matmul", "[2, 3]", "[4, 2]"}, m({2, 3}, {4, 2})},
            {"batch_inner_sizes_differ",
             K::Shape,
             {"matmul", "[2, 2, 3]", "[3, 3, 2]"},
             m({2, 2, 3}, {3, 3, 2})},
            {"matrix_by_batch_inner_differs",
             K::Shape,
             {"matmul", "[2, 3]", "[2, 4, 2]"},
             m({2, 3}, {2, 4, 2})},
            {"rank4", K::Shape, {"matmul", "[1, 2, 2, 3]", "[3, 2]"}, m({1, 2, 2, 3}, {3, 2})},
            {"scalar_operand", K::Shape, {"matmul", "[]", "[3]"}, m({}, {3})},
            {"scalar_operand_left", K::Shape, {"matmul", "[]", "[3, 2]"}, m({}, {3, 2})},
            {"vector_does_not_fit", K::Shape, {"matmul", "[4, 2]"}, m({3}, {4, 2})},
            {"batch_dims_do_not_broadcast",
             K::Shape,
             {"matmul", "[2, 3, 4]", "[5, 4, 2]"},
             m({2, 3, 4}, {5, 4, 2})},
            {"mixes_float32_and_float64",
             K::Dtype,
             {"matmul", "float32", "float64"},
             [] {
               tg::matmul(f32({3, 3}), f64({3, 3}));
             }},
            {"mixes_dtypes_names_shapes",
             K::Dtype,
             {"matmul", "float32", "float64", "[2, 3]", "[3, 2]"},
             [] {
               tg::matmul(tg::ones({2, 3}), tg::ones({3, 2}, tg::kFloat64));
             }}};
  mm.bad.push_back(nan_operand(mm.fn, "matmul"));
  t.push_back(std::move(mm));

  // The transpose-flag forms the rules use (kNames in linalg.cpp), through tanh so the
  // second order is not trivial; a batch of a by one b, and one a by a batch of b.
  for (int flags = 0; flags < 4; ++flags) {
    const bool ta = (flags & 2) != 0, tb = (flags & 1) != 0;
    const std::string name = std::string("matmul") + (flags == 0 ? ""
                                                      : ta       ? (tb ? "_tt" : "_tn")
                                                                 : "_nt");
    OpEntry e{.label = name + "_flags",
              .name = name,
              .fn =
                  [ta, tb](const TensorList& in) {
                    return tg::tanh(tg::detail::matmul(in[0], in[1], ta, tb));
                  },
              .samples = {{"batch_a",
                           {{.shape = ta ? Shape{2, 3, 4} : Shape{2, 4, 3}, .seed = 1u + flags},
                            {.shape = tb ? Shape{5, 3} : Shape{3, 5}, .seed = 10u + flags}}},
                          {"batch_b",
                           {{.shape = ta ? Shape{3, 4} : Shape{4, 3}, .seed = 30u + flags},
                            {.shape = tb ? Shape{2, 5, 3} : Shape{2, 3, 5}, .seed = 20u + flags}}}},
              .smooth = flags == 0};
    t.push_back(std::move(e));
  }

  OpEntry lin{
      .label = "linear",
      .name = "linear",
      .fn = [](const TensorList& in) { return tg::tanh(tg::linear(in[0], in[1], in[2])); },
      .samples = {
          {"rows",
           {{.shape = {4, 3}, .seed = 5}, {.shape = {2, 3}, .seed = 6}, {.shape = {2}, .seed = 7}}},
          {"batch",
           {{.shape = {2, 3, 3}, .seed = 8},
            {.shape = {2, 3}, .seed = 9},
            {.shape = {2}, .seed = 10}}},
          {"vector",
           {{.shape = {3}, .seed = 11}, {.shape = {2, 3}, .seed = 12}, {.shape = {2}, .seed = 13}}},
          {"no_bias",
           {{.shape = {3, 4}, .seed = 11}, {.shape = {5, 4}, .seed = 12}},
           [](const TensorList& in) { return tg::linear(in[0], in[1]) * in[0].sum(); }}}};
  lin.bad = {{"weight_does_not_fit",
              K::Shape,
              {"linear", "[4, 3]", "[5, 2]"},
              [] {
                tg::linear(f64({4, 3}), f64({5, 2}));
              }},
             {"bias_does_not_fit",
              K::Shape,
              {"linear", "[4]"},
              [] {
                tg::linear(f64({4, 3}), f64({5, 3}), f64({4}));
              }},
             {"mixes_float64_and_float32",
              K::Dtype,
              {"linear"},
              [] {
                tg::linear(f64({4, 3}), f32({5, 3}));
              }},
             {"mixes_float32_and_float64", K::Dtype, {"linear", "float32", "float64"}, [] {
                tg::linear(f32({2, 3}), f64({4, 3}));
              }}};
  t.push_back(std::move(lin));

  OpEntry outer{.label = "outer",
                .name = "outer",
                .fn = [](const TensorList& in) { return tg::outer(in[0], in[1]); },
                .samples = {{"vectors", {{.shape = {3}, .seed = 7}, {.shape = {4}, .seed = 8}}}}};
  outer.bad = {{"of_matrices",
                K::Shape,
                {"outer", "[2, 2]", "[3]"},
                [] {
                  tg::outer(f32({2, 2}), f32({3}));
                }},
               {"mixed_dtypes",
                K::Dtype,
                {"outer", "float32", "float64"},
                [] { tg::outer(f32({2}), f64({3})); }},
               {"mixed_dtypes_2", K::Dtype, {"float32", "float64"}, [] {
                  tg::outer(tg::ones({3}), tg::ones({2}, tg::kFloat64));
                }}};
  t.push_back(std::move(outer));
  OpEntry dot{.label = "dot",
              .name = "dot",
              .fn = [](const TensorList& in) { return tg::dot(in[0], in[1]); },
              .samples = {{"vectors", {{.shape = {5}, .seed = 9}, {.shape = {5}, .seed = 10}}}}};
  dot.bad = {
      {"unequal_lengths", K::Shape, {"dot", "[3]", "[4]"}, [] { tg::dot(f32({3}), f32({4})); }},
      {"matrix_operand",
       K::Shape,
       {"dot", "[3, 1]", "[3]"},
       [] {
         tg::dot(tg::ones({3, 1}), tg::ones({3}));
       }},
      {"mixed_dtypes", K::Dtype, {"dot", "float32", "float64"}, [] {
         tg::dot(f32({3}), f64({3}));
       }}};
  t.push_back(std::move(dot));
}

// ---- losses and conversion ------------------------------------------------------------

void add_losses(std::vector<OpEntry>& t) {
  using Loss = Tensor (*)(const Tensor&, const Tensor&, tg::Reduction);
  const std::vector<std::pair<std::string, tg::Reduction>> reductions = {
      {"mean", tg::Reduction::Mean}, {"sum", tg::Reduction::Sum}, {"none", tg::Reduction::None}};
  for (const auto& [name, loss, anomaly] : std::vector<std::tuple<std::string, Loss, std::string>>{
           {"binary_cross_entropy_with_logits", tg::binary_cross_entropy_with_logits, "*"},
           {"mse_loss", tg::mse_loss, "sub"}}) {
    OpEntry e{
        .label = name,
        .name = name,
        .fn = [loss](const TensorList& in) { return loss(in[0], in[1], tg::Reduction::Mean); },
        .anomaly_op = anomaly};
    // Logits in [-3, 3); targets in [0, 1) (soft labels included).
    for (const auto& [rname, r] : reductions) {
      e.samples.push_back(
          {rname,
           {{.shape = {2, 3}, .seed = 51, .lo = -3, .hi = 3},
            {.shape = {2, 3}, .seed = 52, .lo = 0, .hi = 1}},
           [l = loss, red = r](const TensorList& in) { return l(in[0], in[1], red); }});
      const Loss l = loss;
      const tg::Reduction red = r;
      e.bad.push_back({"transposed_" + rname, K::Shape, {name, "[2, 3]", "[3, 2]"}, [l, red] {
                         l(tg::ones({2, 3}), tg::ones({3, 2}), red);
                       }});
      e.bad.push_back({"broadcastable_" + rname, K::Shape, {name, "[2, 3]", "[3]"}, [l, red] {
                         l(tg::ones({2, 3}), tg::ones({3}), red);
                       }});
      e.bad.push_back({"mixed_dtypes_" + rname, K::Dtype, {name, "float32", "float64"}, [l, red] {
                         l(tg::ones({2}), tg::ones({2}, tg::kFloat64), red);
                       }});
      e.bad.push_back({"undefined_" + rname, K::Any, {name, "undefined"}, [l, red] {
                         l(Tensor(), tg::ones({2}), red);
                       }});
    }
    e.bad.push_back({"shapes_do_not_fit", K::Shape, {name, "[2, 3]", "[2, 1]"}, [l = loss] {
                       l(f32({2, 3}), f32({2, 1}), tg::Reduction::Mean);
                     }});
    e.bad.push_back(
        {"mixes_float32_and_float64", K::Dtype, {name, "float32", "float64"}, [l = loss] {
           l(f32({3, 3}), f64({3, 3}), tg::Reduction::Mean);
         }});
    e.bad.push_back(nan_operand(e.fn, anomaly));
    t.push_back(std::move(e));
  }
}

void add_conversion(std::vector<OpEntry>& t) {
  t.push_back({.label = "clone",
               .name = "clone",
               .fn = [](const TensorList& in) { return tg::clone(in[0]) * in[0]; },
               .samples = {{"matrix", {{.shape = {3, 4}, .seed = 1}}}},
               .bad = {{"undefined_input", K::Any, {"clone"}, [] { tg::clone(Tensor()); }}}});
  // Through float32 and back: both directions of the rule. Central differences through a
  // float32 rounding err by about ulp(x)/eps = 6e-8/1e-3 relative, so eps is 1e-3 and the
  // tolerances are 1e-3, well above that and far below any wrong rule (off by O(1)).
  t.push_back(
      {.label = "to",
       .name = "to",
       .fn =
           [](const TensorList& in) {
             const Tensor x32 = tg::to(in[0], tg::kFloat32);
             return tg::to(x32 * x32, tg::kFloat64);
           },
       .samples = {{"matrix", {{.shape = {2, 3}, .seed = 4}}}},
       .options = {.eps = 1e-3, .atol = 1e-3, .rtol = 1e-3},
       .bad = {{"undefined_input", K::Any, {"to"}, [] { tg::to(Tensor(), tg::kFloat32); }}}});
}

/// A unary op's non-finite output at `non_finite_at` under anomaly mode: the message names
/// the primitive and the shape.
void add_non_finite_output_cases(std::vector<OpEntry>& t) {
  for (auto& e : t)
    if (e.non_finite_at) {
      const double v = *e.non_finite_at;
      const tg::DifferentiableFn fn = e.fn;
      const std::string quoted = fmt::format("'{}'", e.anomaly_name());
      e.bad.push_back({"non_finite_output_in_anomaly_mode",
                       K::Anomaly,
                       {quoted, "[2, 3]"},
                       [fn, v] {
                         fn({tg::full({2, 3}, v).requires_grad_()});
                       },
                       true});
    }
}

std::vector<OpEntry> build() {
  std::vector<OpEntry> t;
  add_elementwise(t);
  add_reductions(t);
  add_shape_ops(t);
  add_linalg(t);
  add_losses(t);
  add_conversion(t);
  add_non_finite_output_cases(t);
  return t;
}

}  // namespace

const std::vector<OpEntry>& op_table() {
  static const std::vector<OpEntry> table = build();
  return table;
}

}  // namespace tgtest

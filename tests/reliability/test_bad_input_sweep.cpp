// Bad-input sweep: every public op (autograd/include/tapegrad/autograd/ops/*.hpp), the
// engine's entry points, every nn layer and optimiser, and the estimators, called with
// wrong shapes, mixed dtypes, empty tensors, NaN/Inf inputs (anomaly mode on and off),
// zero-size batches and out-of-range arguments.
//
// Two tables:
// - BadInput: the call must throw the documented tg::Error subclass, and its message must
//   name the op and the offending shapes (or dtypes, or argument).
// - Documented: the call is legal (empty tensors, NaN with anomaly mode off, zero-size
//   batches) and its result is what docs/reliability.md says.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "tapegrad/estimators/gan.hpp"
#include "tapegrad/estimators/gradient_penalty.hpp"
#include "tapegrad/nn.hpp"
#include "tapegrad/nn/coupling.hpp"
#include "tapegrad/nn/dropout.hpp"
#include "tapegrad/nn/maxout.hpp"
#include "tapegrad/nn/norm.hpp"

namespace {

using tg::Shape;
using tg::Tensor;

// ---------------------------------------------------------------------------------------
// Inputs

Tensor f32(const Shape& s) { return tg::full(s, 0.5, tg::kFloat32); }
Tensor f64(const Shape& s) { return tg::full(s, 0.5, tg::kFloat64); }
Tensor leaf(const Shape& s) { return f32(s).requires_grad_(); }
Tensor nan32(const Shape& s) { return tg::full(s, NAN, tg::kFloat32); }

// ---------------------------------------------------------------------------------------
// The op tables: each op once, by the name its messages use.

using Unary = std::function<Tensor(const Tensor&)>;
using Binary = std::function<Tensor(const Tensor&, const Tensor&)>;

struct UnaryOp {
  std::string name;
  Unary fn;
  double bad_value;           ///< an input value for which the op's output is NaN or Inf
  std::string recorded = {};  ///< the primitive that anomaly mode names, when not `name`
};

std::vector<UnaryOp> unary_ops() {
  return {
      {"exp", [](const Tensor& x) { return tg::exp(x); }, 1000.0},
      {"log", [](const Tensor& x) { return tg::log(x); }, -1.0},
      {"log1p", [](const Tensor& x) { return tg::log1p(x); }, -2.0},
      {"expm1", [](const Tensor& x) { return tg::expm1(x); }, 1000.0},
      {"sqrt", [](const Tensor& x) { return tg::sqrt(x); }, -1.0},
      {"rsqrt", [](const Tensor& x) { return tg::rsqrt(x); }, 0.0},
      {"abs", [](const Tensor& x) { return tg::abs(x); }, NAN},
      {"neg", [](const Tensor& x) { return tg::neg(x); }, NAN},
      {"square", [](const Tensor& x) { return tg::square(x); }, 1e30, "pow"},
      {"sin", [](const Tensor& x) { return tg::sin(x); }, INFINITY},
      {"cos", [](const Tensor& x) { return tg::cos(x); }, INFINITY},
      {"tanh", [](const Tensor& x) { return tg::tanh(x); }, NAN},
      {"sigmoid", [](const Tensor& x) { return tg::sigmoid(x); }, NAN},
      {"log_sigmoid", [](const Tensor& x) { return tg::log_sigmoid(x); }, NAN},
      {"softplus", [](const Tensor& x) { return tg::softplus(x); }, NAN},
      {"relu", [](const Tensor& x) { return tg::relu(x); }, NAN},
      {"leaky_relu", [](const Tensor& x) { return tg::leaky_relu(x, 0.1); }, NAN},
      {"elu", [](const Tensor& x) { return tg::elu(x); }, NAN},
      {"silu", [](const Tensor& x) { return tg::silu(x); }, NAN},
      {"gelu", [](const Tensor& x) { return tg::gelu(x); }, NAN},
      {"clamp", [](const Tensor& x) { return tg::clamp(x, -1, 1); }, NAN},
      {"pow", [](const Tensor& x) { return tg::pow(x, 0.5); }, -1.0},
  };
}

struct BinaryOp {
  std::string name;
  Binary fn;
  /// The primitive that anomaly mode names for a NaN operand; empty for comparisons
  /// (masks, never NaN) and where (the NaN lane is not selected).
  std::string recorded;
};

std::vector<BinaryOp> binary_ops() {
  return {
      {"add", [](const Tensor& a, const Tensor& b) { return a + b; }, "add"},
      {"sub", [](const Tensor& a, const Tensor& b) { return a - b; }, "sub"},
      {"mul", [](const Tensor& a, const Tensor& b) { return a * b; }, "mul"},
      {"div", [](const Tensor& a, const Tensor& b) { return a / b; }, "div"},
      {"pow", [](const Tensor& a, const Tensor& b) { return tg::pow(a, b); }, "pow"},
      {"minimum", [](const Tensor& a, const Tensor& b) { return tg::minimum(a, b); }, "minimum"},
      {"maximum", [](const Tensor& a, const Tensor& b) { return tg::maximum(a, b); }, "maximum"},
      {"where", [](const Tensor& a, const Tensor& b) { return tg::where(a > 0.0, a, b); }, ""},
      {"eq", [](const Tensor& a, const Tensor& b) { return a == b; }, ""},
      {"ne", [](const Tensor& a, const Tensor& b) { return a != b; }, ""},
      {"lt", [](const Tensor& a, const Tensor& b) { return a < b; }, ""},
      {"le", [](const Tensor& a, const Tensor& b) { return a <= b; }, ""},
      {"gt", [](const Tensor& a, const Tensor& b) { return a > b; }, ""},
      {"ge", [](const Tensor& a, const Tensor& b) { return a >= b; }, ""},
      {"matmul", [](const Tensor& a, const Tensor& b) { return tg::matmul(a, b); }, "matmul"},
      {"binary_cross_entropy_with_logits",
       [](const Tensor& a, const Tensor& b) { return tg::binary_cross_entropy_with_logits(a, b); },
       "*"},
      {"mse_loss", [](const Tensor& a, const Tensor& b) { return tg::mse_loss(a, b); }, "sub"},
  };
}

struct Reduction {
  std::string name;
  std::function<Tensor(const Tensor&, const tg::Axes&)> fn;
  bool empty_ok;  ///< sum-like reductions have a value on empty input; max-like ones do not
};

std::vector<Reduction> reductions() {
  using tg::Axes;
  return {
      {"sum", [](const Tensor& x, const Axes& a) { return tg::sum(x, a); }, true},
      {"mean", [](const Tensor& x, const Axes& a) { return tg::mean(x, a); }, true},
      {"var", [](const Tensor& x, const Axes& a) { return tg::var(x, a); }, true},
      {"std", [](const Tensor& x, const Axes& a) { return tg::std(x, a); }, true},
      {"max", [](const Tensor& x, const Axes& a) { return tg::max(x, a); }, false},
      {"min", [](const Tensor& x, const Axes& a) { return tg::min(x, a); }, false},
      {"logsumexp", [](const Tensor& x, const Axes& a) { return tg::logsumexp(x, a); }, false},
      {"norm", [](const Tensor& x, const Axes& a) { return tg::norm(x, a); }, true},
      {"softmax", [](const Tensor& x, const Axes& a) { return tg::softmax(x, a[0]); }, true},
      {"log_softmax", [](const Tensor& x, const Axes& a) { return tg::log_softmax(x, a[0]); },
       true},
  };
}

// ---------------------------------------------------------------------------------------
// Table 1: calls that must throw.

enum class Kind { Shape, Dtype, Value, Graph, Anomaly };

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::Shape:
      return "ShapeError";
    case Kind::Dtype:
      return "DtypeError";
    case Kind::Value:
      return "ValueError";
    case Kind::Graph:
      return "GraphError";
    case Kind::Anomaly:
      return "AnomalyError";
  }
  return "?";
}

bool is_kind(const tg::Error& e, Kind k) {
  switch (k) {
    case Kind::Shape:
      return dynamic_cast<const tg::ShapeError*>(&e) != nullptr;
    case Kind::Dtype:
      return dynamic_cast<const tg::DtypeError*>(&e) != nullptr;
    case Kind::Value:
      return dynamic_cast<const tg::ValueError*>(&e) != nullptr;
    case Kind::Graph:
      return dynamic_cast<const tg::GraphError*>(&e) != nullptr;
    case Kind::Anomaly:
      return dynamic_cast<const tg::AnomalyError*>(&e) != nullptr;
  }
  return false;
}

struct BadInput {
  std::string label;  ///< unique test name: [A-Za-z0-9_]
  Kind expected;
  std::vector<std::string> mentions;  ///< the message names the op and these shapes/values
  std::function<void()> call;
  bool anomaly = false;  ///< run under tg::DetectAnomalyGuard
};

void PrintTo(const BadInput& c, std::ostream* os) { *os << c.label; }

std::string label_of(const std::string& op, const std::string& what) {
  std::string s = op + "_" + what;
  for (char& ch : s)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return s;
}

void add_elementwise_cases(std::vector<BadInput>& cases) {
  for (const auto& op : unary_ops()) {
    const Unary fn = op.fn;
    const double bad = op.bad_value;
    const std::string recorded = op.recorded.empty() ? op.name : op.recorded;
    cases.push_back({label_of(op.name, "non_finite_output_in_anomaly_mode"),
                     Kind::Anomaly,
                     {"'" + recorded + "'", "[2, 3]"},
                     [fn, bad] {
                       fn(tg::full({2, 3}, bad).requires_grad_());
                     },
                     true});
  }
  for (const auto& op : binary_ops()) {
    const Binary fn = op.fn;
    const bool mm = op.name == "matmul";
    const bool loss =
        op.name.find("loss") != std::string::npos || op.name.find("entropy") != std::string::npos;
    // matmul's inner sizes and the losses' equal-shape rule are stricter than
    // broadcasting: [2, 3] against [1, 3] is fine for add but not for them.
    const Shape a = {2, 3}, b = mm ? Shape{4, 5} : (loss ? Shape{2, 1} : Shape{4, 3});
    cases.push_back({label_of(op.name, "shapes_do_not_fit"),
                     Kind::Shape,
                     {op.name, a.str(), b.str()},
                     [fn, a, b] { fn(f32(a), f32(b)); }});
    const Shape sq = {3, 3};
    cases.push_back({label_of(op.name, "mixes_float32_and_float64"),
                     Kind::Dtype,
                     {op.name, "float32", "float64"},
                     [fn, sq] { fn(f32(sq), f64(sq)); }});
    // "*": a composite whose first NaN-producing primitive depends on the evaluation
    // order of its terms (unspecified in C++); the message must still name an op.
    if (!op.recorded.empty())
      cases.push_back({label_of(op.name, "nan_operand_in_anomaly_mode"),
                       Kind::Anomaly,
                       {op.recorded == "*" ? "op '" : "'" + op.recorded + "'", "NaN"},
                       [fn, sq] { fn(tg::full(sq, NAN).requires_grad_(), leaf(sq)); },
                       true});
  }
  cases.push_back({"div_by_zero_in_anomaly_mode",
                   Kind::Anomaly,
                   {"'div'", "[3]"},
                   [] { leaf({3}) / tg::zeros({3}); },
                   true});
  cases.push_back({"clamp_lo_above_hi", Kind::Value, {"clamp", "lo = 1", "hi = -1"}, [] {
                     tg::clamp(f32({3}), 1, -1);
                   }});
  cases.push_back({"where_mask_shape", Kind::Shape, {"where", "[4]", "[3]"}, [] {
                     tg::where(tg::ones({4}) > 0.0, f32({3}), f32({3}));
                   }});
}

void add_reduction_cases(std::vector<BadInput>& cases) {
  for (const auto& r : reductions()) {
    const auto fn = r.fn;
    cases.push_back(
        {label_of(r.name, "axis_out_of_range"), Kind::Value, {r.name, "axis 2", "rank 2"}, [fn] {
           fn(f32({2, 3}), {2});
         }});
    cases.push_back({label_of(r.name, "negative_axis_out_of_range"),
                     Kind::Value,
                     {r.name, "axis -3", "rank 2"},
                     [fn] {
                       fn(f32({2, 3}), {-3});
                     }});
    if (r.name.find("softmax") == std::string::npos)
      cases.push_back(
          {label_of(r.name, "axis_named_twice"), Kind::Value, {r.name, "[1, -1]"}, [fn] {
             fn(f32({2, 3}), {1, -1});
           }});
    if (!r.empty_ok)
      cases.push_back({label_of(r.name, "empty_tensor"), Kind::Value, {r.name, "[0, 3]"}, [fn] {
                         fn(f32({0, 3}), {0});
                       }});
    cases.push_back({label_of(r.name, "nan_input_in_anomaly_mode"),
                     Kind::Anomaly,
                     {"op '", "NaN"},
                     [fn] {
                       fn(nan32({2, 3}).requires_grad_(), {1});
                     },
                     true});
  }
  cases.push_back(
      {"var_negative_correction", Kind::Value, {"var", "-1"}, [] { tg::var(f32({4}), {}, -1); }});
  cases.push_back(
      {"std_negative_correction", Kind::Value, {"std", "-1"}, [] { tg::std(f32({4}), {}, -1); }});
  cases.push_back({"sum_to_incompatible_shape", Kind::Shape, {"sum_to", "[2, 3]", "[4]"}, [] {
                     tg::sum_to(f32({2, 3}), {4});
                   }});
}

void add_linalg_cases(std::vector<BadInput>& cases) {
  cases.push_back({"matmul_scalar_operand", Kind::Shape, {"matmul", "[]", "[3]"}, [] {
                     tg::matmul(f32({}), f32({3}));
                   }});
  cases.push_back(
      {"matmul_batch_dims_do_not_broadcast", Kind::Shape, {"matmul", "[2, 3, 4]", "[5, 4, 2]"}, [] {
         tg::matmul(f32({2, 3, 4}), f32({5, 4, 2}));
       }});
  cases.push_back({"outer_of_matrices", Kind::Shape, {"outer", "[2, 2]", "[3]"}, [] {
                     tg::outer(f32({2, 2}), f32({3}));
                   }});
  cases.push_back({"outer_mixed_dtypes", Kind::Dtype, {"outer", "float32", "float64"}, [] {
                     tg::outer(f32({2}), f64({3}));
                   }});
  cases.push_back({"dot_unequal_lengths", Kind::Shape, {"dot", "[3]", "[4]"}, [] {
                     tg::dot(f32({3}), f32({4}));
                   }});
  cases.push_back({"dot_mixed_dtypes", Kind::Dtype, {"dot", "float32", "float64"}, [] {
                     tg::dot(f32({3}), f64({3}));
                   }});
}

void add_shape_op_cases(std::vector<BadInput>& cases) {
  const Shape s = {2, 3};
  auto add = [&](std::string label, Kind k, std::vector<std::string> mentions,
                 std::function<void()> call) {
    cases.push_back({std::move(label), k, std::move(mentions), std::move(call)});
  };
  add("reshape_wrong_size", Kind::Shape, {"reshape", "[2, 3]", "[4, 2]"}, [s] {
    tg::reshape(f32(s), {4, 2});
  });
  add("reshape_two_minus_ones", Kind::Shape, {"reshape", "[-1, -1]"}, [s] {
    tg::reshape(f32(s), {-1, -1});
  });
  add("reshape_negative_extent", Kind::Shape, {"reshape", "[-2, -3]"}, [s] {
    tg::reshape(f32(s), {-2, -3});
  });
  add("flatten_bad_axis", Kind::Value, {"flatten", "axis 5", "rank 2"},
      [s] { tg::flatten(f32(s), 5); });
  add("flatten_end_before_start", Kind::Value, {"flatten", "[2, 3]"},
      [s] { tg::flatten(f32(s), 1, 0); });
  add("squeeze_non_unit_axis", Kind::Shape, {"squeeze", "[2, 3]"}, [s] { tg::squeeze(f32(s), 0); });
  add("squeeze_bad_axis", Kind::Value, {"squeeze", "axis 4", "rank 2"},
      [s] { tg::squeeze(f32(s), 4); });
  add("unsqueeze_bad_axis", Kind::Value, {"unsqueeze", "axis 5", "rank 3"},
      [s] { tg::unsqueeze(f32(s), 5); });
  add("expand_incompatible", Kind::Shape, {"expand", "[2, 3]", "[4, 3]"}, [s] {
    tg::expand(f32(s), {4, 3});
  });
  add("expand_smaller_rank", Kind::Shape, {"expand", "[2, 3]", "[3]"},
      [s] { tg::expand(f32(s), {3}); });
  add("broadcast_to_incompatible", Kind::Shape, {"[2, 3]", "[2, 4]"}, [s] {
    tg::broadcast_to(f32(s), {2, 4});
  });
  add("transpose_bad_axis", Kind::Value, {"transpose", "axis 2", "rank 2"},
      [s] { tg::transpose(f32(s), 0, 2); });
  add("permute_too_few_axes", Kind::Shape, {"permute", "[0]", "[2, 3]"},
      [s] { tg::permute(f32(s), {0}); });
  add("permute_repeated_axis", Kind::Value, {"permute", "[1, 1]"}, [s] {
    tg::permute(f32(s), {1, 1});
  });
  add("cat_no_tensors", Kind::Value, {"cat"}, [] { tg::cat({}); });
  add("cat_shapes_differ", Kind::Shape, {"cat", "[2, 3]", "[2, 4]"}, [s] {
    tg::cat({f32(s), f32({2, 4})}, 0);
  });
  add("cat_bad_axis", Kind::Value, {"cat", "axis 2"}, [s] { tg::cat({f32(s), f32(s)}, 2); });
  add("cat_mixed_dtypes", Kind::Dtype, {"cat", "float32", "float64"}, [s] {
    tg::cat({f32(s), f64(s)});
  });
  add("stack_no_tensors", Kind::Value, {"stack"}, [] { tg::stack({}); });
  add("stack_shapes_differ", Kind::Shape, {"stack", "[2, 3]", "[3, 2]"}, [s] {
    tg::stack({f32(s), f32({3, 2})});
  });
  add("stack_mixed_dtypes", Kind::Dtype, {"stack", "float32", "float64"}, [s] {
    tg::stack({f32(s), f64(s)});
  });
  add("split_size_zero", Kind::Value, {"split", "0"}, [s] { tg::split(f32(s), 0); });
  add("split_negative_size", Kind::Value, {"split", "-2"}, [s] { tg::split(f32(s), -2); });
  add("chunk_k_zero", Kind::Value, {"chunk", "0"}, [s] { tg::chunk(f32(s), 0); });
  add("chunk_bad_axis", Kind::Value, {"chunk", "axis 3"}, [s] { tg::chunk(f32(s), 2, 3); });
  add("slice_step_zero", Kind::Value, {"slice", "0"}, [s] { tg::slice(f32(s), 1, 0, 3, 0); });
  add("slice_negative_step", Kind::Value, {"slice", "-1"}, [s] { tg::slice(f32(s), 1, 0, 3, -1); });
  add("slice_bad_axis", Kind::Value, {"slice", "axis 2"}, [s] { tg::slice(f32(s), 2, 0, 1); });
  add("index_select_index_too_large", Kind::Value, {"index_select", "3", "[2, 3]"}, [s] {
    tg::index_select(f32(s), 1, {0, 3});
  });
  add("index_select_index_too_negative", Kind::Value, {"index_select", "-4", "[2, 3]"},
      [s] { tg::index_select(f32(s), 1, {-4}); });
  add("gather_index_out_of_range", Kind::Value, {"gather", "7", "[2, 3]"}, [s] {
    tg::gather(f32(s), 1, {{0, 7}, {2, 1}});
  });
  add("gather_index_wrong_rank", Kind::Shape, {"gather", "[2]", "[2, 3]"}, [s] {
    tg::gather(f32(s), 1, {{0, 1}, {2}});
  });
  add("gather_values_do_not_fill_index_shape", Kind::Shape, {"gather", "[2, 2]"}, [s] {
    tg::gather(f32(s), 1, {{0, 1, 2}, {2, 2}});
  });
  add("repeat_wrong_rank", Kind::Shape, {"repeat", "[2, 3]"}, [s] { tg::repeat(f32(s), {2}); });
  add("repeat_negative", Kind::Value, {"repeat", "[1, -1]"}, [s] { tg::repeat(f32(s), {1, -1}); });
  add("tile_negative", Kind::Value, {"[-2, 1]"}, [s] { tg::tile(f32(s), {-2, 1}); });
  add("pad_negative", Kind::Value, {"pad", "-1"}, [s] { tg::pad(f32(s), {0, -1}); });
  add("pad_too_many_pairs", Kind::Value, {"pad", "[2, 3]"}, [s] {
    tg::pad(f32(s), {1, 1, 1, 1, 1, 1});
  });
  add("pad_odd_count", Kind::Value, {"pad", "[2, 3]"}, [s] { tg::pad(f32(s), {1}); });
}

void add_factory_cases(std::vector<BadInput>& cases) {
  auto add = [&](std::string label, Kind k, std::vector<std::string> mentions,
                 std::function<void()> call) {
    cases.push_back({std::move(label), k, std::move(mentions), std::move(call)});
  };
  add("zeros_negative_extent", Kind::Shape, {"[2, -3]"}, [] { tg::zeros({2, -3}); });
  add("full_negative_extent", Kind::Shape, {"full", "[-1]"}, [] { tg::full({-1}, 1.0); });
  add("empty_negative_extent", Kind::Shape, {"empty", "[-4]"}, [] { tg::empty({-4}); });
  add("arange_step_zero", Kind::Value, {"arange", "step"}, [] { tg::arange(0, 1, 0); });
  add("linspace_negative_steps", Kind::Value, {"linspace", "-1"}, [] { tg::linspace(0, 1, -1); });
  add("eye_negative", Kind::Value, {"eye", "-2"}, [] { tg::eye(-2); });
  add("from_vector_wrong_count", Kind::Shape, {"from_vector", "[2, 2]", "3"}, [] {
    tg::from_vector(std::vector<float>{1, 2, 3}, {2, 2});
  });
  tg::Generator gen(1);
  add("rand_low_not_below_high", Kind::Value, {"rand", "[1, 1)"},
      [gen]() mutable { tg::rand({2}, gen, tg::kFloat32, 1, 1); });
  add("randn_negative_stddev", Kind::Value, {"randn", "-1"},
      [gen]() mutable { tg::randn({2}, gen, tg::kFloat32, 0, -1); });
  add("randint_low_not_below_high", Kind::Value, {"randint", "[3, 2)"},
      [gen]() mutable { tg::randint(3, 2, {2}, gen); });
  add("bernoulli_p_above_one", Kind::Value, {"bernoulli", "1.5"},
      [gen]() mutable { tg::bernoulli({2}, 1.5, gen); });
  add("bernoulli_tensor_p_negative", Kind::Value, {"bernoulli", "-0.5"},
      [gen]() mutable { tg::bernoulli(tg::full({2}, -0.5), gen); });
  add("randperm_negative", Kind::Value, {"randperm", "-1"},
      [gen]() mutable { tg::randperm(-1, gen); });
}

void add_engine_cases(std::vector<BadInput>& cases) {
  auto add = [&](std::string label, Kind k, std::vector<std::string> mentions,
                 std::function<void()> call) {
    cases.push_back({std::move(label), k, std::move(mentions), std::move(call)});
  };
  add("grad_non_scalar_without_grad_outputs", Kind::Graph, {"grad", "[2, 3]"}, [] {
    Tensor x = leaf({2, 3});
    tg::grad({x * 2.0}, {x});
  });
  add("grad_input_not_requiring_grad", Kind::Graph, {"grad", "[4]", "requires_grad_"}, [] {
    Tensor x = leaf({2}), y = f32({4});
    tg::grad({x.sum()}, {y});
  });
  add("grad_output_not_requiring_grad", Kind::Graph, {"grad", "does not require grad"},
      [] { tg::grad({f32({2}).sum()}, {leaf({2})}); });
  add("grad_outputs_wrong_shape", Kind::Shape, {"grad", "[3]", "[2]"}, [] {
    Tensor x = leaf({2});
    tg::grad({x * 2.0}, {x}, {.grad_outputs = {f32({3})}});
  });
  add("grad_outputs_wrong_dtype", Kind::Dtype, {"grad", "float64", "float32"}, [] {
    Tensor x = leaf({2});
    tg::grad({x * 2.0}, {x}, {.grad_outputs = {f64({2})}});
  });
  add("grad_unused_input", Kind::Graph, {"grad", "1"}, [] {
    Tensor x = leaf({2}), y = leaf({2});
    tg::grad({x.sum()}, {x, y});
  });
  add("backward_twice", Kind::Graph, {"exp", "retain_graph"}, [] {
    Tensor x = leaf({2});
    Tensor y = tg::exp(x).sum();
    y.backward();
    y.backward();
  });
  add("item_of_non_scalar", Kind::Shape, {"item", "[2, 3]"}, [] { f32({2, 3}).item<float>(); });
  add("data_wrong_dtype", Kind::Dtype, {"data", "[2]", "float32"}, [] { f32({2}).data<double>(); });
  add("copy_shape_mismatch", Kind::Shape, {"copy_", "[3]", "[2]"}, [] {
    Tensor d = f32({2});
    d.copy_(f32({3}));
  });
  add("copy_dtype_mismatch", Kind::Dtype, {"copy_", "float64", "float32"}, [] {
    Tensor d = f32({2});
    d.copy_(f64({2}));
  });
  add("set_grad_shape_mismatch", Kind::Shape, {"set_grad", "[3]", "[2]"},
      [] { leaf({2}).set_grad(f32({3})); });
  add("set_grad_dtype_mismatch", Kind::Dtype, {"set_grad", "float64", "float32"},
      [] { leaf({2}).set_grad(f64({2})); });
  add("shape_element_count_overflows", Kind::Shape, {"[1099511627776, 1099511627776]", "overflows"},
      [] {
        tg::zeros({int64_t{1} << 40, int64_t{1} << 40});
      });
  add("shape_rank_above_maximum", Kind::Value, {"rank 9"}, [] {
    tg::zeros({1, 1, 1, 1, 1, 1, 1, 1, 1});
  });
  add("backward_anomaly_names_the_op", Kind::Anomaly, {"'sqrt'"}, [] {
    Tensor x = tg::zeros({2}).requires_grad_();  // sqrt'(0) = Inf
    tg::sqrt(x).sum().backward();
  });
  cases.back().anomaly = true;
}

void add_nn_cases(std::vector<BadInput>& cases) {
  auto add = [&](std::string label, Kind k, std::vector<std::string> mentions,
                 std::function<void()> call) {
    cases.push_back({std::move(label), k, std::move(mentions), std::move(call)});
  };
  tg::Generator gen(2);
  add("Linear_wrong_in_features", Kind::Shape, {"Linear(in=3, out=4)", "[2, 5]"}, [gen]() mutable {
    tg::nn::Linear(3, 4, gen)(f32({2, 5}));
  });
  add("Linear_scalar_input", Kind::Shape, {"Linear(in=3, out=4)", "[]"},
      [gen]() mutable { tg::nn::Linear(3, 4, gen)(f32({})); });
  add("Linear_float64_input", Kind::Dtype, {"Linear(in=3, out=4)", "float64", "float32"},
      [gen]() mutable {
        tg::nn::Linear(3, 4, gen)(f64({2, 3}));
      });
  add("Linear_zero_in_features", Kind::Value, {"Linear", "in_features (0)"},
      [gen]() mutable { tg::nn::Linear(0, 4, gen); });
  add("Linear_negative_out_features", Kind::Value, {"Linear", "out_features (-1)"},
      [gen]() mutable { tg::nn::Linear(3, -1, gen); });
  add("MLP_one_size", Kind::Value, {"MLP", "[2]"},
      [gen]() mutable { tg::nn::MLP({2}, tg::nn::Activation::ReLU, gen); });
  add("MLP_zero_width", Kind::Value, {"MLP", "[2, 0, 1]"}, [gen]() mutable {
    tg::nn::MLP({2, 0, 1}, tg::nn::Activation::ReLU, gen);
  });
  add("MLP_wrong_input_width", Kind::Shape, {"Linear(in=2, out=8)", "[4, 3]"}, [gen]() mutable {
    tg::nn::MLP({2, 8, 1}, tg::nn::Activation::ReLU, gen)(f32({4, 3}));
  });
  add("MLP_nan_input_in_anomaly_mode", Kind::Anomaly, {"op '", "NaN"}, [gen]() mutable {
    tg::nn::MLP({2, 8, 1}, tg::nn::Activation::ReLU, gen)(nan32({4, 2}));
  });
  cases.back().anomaly = true;
  for (auto a : {tg::nn::Activation::ReLU, tg::nn::Activation::LeakyReLU, tg::nn::Activation::Tanh,
                 tg::nn::Activation::Sigmoid, tg::nn::Activation::ELU, tg::nn::Activation::SiLU,
                 tg::nn::Activation::GELU, tg::nn::Activation::Softplus}) {
    const std::string n(tg::nn::activation_name(a));
    add(label_of("activation_layer", n + "_nan_input_in_anomaly_mode"), Kind::Anomaly,
        {"op '", "[3]"}, [a] {
          tg::nn::ActivationLayer layer(a);
          layer(nan32({3}).requires_grad_());
        });
    cases.back().anomaly = true;
  }
  add("Maxout_k_zero", Kind::Value, {"Maxout", "pieces (0)"},
      [gen]() mutable { tg::nn::Maxout(3, 2, 0, gen); });
  add("Maxout_wrong_rank", Kind::Shape, {"Maxout(in=3, out=2, pieces=4)", "[3]"},
      [gen]() mutable { tg::nn::Maxout(3, 2, 4, gen)(f32({3})); });
  add("Maxout_wrong_in_features", Kind::Shape, {"Linear(in=3, out=8)", "[5, 4]"}, [gen]() mutable {
    tg::nn::Maxout(3, 2, 4, gen)(f32({5, 4}));
  });
  add("Maxout_float64_input", Kind::Dtype, {"float64", "float32"}, [gen]() mutable {
    tg::nn::Maxout(3, 2, 4, gen)(f64({5, 3}));
  });
  add("Dropout_p_above_one", Kind::Value, {"Dropout", "1.5"},
      [gen]() mutable { tg::nn::Dropout(1.5, gen); });
  add("Dropout_p_nan", Kind::Value, {"Dropout", "nan"},
      [gen]() mutable { tg::nn::Dropout(NAN, gen); });
  add("LayerNorm_empty_shape", Kind::Value, {"LayerNorm", "[]"},
      [] { tg::nn::LayerNorm{Shape{}}; });
  add("LayerNorm_zero_shape", Kind::Value, {"LayerNorm", "[0]"},
      [] { tg::nn::LayerNorm(Shape{0}); });
  add("LayerNorm_wrong_trailing_shape", Kind::Shape, {"LayerNorm([4])", "[2, 3]"}, [] {
    tg::nn::LayerNorm(Shape{4})(f32({2, 3}));
  });
  add("LayerNorm_float64_input", Kind::Dtype, {"float64", "float32"}, [] {
    tg::nn::LayerNorm(Shape{3})(f64({2, 3}));
  });
  add("BatchNorm1d_zero_features", Kind::Value, {"BatchNorm1d", "0"},
      [] { tg::nn::BatchNorm1d(0); });
  add("BatchNorm1d_wrong_channels", Kind::Shape, {"BatchNorm1d(4)", "[8, 3]"}, [] {
    tg::nn::BatchNorm1d(4)(f32({8, 3}));
  });
  add("BatchNorm1d_wrong_rank", Kind::Shape, {"BatchNorm1d(4)", "[4]"},
      [] { tg::nn::BatchNorm1d(4)(f32({4})); });
  add("BatchNorm1d_zero_size_batch_in_training", Kind::Value, {"BatchNorm1d(4)", "[0, 4]"}, [] {
    tg::nn::BatchNorm1d(4)(f32({0, 4}));
  });
  add("BatchNorm1d_one_sample_in_training", Kind::Value, {"BatchNorm1d(4)", "[1, 4]"}, [] {
    tg::nn::BatchNorm1d(4)(f32({1, 4}));
  });
  add("BatchNorm1d_float64_input", Kind::Dtype, {"float64", "float32"}, [] {
    tg::nn::BatchNorm1d(3)(f64({4, 3}));
  });
  add("AffineCoupling_mask_not_binary", Kind::Value, {"AffineCoupling", "0.5"}, [gen]() mutable {
    tg::nn::AffineCoupling({0.5, 1.0}, gen);
  });
  add("AffineCoupling_empty_mask", Kind::Value, {"AffineCoupling", "empty"},
      [gen]() mutable { tg::nn::AffineCoupling({}, gen); });
  add("AffineCoupling_wrong_width", Kind::Shape, {"AffineCoupling(dim=2)", "[4, 3]"},
      [gen]() mutable {
        tg::nn::AffineCoupling c(tg::nn::AffineCoupling::checkerboard(2), gen);
        c(f32({4, 3}));
      });
  const std::vector<Tensor> params = {leaf({2})};
  add("SGD_negative_lr", Kind::Value, {"SGD", "-1"},
      [params] { tg::optim::SGD(params, {.lr = -1}); });
  add("SGD_negative_momentum", Kind::Value, {"SGD", "momentum (-0.5)"},
      [params] { tg::optim::SGD(params, {.lr = 0.1, .momentum = -0.5}); });
  add("Adam_negative_lr", Kind::Value, {"Adam", "-0.001"},
      [params] { tg::optim::Adam(params, {.lr = -1e-3}); });
  add("Adam_beta1_one", Kind::Value, {"Adam", "betas (1, 0.999)"}, [params] {
    tg::optim::Adam(params, {.betas = {1.0, 0.999}});
  });
  add("Adam_negative_eps", Kind::Value, {"Adam", "eps (-1)"},
      [params] { tg::optim::Adam(params, {.eps = -1}); });
  add("AdamW_negative_weight_decay", Kind::Value, {"AdamW", "weight_decay (-1)"},
      [params] { tg::optim::AdamW(params, {.weight_decay = -1}); });
  add("RMSprop_negative_alpha", Kind::Value, {"RMSprop", "-1"},
      [params] { tg::optim::RMSprop(params, {.alpha = -1}); });
  add("clip_grad_norm_zero_norm_type", Kind::Value, {"clip_grad_norm_", "0"},
      [params] { tg::optim::clip_grad_norm_(params, 1.0, 0.0); });
  add("clip_grad_value_negative", Kind::Value, {"clip_grad_value_", "-1"},
      [params] { tg::optim::clip_grad_value_(params, -1.0); });
}

void add_estimator_cases(std::vector<BadInput>& cases) {
  auto add = [&](std::string label, Kind k, std::vector<std::string> mentions,
                 std::function<void()> call) {
    cases.push_back({std::move(label), k, std::move(mentions), std::move(call)});
  };
  const tg::est::Critic critic = [](const Tensor& x) { return tg::tanh(x).sum({1}, true); };
  tg::Generator gen(3);
  add("penalty_term_negative_lambda", Kind::Value, {"penalty_term", "lambda", "-1"},
      [critic, gen]() mutable {
        tg::est::penalty_term(tg::est::Penalty::GanGp, critic, f32({4, 2}), f32({4, 2}), -1.0, gen);
      });
  add("penalty_term_nan_lambda", Kind::Value, {"penalty_term", "nan"}, [critic, gen]() mutable {
    tg::est::penalty_term(tg::est::Penalty::WganGp, critic, f32({4, 2}), f32({4, 2}), NAN, gen);
  });
  add("penalty_term_zero_size_batch", Kind::Shape, {"interpolate", "[0, 2]"},
      [critic, gen]() mutable {
        tg::est::penalty_term(tg::est::Penalty::GanGp, critic, f32({0, 2}), f32({0, 2}), 1.0, gen);
      });
  add("interpolate_shapes_differ", Kind::Shape, {"interpolate", "[4, 2]", "[3, 2]"},
      [gen]() mutable {
        tg::est::interpolate(f32({4, 2}), f32({3, 2}), gen);
      });
  add("interpolate_unbatched", Kind::Shape, {"interpolate", "[4]"},
      [gen]() mutable { tg::est::interpolate(f32({4}), f32({4}), gen); });
  add("interpolate_mixed_dtypes", Kind::Dtype, {"float32", "float64"}, [gen]() mutable {
    tg::est::interpolate(f32({4, 2}), f64({4, 2}), gen);
  });
  add("dragan_points_c_zero", Kind::Value, {"dragan_points", "c", "0"}, [gen]() mutable {
    tg::est::dragan_points(f32({4, 2}), gen, 0.0);
  });
  add("dragan_points_zero_size_batch", Kind::Shape, {"dragan_points", "[0, 2]"}, [gen]() mutable {
    tg::est::dragan_points(f32({0, 2}), gen);
  });
  add("critic_grad_norm_critic_returns_wrong_shape", Kind::Shape,
      {"critic_grad_norm", "[4, 2]", "4"}, [] {
        tg::est::critic_grad_norm([](const Tensor& x) { return x * 2.0; }, f32({4, 2}));
      });
  add("gradient_penalty_critic_ignores_input", Kind::Graph, {"grad"}, [] {
    tg::est::gradient_penalty([](const Tensor& x) { return f32({x.size(0)}); }, f32({4, 2}));
  });
  add("discriminator_loss_mixed_dtypes", Kind::Dtype, {"discriminator_loss", "float32", "float64"},
      [] {
        tg::est::discriminator_loss(f32({4, 1}), f64({4, 1}));
      });
  add("discriminator_loss_nan_logits_in_anomaly_mode", Kind::Anomaly, {"op '", "NaN"}, [] {
    tg::est::discriminator_loss(nan32({4, 1}).requires_grad_(), leaf({4, 1}));
  });
  cases.back().anomaly = true;
  for (auto cost : {tg::est::GeneratorCost::Minimax, tg::est::GeneratorCost::NonSaturating,
                    tg::est::GeneratorCost::MaximumLikelihood}) {
    add(label_of("generator_cost", std::to_string(static_cast<int>(cost)) + "_nan_anomaly"),
        Kind::Anomaly, {"op '", "NaN"}, [cost] {
          tg::est::generator_cost(nan32({4, 1}).requires_grad_(), cost);
        });
    cases.back().anomaly = true;
  }
  add("generator_cost_ml_overflow_in_anomaly_mode", Kind::Anomaly, {"'exp'", "[4, 1]"}, [] {
    tg::est::generator_cost(tg::full({4, 1}, 200.0).requires_grad_(),
                            tg::est::GeneratorCost::MaximumLikelihood);
  });
  cases.back().anomaly = true;
}

std::vector<BadInput> bad_inputs() {
  std::vector<BadInput> cases;
  add_elementwise_cases(cases);
  add_reduction_cases(cases);
  add_linalg_cases(cases);
  add_shape_op_cases(cases);
  add_factory_cases(cases);
  add_engine_cases(cases);
  add_nn_cases(cases);
  add_estimator_cases(cases);
  return cases;
}

class BadInputSweep : public testing::TestWithParam<BadInput> {};

TEST_P(BadInputSweep, ThrowsTheDocumentedErrorNamingTheOpAndShapes) {
  const BadInput& c = GetParam();
  std::optional<tg::DetectAnomalyGuard> anomaly;
  if (c.anomaly) anomaly.emplace();
  try {
    c.call();
    ADD_FAILURE() << c.label << ": expected " << kind_name(c.expected) << ", nothing was thrown";
  } catch (const tg::Error& e) {
    const std::string msg = e.what();
    EXPECT_TRUE(is_kind(e, c.expected)) << c.label << ": expected " << kind_name(c.expected)
                                        << ", got " << typeid(e).name() << ": " << msg;
    for (const auto& m : c.mentions)
      EXPECT_NE(msg.find(m), std::string::npos)
          << c.label << ": the message does not mention \"" << m << "\": " << msg;
  } catch (const std::exception& e) {
    ADD_FAILURE() << c.label << ": expected " << kind_name(c.expected)
                  << ", got a non-tg exception " << typeid(e).name() << ": " << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(All, BadInputSweep, testing::ValuesIn(bad_inputs()),
                         [](const testing::TestParamInfo<BadInput>& info) {
                           return info.param.label;
                         });

// ---------------------------------------------------------------------------------------
// Table 2: legal calls on degenerate input and their documented results.

enum class Expect { AllNaN, AllNonFinite, AllFinite, Zero };

struct Documented {
  std::string label;
  std::function<Tensor()> call;
  Shape shape;
  Expect values;
};

void PrintTo(const Documented& c, std::ostream* os) { *os << c.label; }

std::vector<Documented> documented_results() {
  std::vector<Documented> cases;
  for (const auto& op : unary_ops()) {
    const Unary fn = op.fn;
    // Empty in, empty out: no error, no kernel reads.
    cases.push_back({label_of(op.name, "empty"),
                     [fn] {
                       return fn(leaf({0, 3}));
                     },
                     {0, 3},
                     Expect::AllFinite});
    // Anomaly mode off: NaN propagates (IEEE), never silently replaced.
    cases.push_back({label_of(op.name, "nan_propagates_with_anomaly_off"),
                     [fn] {
                       return fn(nan32({2, 3}));
                     },
                     {2, 3},
                     Expect::AllNaN});
    const double bad = op.bad_value;
    cases.push_back({label_of(op.name, "bad_value_gives_non_finite_with_anomaly_off"),
                     [fn, bad] {
                       return fn(tg::full({2, 3}, bad));
                     },
                     {2, 3},
                     Expect::AllNonFinite});
  }
  for (const auto& op : binary_ops()) {
    const Binary fn = op.fn;
    if (op.name == "matmul" || op.name.find("loss") != std::string::npos ||
        op.name.find("entropy") != std::string::npos)
      continue;
    cases.push_back({label_of(op.name, "empty_broadcasts_with_a_row"),
                     [fn] {
                       return fn(leaf({0, 3}), leaf({1, 3}));
                     },
                     {0, 3},
                     Expect::AllFinite});
  }
  for (const auto& r : reductions()) {
    if (!r.empty_ok) continue;
    const auto fn = r.fn;
    cases.push_back({label_of(r.name, "empty_rows_reduce_to_empty"),
                     [fn] {
                       return fn(leaf({0, 3}), {1});
                     },
                     r.name.find("softmax") == std::string::npos ? Shape{0} : Shape{0, 3},
                     Expect::AllFinite});
  }
  cases.push_back({"sum_of_empty_is_zero", [] { return tg::sum(leaf({0, 3})); }, {}, Expect::Zero});
  cases.push_back({"norm_of_empty_is_zero",
                   [] {
                     return tg::norm(leaf({0, 3}));
                   },
                   {},
                   Expect::Zero});
  cases.push_back({"mean_of_empty_is_nan",
                   [] {
                     return tg::mean(leaf({0, 3}));
                   },
                   {},
                   Expect::AllNaN});
  cases.push_back({"matmul_empty_inner_is_zeros",
                   [] {
                     return tg::matmul(leaf({2, 0}), leaf({0, 4}));
                   },
                   {2, 4},
                   Expect::Zero});
  cases.push_back({"matmul_zero_rows",
                   [] {
                     return tg::matmul(leaf({0, 3}), leaf({3, 4}));
                   },
                   {0, 4},
                   Expect::AllFinite});
  cases.push_back({"mse_loss_of_empty_is_nan",
                   [] {
                     return tg::mse_loss(leaf({0, 2}), f32({0, 2}));
                   },
                   {},
                   Expect::AllNaN});
  cases.push_back({"slice_start_after_stop_is_empty",
                   [] {
                     return tg::slice(leaf({2, 3}), 1, 2, 1);
                   },
                   {2, 0},
                   Expect::AllFinite});
  cases.push_back({"pad_zero_size",
                   [] {
                     return tg::pad(leaf({0, 2}), {1, 1});  // pairs start at the first axis
                   },
                   {2, 2},
                   Expect::Zero});
  cases.push_back({"cat_with_an_empty_tensor",
                   [] {
                     return tg::cat({leaf({0, 3}), leaf({2, 3})});
                   },
                   {2, 3},
                   Expect::AllFinite});
  cases.push_back({"randn_zero_size",
                   [] {
                     tg::Generator gen(1);
                     return tg::randn({0, 5}, gen);
                   },
                   {0, 5},
                   Expect::AllFinite});
  tg::Generator gen(4);
  cases.push_back({"Linear_zero_size_batch",
                   [gen]() mutable {
                     return tg::nn::Linear(3, 4, gen)(f32({0, 3}));
                   },
                   {0, 4},
                   Expect::AllFinite});
  cases.push_back({"MLP_zero_size_batch",
                   [gen]() mutable {
                     return tg::nn::MLP({2, 8, 1}, tg::nn::Activation::Tanh, gen)(f32({0, 2}));
                   },
                   {0, 1},
                   Expect::AllFinite});
  cases.push_back({"Maxout_zero_size_batch",
                   [gen]() mutable {
                     return tg::nn::Maxout(3, 2, 4, gen)(f32({0, 3}));
                   },
                   {0, 2},
                   Expect::AllFinite});
  cases.push_back({"max_over_a_non_empty_axis_of_zero_rows",
                   [] {
                     return tg::max(leaf({0, 3}), {1});
                   },
                   {0},
                   Expect::AllFinite});
  cases.push_back({"LayerNorm_zero_size_batch",
                   [] {
                     return tg::nn::LayerNorm(Shape{3})(f32({0, 3}));
                   },
                   {0, 3},
                   Expect::AllFinite});
  cases.push_back({"BatchNorm1d_eval_zero_size_batch",
                   [] {
                     tg::nn::BatchNorm1d bn(3);
                     bn.eval();
                     return bn(f32({0, 3}));
                   },
                   {0, 3},
                   Expect::AllFinite});
  cases.push_back({"Dropout_zero_size_batch",
                   [gen]() mutable {
                     return tg::nn::Dropout(0.5, gen)(f32({0, 3}));
                   },
                   {0, 3},
                   Expect::AllFinite});
  cases.push_back({"AffineCoupling_zero_size_batch",
                   [gen]() mutable {
                     tg::nn::AffineCoupling c(tg::nn::AffineCoupling::checkerboard(2), gen);
                     return c(f32({0, 2}));
                   },
                   {0, 2},
                   Expect::AllFinite});
  cases.push_back({"MLP_nan_input_propagates_with_anomaly_off",
                   [gen]() mutable {
                     return tg::nn::MLP({2, 8, 1}, tg::nn::Activation::Tanh, gen)(nan32({4, 2}));
                   },
                   {4, 1},
                   Expect::AllNaN});
  cases.push_back({"discriminator_loss_nan_propagates_with_anomaly_off",
                   [] {
                     return tg::est::discriminator_loss(nan32({4, 1}), f32({4, 1}));
                   },
                   {},
                   Expect::AllNaN});
  cases.push_back({"generator_cost_ml_overflow_is_inf_with_anomaly_off",
                   [] {
                     return tg::est::generator_cost(tg::full({4, 1}, 200.0),
                                                    tg::est::GeneratorCost::MaximumLikelihood);
                   },
                   {},
                   Expect::AllNonFinite});
  cases.push_back({"penalty_none_is_zero",
                   [gen]() mutable {
                     return tg::est::penalty_term(
                         tg::est::Penalty::None, [](const Tensor& x) { return x; }, f32({0, 2}),
                         f32({0, 2}), 1.0, gen);
                   },
                   {},
                   Expect::Zero});
  return cases;
}

class DocumentedResult : public testing::TestWithParam<Documented> {};

TEST_P(DocumentedResult, MatchesTheDocumentation) {
  const Documented& c = GetParam();
  Tensor out = c.call();
  ASSERT_EQ(out.shape(), c.shape) << c.label << ": got shape " << out.shape().str();
  const auto v = out.to(tg::kFloat64).to_vector<double>();
  for (double x : v) {
    switch (c.values) {
      case Expect::AllNaN:
        EXPECT_TRUE(std::isnan(x)) << c.label << ": " << x;
        break;
      case Expect::AllNonFinite:
        EXPECT_FALSE(std::isfinite(x)) << c.label << ": " << x;
        break;
      case Expect::AllFinite:
        EXPECT_TRUE(std::isfinite(x)) << c.label << ": " << x;
        break;
      case Expect::Zero:
        EXPECT_EQ(x, 0.0) << c.label;
        break;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(All, DocumentedResult, testing::ValuesIn(documented_results()),
                         [](const testing::TestParamInfo<Documented>& info) {
                           return info.param.label;
                         });

}  // namespace

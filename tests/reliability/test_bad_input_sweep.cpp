// Bad-input sweep: every public op (autograd/include/tapegrad/autograd/ops/*.hpp), the
// engine's entry points, every nn layer and optimiser, and the estimators, called with
// wrong shapes, mixed dtypes, empty tensors, NaN/Inf inputs (anomaly mode on and off),
// zero-size batches and out-of-range arguments.
//
// The per-op cases come from the op table (tests/common/op_table.hpp); the engine's, the
// factories', nn's and the estimators' are listed here. Two tables:
// - BadInput: the call must throw the documented tg::Error subclass, and its message must
//   name the op and the offending shapes (or dtypes, or argument).
// - Documented: the call is legal (empty tensors, NaN with anomaly mode off, zero-size
//   batches) and its result is what docs/reliability.md says.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "op_table.hpp"
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
// The per-op lists, drawn from the op table (tests/common/op_table.hpp): each op once.

using Unary = std::function<Tensor(const Tensor&)>;
using Binary = std::function<Tensor(const Tensor&, const Tensor&)>;

struct UnaryOp {
  std::string name;
  Unary fn;
  double bad_value;  ///< an input value for which the op's output is NaN or Inf
};

/// The unary ops with a value at which their output is not finite.
std::vector<UnaryOp> unary_ops() {
  std::vector<UnaryOp> ops;
  for (const auto& e : tgtest::op_table())
    if (e.non_finite_at) {
      const tg::DifferentiableFn fn = e.fn;
      ops.push_back({e.label, [fn](const Tensor& x) { return fn({x}); }, *e.non_finite_at});
    }
  return ops;
}

struct BinaryOp {
  std::string name;
  Binary fn;
};

/// The binary ops with NumPy broadcasting (arithmetic, comparisons, where).
std::vector<BinaryOp> broadcasting_ops() {
  std::vector<BinaryOp> ops;
  for (const auto& e : tgtest::op_table())
    if (e.broadcasts) {
      const tg::DifferentiableFn fn = e.fn;
      ops.push_back({e.label, [fn](const Tensor& a, const Tensor& b) { return fn({a, b}); }});
    }
  return ops;
}

struct Reduction {
  std::string name;
  std::function<Tensor(const Tensor&, const tg::Axes&)> fn;
  bool empty_ok;  ///< sum-like reductions have a value on empty input; max-like ones do not
};

/// The reductions, over given axes.
std::vector<Reduction> reductions() {
  std::vector<Reduction> ops;
  for (const auto& e : tgtest::op_table())
    if (e.over_axes) ops.push_back({e.label, e.over_axes, e.empty_ok});
  return ops;
}

// ---------------------------------------------------------------------------------------
// Table 1: calls that must throw.

using Kind = tgtest::ErrorKind;
using tgtest::kind_name;
using tgtest::label_of;

struct BadInput {
  std::string label;  ///< unique test name: [A-Za-z0-9_]
  Kind expected;
  std::vector<std::string> mentions;  ///< the message names the op and these shapes/values
  std::function<void()> call;
  bool anomaly = false;  ///< run under tg::DetectAnomalyGuard
};

void PrintTo(const BadInput& c, std::ostream* os) { *os << c.label; }

/// Every bad input of every op in the op table: wrong shapes, mixed dtypes, out-of-range
/// arguments, and non-finite values under anomaly mode.
void add_op_table_cases(std::vector<BadInput>& cases) {
  for (const auto& e : tgtest::op_table())
    for (const auto& b : e.bad)
      cases.push_back({label_of(e.label, b.what), b.expected, b.mentions, b.call, b.anomaly});
}

/// A NaN input under anomaly mode, for every reduction (the op table's entries hold the
/// reductions' bad axes, corrections and empty inputs).
void add_reduction_cases(std::vector<BadInput>& cases) {
  for (const auto& r : reductions()) {
    const auto fn = r.fn;
    cases.push_back({label_of(r.name, "nan_input_in_anomaly_mode"),
                     Kind::Anomaly,
                     {"op '", "NaN"},
                     [fn] {
                       fn(nan32({2, 3}).requires_grad_(), {1});
                     },
                     true});
  }
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
  add_op_table_cases(cases);
  add_reduction_cases(cases);
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
    EXPECT_TRUE(tgtest::is_kind(e, c.expected)) << c.label << ": expected " << kind_name(c.expected)
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
  for (const auto& op : broadcasting_ops()) {
    const Binary fn = op.fn;
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
                     return tg::pad(leaf({0, 2}), {{1, 1}, {0, 0}});
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

// Forward mode's entry points (forward.hpp): jvp's checks, hvp both ways against finite
// differences, the forward Laplacian against both Hessian-trace forms on MLP energies with
// every activation, its parameter gradient, and the errors. Every op's tangent and
// curvature rules are checked in test_op_table.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "checks.hpp"
#include "tapegrad/autograd.hpp"

namespace {

using tg::Tensor;
using tg::TensorList;

Tensor sample(const tg::Shape& shape, uint64_t seed, double scale = 1) {
  tg::Generator gen(seed);
  return tg::randn(shape, gen, tg::kFloat64) * scale;
}

using Activation = std::function<Tensor(const Tensor&)>;

struct NamedActivation {
  const char* name;
  Activation fn;
};

const std::vector<NamedActivation>& activations() {
  static const std::vector<NamedActivation> all = {
      {"tanh", [](const Tensor& v) { return tg::tanh(v); }},
      {"sigmoid", [](const Tensor& v) { return tg::sigmoid(v); }},
      {"softplus", [](const Tensor& v) { return tg::softplus(v); }},
      {"log_sigmoid", [](const Tensor& v) { return tg::log_sigmoid(v); }},
      {"silu", [](const Tensor& v) { return tg::silu(v); }},
      {"gelu", [](const Tensor& v) { return tg::gelu(v); }},
      {"gelu_tanh", [](const Tensor& v) { return tg::gelu(v, tg::GeluApproximate::Tanh); }},
      {"elu", [](const Tensor& v) { return tg::elu(v); }},
      {"relu", [](const Tensor& v) { return tg::relu(v); }},
      {"leaky_relu", [](const Tensor& v) { return tg::leaky_relu(v, 0.2); }},
      {"sin", [](const Tensor& v) { return tg::sin(v); }},
      {"square", [](const Tensor& v) { return tg::square(v); }},
  };
  return all;
}

/// E(x) = w3ᵀ φ(W2 φ(W1 x + b1) + b2): the estimators' energy network, [B, D] -> [B].
struct Mlp {
  Tensor w1, b1, w2, b2, w3;
  Mlp(int64_t d, int64_t h, uint64_t seed)
      : w1(sample({h, d}, seed, 1.0 / std::sqrt(static_cast<double>(d))).requires_grad_()),
        b1(sample({h}, seed + 1, 0.1).requires_grad_()),
        w2(sample({h, h}, seed + 2, 1.0 / std::sqrt(static_cast<double>(h))).requires_grad_()),
        b2(sample({h}, seed + 3, 0.1).requires_grad_()),
        w3(sample({1, h}, seed + 4).requires_grad_()) {}
  TensorList params() const { return {w1, b1, w2, b2, w3}; }
  static Tensor apply(const Tensor& x, const TensorList& p, const Activation& phi) {
    Tensor h = phi(tg::linear(phi(tg::linear(x, p[0], p[1])), p[2], p[3]));
    return tg::reshape(tg::linear(h, p[4]), {x.size(0)});
  }
};

TEST(ForwardLaplacian, EqualsBothHessianTraceFormsForMlpEnergiesWithEveryActivation) {
  for (int64_t d : {2, 16, 64}) {
    const Mlp net(d, 8, 10);
    Tensor x = sample({4, d}, 20).requires_grad_();
    for (const auto& [name, phi] : activations()) {
      SCOPED_TRACE(std::string(name) + ", D = " + std::to_string(d));
      tg::BatchScalarFn f = [&](const Tensor& v) { return Mlp::apply(v, net.params(), phi); };
      const tg::ForwardLaplacian lap = tg::forward_laplacian(f, x);
      const auto loop = tg::gradient_and_hessian_trace(f, x, tg::TraceMethod::Loop);
      const auto rep = tg::gradient_and_hessian_trace(f, x, tg::TraceMethod::Replicated);
      EXPECT_TRUE(tgtest::values_near(lap.value, f(x).to_vector<double>(), 0));
      for (const auto* exact : {&loop, &rep}) {
        EXPECT_TRUE(
            tgtest::values_near(lap.gradient, exact->field.to_vector<double>(), 1e-12, 1e-11));
        EXPECT_TRUE(
            tgtest::values_near(lap.laplacian, exact->trace.to_vector<double>(), 1e-11, 1e-10));
      }
    }
  }
}

TEST(ForwardLaplacian, ItsParameterGradientPassesGradcheck) {
  const Mlp net(3, 5, 30);
  const Tensor x = sample({4, 3}, 31);
  for (const char* name : {"softplus", "tanh", "gelu"}) {
    const Activation& phi =
        std::find_if(activations().begin(), activations().end(), [&](const NamedActivation& a) {
          return std::string(a.name) == name;
        })->fn;
    // The exact score-matching loss ½‖∇E‖² − ΔE built from the sweep.
    auto loss = [&](const TensorList& p) {
      tg::ForwardLaplacian l =
          tg::forward_laplacian([&](const Tensor& v) { return Mlp::apply(v, p, phi); }, x);
      return tg::mean((l.gradient * l.gradient).sum({1}) * 0.5 - l.laplacian);
    };
    EXPECT_TRUE(tgtest::grad_ok(loss, net.params())) << name;
  }
}

TEST(ForwardLaplacian, RejectsXThatIsNotABatchAndFThatIsNotPerSample) {
  const Tensor x = sample({4, 3}, 1);
  EXPECT_TRUE(tgtest::throws<tg::ShapeError>(
      [&] { tg::forward_laplacian([](const Tensor& v) { return v.sum({1}); }, x.reshape({12})); },
      {"forward_laplacian", "[B, D]", "[12]"}));
  EXPECT_TRUE(tgtest::throws<tg::ShapeError>(
      [&] { tg::forward_laplacian([](const Tensor& v) { return v * 2.0; }, x); },
      {"forward_laplacian", "one value per sample", "[4]", "[4, 3]"}));
}

// y = x³ with a tangent rule but no curvature, and one with no forward rule at all.
struct CubeWithJvp : tg::Function<CubeWithJvp> {
  static std::string_view name() { return "cube_with_jvp"; }
  static Tensor forward(tg::FunctionContext& ctx, const TensorList& in) {
    ctx.save_for_backward({in[0]});
    return tg::pow(in[0], 3.0);
  }
  static TensorList backward(tg::BackwardContext& ctx) {
    return {ctx.grad() * tg::square(ctx.saved(0)) * 3.0};
  }
  static Tensor jvp(const tg::ForwardContext& c) {
    return c.tangent(0) * tg::square(c.input(0)) * 3.0;
  }
};
struct CubeWithoutJvp : tg::Function<CubeWithoutJvp> {
  static std::string_view name() { return "cube_without_jvp"; }
  static Tensor forward(tg::FunctionContext& ctx, const TensorList& in) {
    return CubeWithJvp::forward(ctx, in);
  }
  static TensorList backward(tg::BackwardContext& ctx) { return CubeWithJvp::backward(ctx); }
};

TEST(Jvp, ACustomFunctionTakesPartThroughItsJvpAndNamesWhatItLacks) {
  const Tensor x = sample({2, 3}, 2), v = sample({2, 3}, 3);
  const Tensor t =
      tg::jvp([](const TensorList& in) { return CubeWithJvp::apply(in); }, {x}, {v}).tangent;
  EXPECT_TRUE(tgtest::values_near(t, (v * tg::square(x) * 3.0).to_vector<double>(), 1e-15));
  EXPECT_TRUE(tgtest::throws<tg::GraphError>(
      [&] { tg::jvp([](const TensorList& in) { return CubeWithoutJvp::apply(in); }, {x}, {v}); },
      {"'cube_without_jvp' has no forward-mode (tangent) rule", "[2, 3]"}));
  EXPECT_TRUE(tgtest::throws<tg::GraphError>(
      [&] {
        tg::forward_laplacian([](const Tensor& in) { return CubeWithJvp::apply({in}).sum({1}); },
                              x);
      },
      {"'cube_with_jvp' has a tangent rule but no curvature rule"}));
}

TEST(Jvp, TangentsThatDoNotMatchTheirPrimalsAreRefusedNamingBoth) {
  const Tensor x = sample({2, 3}, 4);
  auto f = [](const TensorList& in) { return tg::exp(in[0]); };
  EXPECT_TRUE(tgtest::throws<tg::ShapeError>(
      [&] {
        tg::jvp(f, {x}, {sample({3, 2}, 5)});
      },
      {"jvp: tangent 0 has shape [3, 2]", "[2, 3]"}));
  EXPECT_TRUE(tgtest::throws<tg::DtypeError>([&] { tg::jvp(f, {x}, {x.to(tg::kFloat32)}); },
                                             {"jvp: tangent 0 is float32", "float64", "[2, 3]"}));
  EXPECT_TRUE(tgtest::throws<tg::ValueError>([&] { tg::jvp(f, {x}, {}); },
                                             {"jvp: 1 primals but 0 tangents"}));
  EXPECT_TRUE(tgtest::throws<tg::ShapeError>([&] { tg::jvp(f, {x}, {x}, {.batched = true}); },
                                             {"tangent 0 has shape [2, 3]", "expected [K, 2, 3]"}));
  auto g = [](const TensorList& in) { return in[0] * in[1]; };
  EXPECT_TRUE(tgtest::throws<tg::ShapeError>(
      [&] {
        tg::jvp(g, {x, x}, {sample({4, 2, 3}, 6), sample({5, 2, 3}, 7)}, {.batched = true});
      },
      {"different counts K: 4 for tangent 0, 5 for tangent 1"}));
}

// Tangents shared by a batch, [K, 1, D] (stored so through linear and elementwise ops),
// give the same JVPs as the same tangents written out for every sample.
TEST(Jvp, CompactTangentsEqualTheirFullForm) {
  const Tensor x = sample({5, 3}, 21), w = sample({4, 3}, 22), b = sample({4}, 23);
  const Tensor shared = sample({2, 1, 3}, 24);
  auto f = [&](const TensorList& in) {
    Tensor h = tg::softplus(tg::linear(in[0], w, b));
    return tg::sum(h * h, {1}) + tg::sum(tg::max(h, {0}));  // a reduction over the batch too
  };
  const Tensor compact = tg::jvp(f, {x}, {shared}, {.batched = true}).tangent;
  const Tensor full = tg::jvp(f, {x}, {tg::expand(shared, {2, 5, 3})}, {.batched = true}).tangent;
  ASSERT_TRUE(tgtest::shape_is(compact, {2, 5}));
  EXPECT_TRUE(tgtest::values_near(compact, full.to_vector<double>(), 1e-14, 1e-13));
}

TEST(Jvp, AnOutputThatDoesNotDependOnThePrimalsHasAZeroTangent) {
  const Tensor x = sample({2}, 8), c = sample({3}, 9);
  const tg::JvpResult r = tg::jvp([&](const TensorList&) { return tg::exp(c); }, {x}, {x});
  EXPECT_TRUE(tgtest::values_near(r.tangent, {0, 0, 0}, 0));
}

// A tensor kept from inside a finished sweep carries a dead slot: later ops ignore it,
// so even an op without a forward rule runs.
TEST(Jvp, TangentsOfAFinishedSweepAreIgnored) {
  const Tensor x = sample({3}, 10);
  Tensor kept;
  tg::jvp(
      [&](const TensorList& in) {
        kept = tg::exp(in[0]);
        return kept;
      },
      {x}, {x});
  EXPECT_NO_THROW(CubeWithoutJvp::apply({kept}));
}

Tensor scalar_energy(const Tensor& x, const Tensor& w) {  // Σ softplus(W x)² + Σ x⁴
  return tg::sum(tg::square(tg::softplus(tg::matmul(w, x)))) + tg::sum(tg::pow(x, 4.0));
}

TEST(Hvp, BothFormsAgreeWithEachOtherAndWithFiniteDifferencesOfTheGradient) {
  const Tensor w = sample({4, 3}, 11);
  const Tensor x = sample({3}, 12), v = sample({3}, 13);
  auto f = [&](const TensorList& in) { return scalar_energy(in[0], w); };
  const Tensor rr = tg::hvp(f, x, v);
  const Tensor fr = tg::hvp(f, x, v, {.mode = tg::HvpMode::ForwardOverReverse});
  EXPECT_TRUE(tgtest::values_near(fr, rr.to_vector<double>(), 1e-12, 1e-12));
  // Central differences of ∇f along v: error O(h²) ≈ 1e-10 for h = 1e-5, with the
  // rounding error O(ε/h) ≈ 1e-11.
  const double h = 1e-5;
  auto gradient_at = [&](const Tensor& at) {
    Tensor leaf = at.detach().requires_grad_();
    return tg::grad({f({leaf})}, {leaf})[0];
  };
  const Tensor fd = (gradient_at(x + v * h) - gradient_at(x - v * h)) / (2 * h);
  EXPECT_TRUE(tgtest::values_near(rr, fd.to_vector<double>(), 1e-7, 1e-7));
}

TEST(Hvp, ReverseOverReverseCanBeDifferentiatedAgainAndForwardOverReverseSaysItCannot) {
  Tensor w = sample({4, 3}, 14).requires_grad_();
  const Tensor x = sample({3}, 15), v = sample({3}, 16);
  auto f = [&](const TensorList& in) { return scalar_energy(in[0], w); };
  const Tensor hv = tg::hvp(f, x, v, {.create_graph = true});
  EXPECT_TRUE(hv.requires_grad());
  EXPECT_TRUE(tgtest::grad_ok(
      [&](const TensorList& p) {
        return tg::sum(tg::hvp([&](const TensorList& in) { return scalar_energy(in[0], p[0]); }, x,
                               v, {.create_graph = true}));
      },
      {w}));
  EXPECT_TRUE(tgtest::throws<tg::GraphError>(
      [&] { tg::hvp(f, x, v, {.mode = tg::HvpMode::ForwardOverReverse, .create_graph = true}); },
      {"hvp: create_graph needs the reverse-over-reverse form"}));
  EXPECT_TRUE(tgtest::throws<tg::ShapeError>([&] { tg::hvp(f, x, sample({2}, 17)); },
                                             {"hvp: v is [2] float64 but x is [3] float64"}));
}

// A recorded backward inside a live sweep would need a saved output's tangent as a graph,
// which is kept as values (Note [Saved tangents]): refused, never silently wrong.
TEST(Jvp, ARecordedBackwardInsideASweepThatNeedsASavedTangentsGraphIsRefused) {
  Tensor w = sample({3}, 18).requires_grad_();
  const Tensor x = sample({3}, 19), v = sample({3}, 20);
  auto inner_gradient = [&](const TensorList& in) {
    Tensor leaf = in[0];
    Tensor y = tg::sum(tg::exp(leaf * w));  // exp saves its output
    return tg::grad({y}, {leaf}, {.create_graph = true})[0];
  };
  Tensor xr = x.detach().requires_grad_();
  EXPECT_TRUE(tgtest::throws<tg::GraphError>([&] { tg::jvp(inner_gradient, {xr}, {v}); },
                                             {"exp", "tangent of a saved output"}));
}

}  // namespace

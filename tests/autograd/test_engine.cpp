// The engine: grad() and backward(), their options, pruning, grad mode, detach, leaf
// accumulation, the version counter and deep graphs (autograd/src/engine.cpp).
#include <gtest/gtest.h>

#include "checks.hpp"

#include <atomic>
#include <cmath>
#include <string>

#include "tapegrad/autograd.hpp"

namespace {

using tg::Tensor;
using tg::TensorList;

Tensor vec(std::vector<double> v) {
  const auto n = static_cast<int64_t>(v.size());
  return tg::from_vector(v, {n});
}
std::vector<double> values(const Tensor& t) { return t.to_vector<double>(); }

// y = x (identity) whose backward counts its calls: proves which nodes a pass runs.
std::atomic<int> g_counted_backward_calls{0};
struct Counted : tg::Function<Counted> {
  static std::string_view name() { return "counted"; }
  static Tensor forward(tg::FunctionContext&, const TensorList& in) { return in[0].clone(); }
  // ∂y/∂x = 1
  static TensorList backward(tg::BackwardContext& ctx) {
    const Tensor g = ctx.grad();
    ++g_counted_backward_calls;
    return {g};
  }
};

TEST(Engine, GradReturnsGradientsAndLeavesDotGradAlone) {
  Tensor x = vec({1, 2, 3}).requires_grad_();
  Tensor y = (x * x * x).sum();  // dy/dx = 3x²
  TensorList g = tg::grad({y}, {x});
  EXPECT_EQ(values(g[0]), (std::vector<double>{3, 12, 27}));
  EXPECT_FALSE(x.grad().defined());
  EXPECT_FALSE(g[0].requires_grad());
}

TEST(Engine, BackwardAccumulatesIntoLeaves) {
  Tensor x = vec({1, 2, 3}).requires_grad_();
  Tensor w = vec({4, 5, 6}).requires_grad_();
  (x * w).sum().backward();
  EXPECT_EQ(values(x.grad()), (std::vector<double>{4, 5, 6}));
  EXPECT_EQ(values(w.grad()), (std::vector<double>{1, 2, 3}));
}

TEST(Engine, GradOutputsWeighTheOutputs) {
  Tensor x = vec({1, 2, 3}).requires_grad_();
  Tensor y = x * x;
  TensorList g = tg::grad({y}, {x}, {.grad_outputs = {vec({1, 10, 100})}});
  EXPECT_EQ(values(g[0]), (std::vector<double>{2, 40, 600}));  // 2x · v
}

TEST(Engine, SeveralOutputsSumTheirContributions) {
  Tensor x = vec({1, 2}).requires_grad_();
  Tensor a = (x * x).sum();    // 2x
  Tensor b = (x * 3.0).sum();  // 3
  Tensor c = a * 2.0;          // 4x; `a` is also an output and an input of c
  TensorList g = tg::grad({a, b, c}, {x});
  EXPECT_EQ(values(g[0]), (std::vector<double>{2 + 3 + 4, 4 + 3 + 8}));
}

TEST(Engine, GradOutputsOfTheWrongShapeThrow) {
  Tensor x = vec({1, 2, 3}).requires_grad_();
  Tensor y = x * x;
  const std::string msg = tgtest::error_message<tg::ShapeError>([&] {
    tg::grad({y}, {x}, {.grad_outputs = {vec({1, 2})}});
  });
  EXPECT_NE(msg.find("[2]"), std::string::npos) << msg;
  EXPECT_NE(msg.find("[3]"), std::string::npos) << msg;
}

TEST(Engine, SecondPassWithoutRetainGraphThrows) {
  Tensor x = vec({1, 2}).requires_grad_();
  Tensor y = (x * x).sum();
  y.backward();
  const std::string msg = tgtest::error_message<tg::GraphError>([&] { y.backward(); });
  EXPECT_NE(msg.find("mul"), std::string::npos) << msg;
  EXPECT_NE(msg.find("retain_graph"), std::string::npos) << msg;
  EXPECT_NE(msg.find("second time"), std::string::npos) << msg;
}

TEST(Engine, SecondPassWithRetainGraphWorks) {
  Tensor x = vec({1, 2}).requires_grad_();
  Tensor y = (x * x).sum();
  TensorList g1 = tg::grad({y}, {x}, {.retain_graph = true});
  TensorList g2 = tg::grad({y}, {x}, {.retain_graph = true});
  EXPECT_EQ(values(g1[0]), values(g2[0]));
  y.backward({.retain_graph = true});
  y.backward();
  EXPECT_EQ(values(x.grad()), (std::vector<double>{4, 8}));  // 2 · 2x
  EXPECT_THROW(y.backward(), tg::GraphError);                // the last pass freed it
}

TEST(Engine, CreateGraphToThirdOrder) {
  // y = Σ sin x: y' = cos x, y'' = −sin x, y''' = −cos x.
  Tensor x = vec({0.3, -1.2, 2.0}).requires_grad_();
  Tensor y = tg::sin(x).sum();
  Tensor g1 = tg::grad({y}, {x}, {.create_graph = true})[0];
  ASSERT_TRUE(g1.requires_grad());
  Tensor g2 = tg::grad({g1.sum()}, {x}, {.create_graph = true})[0];
  ASSERT_TRUE(g2.requires_grad());
  Tensor g3 = tg::grad({g2.sum()}, {x})[0];
  EXPECT_FALSE(g3.requires_grad());
  const std::vector<double> xs = values(x);
  for (size_t i = 0; i < xs.size(); ++i) {
    EXPECT_NEAR(values(g1)[i], std::cos(xs[i]), 1e-15);
    EXPECT_NEAR(values(g2)[i], -std::sin(xs[i]), 1e-15);
    EXPECT_NEAR(values(g3)[i], -std::cos(xs[i]), 1e-15);
  }
}

TEST(Engine, AllowUnused) {
  Tensor a = vec({1, 2}).requires_grad_();
  Tensor b = vec({3, 4}).requires_grad_();
  Tensor y = (a * 2.0).sum();
  const std::string msg = tgtest::error_message<tg::GraphError>([&] {
    tg::grad({y}, {a, b}, {.retain_graph = true});
  });
  EXPECT_NE(msg.find("input 1"), std::string::npos) << msg;
  EXPECT_NE(msg.find("allow_unused"), std::string::npos) << msg;
  TensorList g = tg::grad({y}, {a, b}, {.allow_unused = true});
  EXPECT_EQ(values(g[0]), (std::vector<double>{2, 2}));
  EXPECT_FALSE(g[1].defined());
}

TEST(Engine, GradRunsOnlyNodesOnAPathToTheInputs) {
  Tensor a = vec({1, 2}).requires_grad_();
  Tensor b = vec({3, 4}).requires_grad_();
  Tensor y = (Counted::apply({a}) * 2.0 + b * b).sum();
  g_counted_backward_calls = 0;
  TensorList gb = tg::grad({y}, {b}, {.retain_graph = true});
  EXPECT_EQ(values(gb[0]), (std::vector<double>{6, 8}));
  EXPECT_EQ(g_counted_backward_calls.load(), 0);  // `counted` leads only to a
  TensorList ga = tg::grad({y}, {a}, {.retain_graph = true});
  EXPECT_EQ(values(ga[0]), (std::vector<double>{2, 2}));
  EXPECT_EQ(g_counted_backward_calls.load(), 1);
  y.backward();  // backward() reaches every leaf
  EXPECT_EQ(g_counted_backward_calls.load(), 2);
}

TEST(Engine, GradWrtNonLeafDoesNotRunItsProducer) {
  Tensor x = vec({1, 2}).requires_grad_();
  Tensor h = Counted::apply({x}) * 3.0;  // a non-leaf input
  Tensor y = (h * h).sum();
  g_counted_backward_calls = 0;
  TensorList g = tg::grad({y}, {h}, {.retain_graph = true});
  EXPECT_EQ(values(g[0]), (std::vector<double>{6, 12}));  // 2h
  EXPECT_EQ(g_counted_backward_calls.load(), 0);
  TensorList both = tg::grad({y}, {h, x});
  EXPECT_EQ(values(both[0]), (std::vector<double>{6, 12}));
  EXPECT_EQ(values(both[1]), (std::vector<double>{18, 36}));  // 2h · 3
  EXPECT_EQ(g_counted_backward_calls.load(), 1);
}

TEST(Engine, NonScalarOutputNeedsGradOutputs) {
  Tensor x = tg::ones({2, 3}, tg::kFloat64).requires_grad_();
  Tensor y = x * 2.0;
  const std::string msg = tgtest::error_message<tg::GraphError>([&] { tg::grad({y}, {x}); });
  EXPECT_NE(msg.find("[2, 3]"), std::string::npos) << msg;
  EXPECT_NE(msg.find("grad_outputs"), std::string::npos) << msg;
  EXPECT_THROW(y.backward(), tg::GraphError);
}

TEST(Engine, InputThatDoesNotRequireGradThrows) {
  Tensor x = vec({1, 2}).requires_grad_();
  Tensor c = vec({3, 4});
  Tensor y = (x * c).sum();
  const std::string msg = tgtest::error_message<tg::GraphError>([&] { tg::grad({y}, {c}); });
  EXPECT_NE(msg.find("does not require grad"), std::string::npos) << msg;
  EXPECT_NE(msg.find("[2]"), std::string::npos) << msg;
}

TEST(Engine, OutputThatDoesNotRequireGradThrows) {
  Tensor x = vec({1, 2}).requires_grad_();
  Tensor c = vec({3, 4}).sum();
  EXPECT_THROW(tg::grad({c}, {x}), tg::GraphError);
  EXPECT_THROW(c.backward(), tg::GraphError);
}

TEST(Engine, NoGradGuardRecordsNothing) {
  Tensor x = vec({1, 2}).requires_grad_();
  const auto nodes = tg::live_nodes();
  {
    tg::NoGradGuard off;
    EXPECT_FALSE(tg::GradMode::is_enabled());
    Tensor y = tg::exp(x * 2.0).sum();
    EXPECT_FALSE(y.requires_grad());
    EXPECT_EQ(y.grad_fn(), nullptr);
    EXPECT_EQ(tg::live_nodes(), nodes);
    {
      tg::AutoGradMode on(true);  // nested guards restore what they found
      EXPECT_TRUE((x * 2.0).requires_grad());
    }
    EXPECT_FALSE(tg::GradMode::is_enabled());
  }
  EXPECT_TRUE(tg::GradMode::is_enabled());
  EXPECT_TRUE((x * 2.0).requires_grad());
}

TEST(Engine, DetachCutsTheGraph) {
  Tensor x = vec({1, 2, 3}).requires_grad_();
  Tensor d = x.detach();
  EXPECT_FALSE(d.requires_grad());
  EXPECT_TRUE(d.is_leaf());
  EXPECT_EQ(d.data<double>(), x.data<double>());  // same storage
  Tensor y = (d * x).sum();                       // d is a constant: dy/dx = d, not 2x
  EXPECT_EQ(values(tg::grad({y}, {x})[0]), (std::vector<double>{1, 2, 3}));
  Tensor h = (x * x).detach();
  EXPECT_EQ(h.grad_fn(), nullptr);
  EXPECT_FALSE((h * 2.0).requires_grad());
}

TEST(Engine, LeafGradCarriesNoGraphAfterCreateGraphBackward) {
  Tensor x = vec({1, 2}).requires_grad_();
  Tensor y = (x * x * x).sum();
  y.backward({.create_graph = true});
  Tensor g = x.grad();
  EXPECT_EQ(values(g), (std::vector<double>{3, 12}));
  EXPECT_EQ(g.grad_fn(), nullptr);
  EXPECT_FALSE(g.requires_grad());
}

TEST(Engine, BackwardAccumulatesOverCallsUntilZeroGrad) {
  Tensor x = vec({1, 2}).requires_grad_();
  (x * 3.0).sum().backward();
  Tensor first = x.grad();
  (x * x).sum().backward();
  EXPECT_EQ(values(x.grad()), (std::vector<double>{3 + 2, 3 + 4}));
  EXPECT_EQ(values(first), (std::vector<double>{3, 3}));  // not updated in place
  x.zero_grad();
  EXPECT_FALSE(x.grad().defined());
  (x * 5.0).sum().backward();
  EXPECT_EQ(values(x.grad()), (std::vector<double>{5, 5}));
}

TEST(Engine, LeafGradDoesNotAliasOtherTensors) {
  // add's rule hands the same gradient tensor to both inputs.
  Tensor a = vec({1, 2}).requires_grad_();
  Tensor b = vec({3, 4}).requires_grad_();
  (a + b).sum().backward();
  EXPECT_NE(a.grad().data<double>(), b.grad().data<double>());
  a.grad().fill_(7);
  EXPECT_EQ(values(b.grad()), (std::vector<double>{1, 1}));
}

TEST(Engine, BroadcastGradientsAreSummedBackToInputShapes) {
  Tensor a = tg::from_vector(std::vector<double>{1, 2, 3}, {3, 1}).requires_grad_();
  Tensor b = tg::from_vector(std::vector<double>{10, 20, 30, 40}, {1, 4}).requires_grad_();
  Tensor y = (a * b).sum();
  TensorList g = tg::grad({y}, {a, b});
  EXPECT_EQ(g[0].shape(), (tg::Shape{3, 1}));
  EXPECT_EQ(g[1].shape(), (tg::Shape{1, 4}));
  EXPECT_EQ(values(g[0]), (std::vector<double>{100, 100, 100}));
  EXPECT_EQ(values(g[1]), (std::vector<double>{6, 6, 6, 6}));
}

TEST(Engine, GradOfATensorWithRespectToItself) {
  Tensor x = vec({1, 2}).requires_grad_();
  EXPECT_EQ(values(tg::grad({x}, {x}, {.grad_outputs = {vec({5, 6})}})[0]),
            (std::vector<double>{5, 6}));
}

TEST(Engine, ModifyingASavedInputInPlaceIsAnError) {
  Tensor x = vec({1, 2}).requires_grad_();
  Tensor c = vec({3, 4});
  Tensor y = (x * c).sum();  // mul saves c
  c.copy_(vec({5, 6}));
  const std::string msg = tgtest::error_message<tg::GraphError>([&] { y.backward(); });
  EXPECT_NE(msg.find("mul"), std::string::npos) << msg;
  EXPECT_NE(msg.find("modified in place"), std::string::npos) << msg;
  EXPECT_NE(msg.find("[2]"), std::string::npos) << msg;
}

TEST(Engine, ModifyingASavedOutputInPlaceIsAnError) {
  Tensor x = vec({1, 2}).requires_grad_();
  Tensor y = tg::exp(x);  // exp saves its output
  Tensor z = (y * 2.0).sum();
  y.fill_(0);
  const std::string msg = tgtest::error_message<tg::GraphError>([&] { z.backward(); });
  EXPECT_NE(msg.find("exp"), std::string::npos) << msg;
  EXPECT_NE(msg.find("modified in place"), std::string::npos) << msg;
}

TEST(Engine, InPlaceWriteToATensorNobodySavedIsFine) {
  Tensor x = vec({1, 2}).requires_grad_();
  Tensor c = vec({3, 4});
  Tensor y = (x + c).sum();  // add saves nothing
  c.fill_(9);
  y.backward();
  EXPECT_EQ(values(x.grad()), (std::vector<double>{1, 1}));
}

TEST(Engine, HundredThousandOpChainDifferentiatesAndDies) {
  const auto nodes = tg::live_nodes();
  const auto bytes = tg::live_bytes();
  {
    Tensor x = tg::full({1}, 0.5, tg::kFloat64).requires_grad_();
    Tensor y = x;
    for (int i = 0; i < 100000; ++i) y = y * 1.0 + 0.0;  // 200,000 nodes
    EXPECT_GE(tg::live_nodes() - nodes, 200000);
    // d(y²)/dx = 2y, recorded: a second graph of the same depth.
    Tensor g = tg::grad({(y * y).sum()}, {x}, {.create_graph = true})[0];
    EXPECT_EQ(g.item<double>(), 1.0);
    ASSERT_TRUE(g.requires_grad());
    EXPECT_EQ(tg::grad({g.sum()}, {x})[0].item<double>(), 2.0);
    y.sum().backward();
    EXPECT_EQ(x.grad().item<double>(), 1.0);
  }  // the chain and its backward graph die here, iteratively
  EXPECT_EQ(tg::live_nodes(), nodes);
  EXPECT_EQ(tg::live_bytes(), bytes);
}

TEST(Engine, RequiresGradOnANonLeafThrows) {
  Tensor x = vec({1, 2}).requires_grad_();
  Tensor y = x * 2.0;
  const std::string msg = tgtest::error_message<tg::GraphError>([&] { y.requires_grad_(); });
  EXPECT_NE(msg.find("mul"), std::string::npos) << msg;
}

}  // namespace

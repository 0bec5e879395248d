// Custom ops through tg::Function (autograd/include/tapegrad/autograd/function.hpp).
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "tapegrad/autograd.hpp"

namespace {

using tg::Tensor;
using tg::TensorList;

// y = x³ on raw values;  ∂y/∂x = 3x²  (backward in Tensor ops, so differentiable again)
struct Cube : tg::Function<Cube> {
  static std::string_view name() { return "cube"; }
  static Tensor forward(tg::FunctionContext& ctx, const TensorList& in) {
    const Tensor& x = in[0];
    ctx.save_for_backward({x});
    Tensor y = tg::empty(x.shape(), x.dtype());
    tg::visit_dtype(x.dtype(), [&]<class T>() {
      const T* px = x.data<T>();
      T* py = y.data<T>();
      for (int64_t i = 0; i < x.numel(); ++i) py[i] = px[i] * px[i] * px[i];
    });
    return y;
  }
  static TensorList backward(tg::BackwardContext& ctx) {
    const Tensor g = ctx.grad();
    const Tensor& x = ctx.saved(0);
    return {g * 3.0 * x * x};
  }
};

// y = x³ again, but backward works on raw values: once differentiable.
struct RawCube : tg::Function<RawCube> {
  static constexpr bool once_differentiable = true;
  static std::string_view name() { return "raw_cube"; }
  static Tensor forward(tg::FunctionContext& ctx, const TensorList& in) {
    ctx.save_for_backward({in[0]});
    return Cube::apply({in[0]});  // grad mode is off in forward: no node recorded
  }
  // ∂y/∂x = 3x², computed element by element
  static TensorList backward(tg::BackwardContext& ctx) {
    const Tensor g = ctx.grad();
    const Tensor& x = ctx.saved(0);
    Tensor dx = tg::empty(x.shape(), x.dtype());
    const double* px = x.data<double>();
    const double* pg = g.data<double>();
    double* pd = dx.data<double>();
    for (int64_t i = 0; i < x.numel(); ++i) pd[i] = 3 * px[i] * px[i] * pg[i];
    return {dx};
  }
};

// y = exp(x) saving its output;  ∂y/∂x = y
struct SavedExp : tg::Function<SavedExp> {
  static std::string_view name() { return "saved_exp"; }
  static Tensor forward(tg::FunctionContext& ctx, const TensorList& in) {
    Tensor y = tg::exp(in[0]);
    ctx.save_for_backward({y});
    return y;
  }
  static TensorList backward(tg::BackwardContext& ctx) {
    const Tensor g = ctx.grad();
    return {g * ctx.saved(0)};
  }
};

// y = a·s with a scale s that never needs a gradient;  ∂y/∂a = s
struct Scale : tg::Function<Scale> {
  static std::string_view name() { return "scale"; }
  static Tensor forward(tg::FunctionContext& ctx, const TensorList& in) {
    ctx.attrs["s"] = in[1].item<double>();
    ctx.save_for_backward({in[1]});
    EXPECT_TRUE(ctx.needs_grad(0));
    EXPECT_FALSE(ctx.needs_grad(1));
    return in[0] * ctx.attrs["s"];
  }
  static TensorList backward(tg::BackwardContext& ctx) {
    const Tensor g = ctx.grad();
    return {g * ctx.attr("s"), Tensor()};
  }
};

// Returns its second input unchanged: the input's own handle must not join the graph.
struct PassSecond : tg::Function<PassSecond> {
  static std::string_view name() { return "pass_second"; }
  static Tensor forward(tg::FunctionContext&, const TensorList& in) { return in[1]; }
  static TensorList backward(tg::BackwardContext& ctx) {
    const Tensor g = ctx.grad();
    return {g * 0.0, g};
  }
};

// y = a ⊙ b;  ∂y/∂a = b, ∂y/∂b = a. Records which gradients the pass asked for.
std::vector<bool> g_asked;
struct Product : tg::Function<Product> {
  static std::string_view name() { return "product"; }
  static Tensor forward(tg::FunctionContext& ctx, const TensorList& in) {
    ctx.save_for_backward({in[0], in[1]});
    return in[0] * in[1];
  }
  static TensorList backward(tg::BackwardContext& ctx) {
    const Tensor g = ctx.grad();
    g_asked = {ctx.needs_grad(0), ctx.needs_grad(1)};
    return {ctx.needs_grad(0) ? g * ctx.saved(1) : Tensor(),
            ctx.needs_grad(1) ? g * ctx.saved(0) : Tensor()};
  }
};

Tensor input(tg::Shape shape, uint64_t seed) {
  tg::Generator gen(seed);
  return tg::randn(shape, gen, tg::kFloat64).requires_grad_();
}

TEST(Function, CubeForwardAndBackward) {
  Tensor x = tg::from_vector(std::vector<double>{1, -2, 3}, {3}).requires_grad_();
  Tensor y = Cube::apply({x});
  EXPECT_EQ(y.to_vector<double>(), (std::vector<double>{1, -8, 27}));
  ASSERT_NE(y.grad_fn(), nullptr);
  EXPECT_EQ(y.grad_fn()->name(), "cube");
  y.sum().backward();
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{3, 12, 27}));
}

TEST(Function, CubePassesGradcheckAndGradgradcheck) {
  Tensor x = input({2, 3}, 7);
  auto f = [](const TensorList& in) { return Cube::apply({in[0]}); };
  auto first = tg::gradcheck(f, {x});
  EXPECT_TRUE(first) << first.message;
  auto second = tg::gradgradcheck(f, {x});
  EXPECT_TRUE(second) << second.message;
}

TEST(Function, CubeThirdDerivativeIsSix) {
  Tensor x = tg::from_vector(std::vector<double>{0.5, -1.5}, {2}).requires_grad_();
  Tensor g1 = tg::grad({Cube::apply({x}).sum()}, {x}, {.create_graph = true})[0];
  Tensor g2 = tg::grad({g1.sum()}, {x}, {.create_graph = true})[0];
  Tensor g3 = tg::grad({g2.sum()}, {x})[0];
  EXPECT_EQ(g2.to_vector<double>(), (std::vector<double>{3, -9}));  // 6x
  EXPECT_EQ(g3.to_vector<double>(), (std::vector<double>{6, 6}));
  auto third = tg::gradcheck(
      tg::vjp_fn(tg::vjp_fn([](const TensorList& in) { return Cube::apply({in[0]}); }, 3), 4),
      {input({3}, 11)});
  EXPECT_TRUE(third) << third.message;
}

TEST(Function, OnceDifferentiableWorksWithPlainBackward) {
  Tensor x = input({4}, 3);
  auto r = tg::gradcheck([](const TensorList& in) { return RawCube::apply({in[0]}); }, {x});
  EXPECT_TRUE(r) << r.message;
  RawCube::apply({x}).sum().backward();
  const auto xs = x.to_vector<double>(), gs = x.grad().to_vector<double>();
  for (size_t i = 0; i < xs.size(); ++i) EXPECT_DOUBLE_EQ(gs[i], 3 * xs[i] * xs[i]);
}

TEST(Function, OnceDifferentiableThrowsUnderCreateGraph) {
  Tensor x = input({4}, 3);
  Tensor y = (RawCube::apply({x}) * 2.0).sum();
  try {
    tg::grad({y}, {x}, {.create_graph = true});
    FAIL() << "expected GraphError";
  } catch (const tg::GraphError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("raw_cube"), std::string::npos) << msg;
    EXPECT_NE(msg.find("once-differentiable"), std::string::npos) << msg;
    EXPECT_NE(msg.find("create_graph"), std::string::npos) << msg;
  }
}

TEST(Function, SavingTheOutputStaysDifferentiableAndDoesNotLeak) {
  const auto nodes = tg::live_nodes();
  const auto bytes = tg::live_bytes();
  {
    Tensor x = input({5}, 5);
    auto f = [](const TensorList& in) { return SavedExp::apply({in[0]}); };
    auto first = tg::gradcheck(f, {x});
    EXPECT_TRUE(first) << first.message;
    auto second = tg::gradgradcheck(f, {x});  // the saved output is re-attached to its node
    EXPECT_TRUE(second) << second.message;
    Tensor y = SavedExp::apply({x});
    EXPECT_EQ(y.grad_fn()->saved_bytes(), 5 * sizeof(double));
    Tensor g2 = tg::grad({tg::grad({y.sum()}, {x}, {.create_graph = true})[0].sum()}, {x})[0];
    EXPECT_EQ(g2.to_vector<double>(), tg::exp(x).to_vector<double>());
  }
  EXPECT_EQ(tg::live_nodes(), nodes);  // no node keeps itself alive through its output
  EXPECT_EQ(tg::live_bytes(), bytes);
}

TEST(Function, InputsThatNeedNoGradientAndAttributes) {
  Tensor a = input({3}, 9);
  Tensor s = tg::full({1}, 2.5, tg::kFloat64);
  Tensor y = Scale::apply({a, s});
  EXPECT_EQ(y.grad_fn()->next_edges().size(), 2u);
  EXPECT_FALSE(y.grad_fn()->next_edges()[1].valid());
  TensorList g = tg::grad({y.sum()}, {a});
  EXPECT_EQ(g[0].to_vector<double>(), (std::vector<double>{2.5, 2.5, 2.5}));
}

TEST(Function, ReturningAnInputLeavesThatInputAlone) {
  Tensor a = input({2}, 1);
  Tensor b = tg::from_vector(std::vector<double>{3, 4}, {2});
  Tensor y = PassSecond::apply({a, b});
  EXPECT_TRUE(y.requires_grad());
  EXPECT_FALSE(b.requires_grad());
  EXPECT_EQ(b.grad_fn(), nullptr);
  EXPECT_EQ(y.to_vector<double>(), (std::vector<double>{3, 4}));
}

TEST(Function, NoNodeWhenNothingRequiresGrad) {
  Tensor x = tg::from_vector(std::vector<double>{2}, {1});
  Tensor y = Cube::apply({x});
  EXPECT_EQ(y.item<double>(), 8.0);
  EXPECT_FALSE(y.requires_grad());
  Tensor xr = input({1}, 2);
  tg::NoGradGuard off;
  EXPECT_FALSE(Cube::apply({xr}).requires_grad());
}

TEST(Function, BackwardIsToldWhichInputsThePassNeeds) {
  Tensor a = input({3}, 1), b = input({3}, 2);
  Tensor y = Product::apply({a, b}).sum();
  Tensor ga = tg::grad({y}, {a}, {.retain_graph = true})[0];
  EXPECT_EQ(g_asked, (std::vector<bool>{true, false}));  // b is off the path to a
  EXPECT_EQ(ga.to_vector<double>(), b.to_vector<double>());
  tg::grad({y}, {b}, {.retain_graph = true});
  EXPECT_EQ(g_asked, (std::vector<bool>{false, true}));
  y.backward();
  EXPECT_EQ(g_asked, (std::vector<bool>{true, true}));
  EXPECT_EQ(b.grad().to_vector<double>(), a.to_vector<double>());
}

TEST(Function, BuiltInRulesSkipUnneededInputsUnderCreateGraph) {
  // grad w.r.t. x through matmul(x, W): W's gradient is neither computed nor recorded.
  // Count the nodes each pass creates with the sequence counter.
  Tensor x = input({2, 3}, 3), w = input({3, 4}, 4);
  Tensor y = tg::matmul(x, w).sum();
  uint64_t start = tg::next_sequence_nr();
  TensorList only_x = tg::grad({y}, {x}, {.retain_graph = true, .create_graph = true});
  const uint64_t created_for_x = tg::next_sequence_nr() - start - 1;
  start = tg::next_sequence_nr();
  TensorList both = tg::grad({y}, {x, w}, {.create_graph = true});
  const uint64_t created_for_both = tg::next_sequence_nr() - start - 1;
  EXPECT_LT(created_for_x, created_for_both);
  EXPECT_EQ(only_x[0].to_vector<double>(), both[0].to_vector<double>());
}

}  // namespace

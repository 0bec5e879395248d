// A training step frees its graph: live nodes return to their baseline after every step
// and live tensor bytes do not grow (Note [Tape ownership], Note [Saved outputs],
// Note [Leaf accumulation]).
#include <gtest/gtest.h>

#include "tapegrad/autograd.hpp"

namespace {

using tg::Tensor;
using tg::TensorList;

TEST(Memory, ThousandTrainingStepsWithADoubleBackpropPenaltyDoNotLeak) {
  tg::Generator gen(17);
  // A 2-16-1 tanh MLP fitted to y = sin(x0) + x1², plus a gradient penalty
  // λ·mean(‖∂out/∂x‖²) that needs double backprop.
  Tensor x = tg::randn({32, 2}, gen, tg::kFloat64);
  Tensor target = (tg::sin(x.sum({1}, true)) + 0.5).detach();
  Tensor w1 = (tg::randn({2, 16}, gen, tg::kFloat64) * 0.5).requires_grad_();
  Tensor b1 = tg::zeros({16}, tg::kFloat64).requires_grad_();
  Tensor w2 = (tg::randn({16, 1}, gen, tg::kFloat64) * 0.5).requires_grad_();
  const TensorList params = {w1, b1, w2};
  const double lr = 0.05, lambda = 1e-3;

  auto step = [&] {
    Tensor xin = x.detach().requires_grad_();
    Tensor out = tg::matmul(tg::tanh(tg::matmul(xin, w1) + b1), w2);  // [32, 1]
    Tensor fit = ((out - target) * (out - target)).mean();
    Tensor gx = tg::grad({out.sum()}, {xin}, {.create_graph = true})[0];  // [32, 2]
    Tensor penalty = (gx * gx).sum({1}).mean();
    Tensor loss = fit + penalty * lambda;
    loss.backward();
    {
      tg::NoGradGuard no_grad;
      for (Tensor p : params) {
        p.copy_(p - p.grad() * lr);
        p.zero_grad();
      }
    }
    return fit.item<double>();
  };

  const auto nodes = tg::live_nodes();
  const double first_loss = step();
  EXPECT_EQ(tg::live_nodes(), nodes);
  const auto bytes = tg::live_bytes();  // after step 1: the data and the parameters
  double loss = first_loss;
  for (int i = 1; i < 1000; ++i) {
    loss = step();
    ASSERT_EQ(tg::live_nodes(), nodes) << "step " << i;
    ASSERT_LE(tg::live_bytes(), bytes) << "step " << i;
  }
  EXPECT_LT(loss, 0.5 * first_loss);  // it trained, so every step did real work
}

TEST(Memory, SavedValuesAreReleasedAfterThePassUnlessRetained) {
  Tensor x = tg::ones({1000}, tg::kFloat64).requires_grad_();
  Tensor loss = tg::exp(x).sum();  // only exp's node holds its 8,000-byte output now
  const auto before = tg::live_bytes();
  ASSERT_EQ(tg::tape({loss})[0].op, "exp");
  loss.backward({.retain_graph = true});
  x.zero_grad();
  EXPECT_EQ(tg::live_bytes(), before);
  EXPECT_EQ(tg::tape({loss})[0].saved_bytes, 8000u);
  loss.backward();
  x.zero_grad();
  EXPECT_EQ(tg::live_bytes(), before - 8000);
  EXPECT_EQ(tg::tape({loss})[0].saved_bytes, 0u);
}

TEST(Memory, CreateGraphGradientsDieWithTheirGraph) {
  const auto nodes = tg::live_nodes();
  const auto bytes = tg::live_bytes();
  {
    Tensor w = tg::ones({64, 64}, tg::kFloat64).requires_grad_();
    for (int i = 0; i < 10; ++i) {
      Tensor g = tg::grad({tg::tanh(tg::matmul(w, w)).sum()}, {w}, {.create_graph = true})[0];
      (g * g).sum().backward();
    }
    EXPECT_FALSE(w.grad().requires_grad());
  }
  EXPECT_EQ(tg::live_nodes(), nodes);
  EXPECT_EQ(tg::live_bytes(), bytes);
}

}  // namespace

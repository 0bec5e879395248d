// Leaf hooks (autograd/src/leaf_hooks.cpp): when they run, what they see, removal.
#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include "checks.hpp"
#include "tapegrad/autograd.hpp"

namespace {

using tg::Tensor;

TEST(LeafHooks, RunOnceAfterEveryPathIsSummed) {
  Tensor w = tg::from_vector(std::vector<double>{1, 2}, {2}).requires_grad_();
  std::vector<std::vector<double>> seen;
  tg::LeafHook h = tg::on_gradient_accumulated(
      w, [&](const Tensor& leaf) { seen.push_back(leaf.grad().to_vector<double>()); });
  // Two paths into w: d/dw (3w + w²) = 3 + 2w.
  (w * 3.0 + w * w).sum().backward();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0], (std::vector<double>{5, 7}));
  // A second backward accumulates and runs the hook again with the running sum.
  (w * 3.0).sum().backward();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1], (std::vector<double>{8, 10}));
}

TEST(LeafHooks, GradNeverRunsThem) {
  // The inner grad of a gradient penalty, ‖∇ₓ(w·x²)‖², taken with create_graph: it must not
  // count as an accumulation into w; only the outer backward does.
  Tensor w = tg::scalar_tensor(2.0, tg::kFloat64).requires_grad_();
  Tensor x = tg::from_vector(std::vector<double>{1, -1}, {2}).requires_grad_();
  int calls = 0;
  tg::LeafHook h = tg::on_gradient_accumulated(w, [&](const Tensor&) { ++calls; });
  Tensor y = (w * x * x).sum();
  Tensor gx = tg::grad({y}, {x}, {.create_graph = true})[0];  // 2wx
  EXPECT_EQ(calls, 0);
  Tensor penalty = (gx * gx).sum();  // 4w²Σx² = 8w²; d/dw = 16w = 32
  tg::grad({penalty}, {w}, {.retain_graph = true});
  EXPECT_EQ(calls, 0);
  penalty.backward();
  EXPECT_EQ(calls, 1);
  EXPECT_DOUBLE_EQ(w.grad().item<double>(), 32.0);
}

TEST(LeafHooks, RemovedOrDestroyedHandlesStopThem) {
  Tensor w = tg::ones({3}).requires_grad_();
  int a = 0, b = 0;
  tg::LeafHook ha = tg::on_gradient_accumulated(w, [&](const Tensor&) { ++a; });
  {
    tg::LeafHook hb = tg::on_gradient_accumulated(w, [&](const Tensor&) { ++b; });
    w.sum().backward();
  }
  w.sum().backward();
  ha.remove();
  EXPECT_FALSE(ha.active());
  w.sum().backward();
  EXPECT_EQ(a, 2);
  EXPECT_EQ(b, 1);
}

TEST(LeafHooks, RunInRegistrationOrder) {
  Tensor w = tg::ones({1}).requires_grad_();
  std::vector<int> order;
  std::vector<tg::LeafHook> hooks;
  for (int i = 0; i < 8; ++i)
    hooks.push_back(
        tg::on_gradient_accumulated(w, [&order, i](const Tensor&) { order.push_back(i); }));
  w.sum().backward();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7}));
}

TEST(LeafHooks, AHookOfADeadLeafNeverRunsOnAnother) {
  int calls = 0;
  tg::LeafHook h;
  {
    Tensor w = tg::ones({2}).requires_grad_();
    h = tg::on_gradient_accumulated(w, [&](const Tensor&) { ++calls; });
  }
  for (int i = 0; i < 16; ++i) {  // new leaves may reuse the dead one's address
    Tensor v = tg::ones({2}).requires_grad_();
    v.sum().backward();
  }
  EXPECT_EQ(calls, 0);
}

TEST(LeafHooks, AThrowingHookLeavesBackward) {
  Tensor w = tg::ones({2}).requires_grad_();
  tg::LeafHook h = tg::on_gradient_accumulated(
      w, [](const Tensor&) { throw std::runtime_error("hook said no"); });
  EXPECT_TRUE(tgtest::throws<std::runtime_error>([&] { w.sum().backward(); }, {"hook said no"}));
}

TEST(LeafHooks, RefuseNonLeavesAndLeavesWithoutGrad) {
  Tensor w = tg::ones({2}).requires_grad_();
  auto noop = [](const Tensor&) {};
  EXPECT_TRUE(tgtest::throws<tg::GraphError>(
      [&] { (void)tg::on_gradient_accumulated(w * 2.0, noop); },
      {"on_gradient_accumulated: expected a leaf that requires grad, got a non-leaf tensor of "
       "shape [2]"}));
  EXPECT_TRUE(tgtest::throws<tg::GraphError>(
      [&] { (void)tg::on_gradient_accumulated(tg::ones({3}), noop); },
      {"a leaf that does not require grad, of shape [3]"}));
  EXPECT_TRUE(tgtest::throws<tg::ValueError>([&] { (void)tg::on_gradient_accumulated(w, nullptr); },
                                             {"the hook is empty"}));
}

}  // namespace

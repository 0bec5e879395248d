// Note [Grad mode is thread-local] and Note [Leaf accumulation]: independent graphs can be
// built and differentiated on different threads at once, and concurrent passes may
// accumulate into one shared leaf.
#include <gtest/gtest.h>
#include <tbb/parallel_for.h>
#include <tbb/task_group.h>

#include <thread>

#include "tapegrad/autograd.hpp"

namespace {

using tg::Tensor;
using tg::TensorList;

constexpr int kGraphs = 8;

// y = x²;  ∂y/∂x = 2x. A custom node in a graph that several threads run at once.
struct Square : tg::Function<Square> {
  static std::string_view name() { return "square"; }
  static Tensor forward(tg::FunctionContext& ctx, const TensorList& in) {
    ctx.save_for_backward({in[0]});
    return in[0] * in[0];
  }
  static TensorList backward(tg::BackwardContext& ctx) {
    const Tensor g = ctx.grad();
    return {g * 2.0 * ctx.saved(0)};
  }
};

/// Graph i: an MLP-like loss with its own data and weights; returns the gradients of
/// every parameter, second-order ones included, flattened.
std::vector<double> gradients_of_graph(int i) {
  tg::Generator gen(100 + static_cast<uint64_t>(i));
  Tensor x = tg::randn({16, 4}, gen, tg::kFloat64).requires_grad_();
  Tensor w1 = tg::randn({4, 8}, gen, tg::kFloat64).requires_grad_();
  Tensor w2 = tg::randn({8, 1}, gen, tg::kFloat64).requires_grad_();
  Tensor out = tg::matmul(tg::softplus(tg::matmul(x, w1)), w2);
  Tensor gx = tg::grad({out.sum()}, {x}, {.create_graph = true})[0];
  Tensor loss = tg::log_sigmoid(out).mean() + (gx * gx).sum({1}).mean();
  TensorList g = tg::grad({loss}, {w1, w2, x});
  loss = Tensor();
  std::vector<double> flat;
  for (const auto& t : g) {
    auto v = t.to_vector<double>();
    flat.insert(flat.end(), v.begin(), v.end());
  }
  // backward() on a fresh graph of the same leaves as well
  tg::tanh(tg::matmul(x, w1)).sum().backward();
  auto v = w1.grad().to_vector<double>();
  flat.insert(flat.end(), v.begin(), v.end());
  return flat;
}

TEST(Concurrency, EightGraphsOnEightTasksMatchTheSerialRunBitForBit) {
  std::vector<std::vector<double>> serial(kGraphs), parallel(kGraphs);
  for (int i = 0; i < kGraphs; ++i) serial[static_cast<size_t>(i)] = gradients_of_graph(i);
  const auto nodes = tg::live_nodes();
  for (int round = 0; round < 5; ++round) {
    tbb::task_group tasks;
    for (int i = 0; i < kGraphs; ++i)
      tasks.run([&, i] { parallel[static_cast<size_t>(i)] = gradients_of_graph(i); });
    tasks.wait();
    for (int i = 0; i < kGraphs; ++i)
      ASSERT_EQ(parallel[static_cast<size_t>(i)], serial[static_cast<size_t>(i)]) << "graph " << i;
  }
  EXPECT_EQ(tg::live_nodes(), nodes);
  EXPECT_NE(serial[0], serial[1]);  // the graphs really differ
}

TEST(Concurrency, ConcurrentBackwardIntoOneSharedLeafGivesTheExactSum) {
  Tensor w = tg::ones({3, 5}, tg::kFloat64).requires_grad_();
  constexpr int kPasses = 64;
  tbb::parallel_for(0, kPasses, [&](int k) {
    // d/dw Σ (w·(k+1) + w²) = (k+1) + 2w = k + 3 at w = 1: integers, so the sum is exact
    // in any order.
    Tensor loss = (w * static_cast<double>(k + 1) + w * w).sum();
    loss.backward();
  });
  double expected = 0;
  for (int k = 0; k < kPasses; ++k) expected += k + 3;
  for (double v : w.grad().to_vector<double>()) EXPECT_EQ(v, expected);
}

TEST(Concurrency, ConcurrentBackwardIntoALargeSharedLeaf) {
  // Large enough that the accumulating add may run its own parallel kernel while the
  // leaf's mutex is held (Note [Leaf accumulation]).
  Tensor w = tg::zeros({1 << 18}, tg::kFloat32).requires_grad_();
  constexpr int kPasses = 16;
  tbb::parallel_for(0, kPasses, [&](int) { (w * 2.0f).sum().backward(); });
  for (float v : w.grad().to_vector<float>()) ASSERT_EQ(v, 2.0f * kPasses);
}

// Note [Kernels wait only for their own work]: a thread waiting inside a kernel run with
// grad mode off must not pick up another iteration of the caller's loop and run it with
// grad mode off too.
TEST(Concurrency, ATaskStolenWhileAKernelWaitsKeepsItsGradMode) {
  Tensor w = tg::ones({1 << 18}, tg::kFloat32).requires_grad_();
  constexpr int kTasks = 64;
  std::vector<int> recorded(kTasks, -1);
  tbb::parallel_for(0, kTasks, [&](int k) {
    if (k % 2 == 0) {
      tg::NoGradGuard off;
      (void)tg::exp(w).sum();  // parallel kernels, waited for with grad mode off
    } else {
      recorded[static_cast<size_t>(k)] = (w * 2.0f).requires_grad() ? 1 : 0;
    }
  });
  for (int k = 1; k < kTasks; k += 2)
    EXPECT_EQ(recorded[static_cast<size_t>(k)], 1) << "task " << k;
}

TEST(Concurrency, PassesOverOneRetainedGraphRunConcurrently) {
  tg::Generator gen(5);
  Tensor x = tg::randn({6, 3}, gen, tg::kFloat64).requires_grad_();
  Tensor y = tg::exp(tg::tanh(x) * x).sum({1});  // [6]
  Tensor g = tg::grad({y.sum()}, {x}, {.create_graph = true})[0];
  std::vector<std::vector<double>> serial(3), parallel(3);
  auto column = [&](size_t d) {
    Tensor e = tg::zeros({6, 3}, tg::kFloat64);
    for (int r = 0; r < 6; ++r) e.data<double>()[r * 3 + static_cast<int>(d)] = 1;
    return tg::grad({g}, {x}, {.grad_outputs = {e}, .retain_graph = true})[0].to_vector<double>();
  };
  for (size_t d = 0; d < 3; ++d) serial[d] = column(d);
  tbb::parallel_for(size_t{0}, size_t{3}, [&](size_t d) { parallel[d] = column(d); });
  EXPECT_EQ(parallel, serial);
}

TEST(Concurrency, GradModeIsPerThread) {
  Tensor x = tg::ones({2}).requires_grad_();
  tg::NoGradGuard off;
  bool recorded_elsewhere = false;
  std::thread t([&] { recorded_elsewhere = (x * 2.0f).requires_grad(); });
  t.join();
  EXPECT_TRUE(recorded_elsewhere);
  EXPECT_FALSE((x * 2.0f).requires_grad());
}

// The same checks on plain std::threads. Under ThreadSanitizer these are the meaningful
// ones: thread creation and join are visible to it, while the hand-off of a task inside
// the (uninstrumented) TBB scheduler is not and shows up as false positives.
TEST(Concurrency, EightGraphsOnEightStdThreadsMatchTheSerialRun) {
  std::vector<std::vector<double>> serial(kGraphs), parallel(kGraphs);
  for (int i = 0; i < kGraphs; ++i) serial[static_cast<size_t>(i)] = gradients_of_graph(i);
  std::vector<std::thread> threads;
  for (int i = 0; i < kGraphs; ++i)
    threads.emplace_back([&, i] { parallel[static_cast<size_t>(i)] = gradients_of_graph(i); });
  for (auto& t : threads) t.join();
  EXPECT_EQ(parallel, serial);
}

TEST(Concurrency, StdThreadsAccumulateIntoOneSharedLeafAndShareARetainedGraph) {
  Tensor w = tg::ones({3, 5}, tg::kFloat64).requires_grad_();
  // one graph, run by every thread
  Tensor shared_loss = tg::exp(tg::tanh(w) * Square::apply({w})).sum();
  const std::vector<double> reference =
      tg::grad({shared_loss}, {w}, {.retain_graph = true})[0].to_vector<double>();
  std::vector<std::vector<double>> seen(kGraphs);
  std::vector<std::thread> threads;
  for (int k = 0; k < kGraphs; ++k)
    threads.emplace_back([&, k] {
      for (int rep = 0; rep < 8; ++rep) {
        Tensor loss = (w * static_cast<double>(k + 1) + w * w).sum();  // own graph
        loss.backward();
      }
      seen[static_cast<size_t>(k)] =
          tg::grad({shared_loss}, {w}, {.retain_graph = true})[0].to_vector<double>();
    });
  for (auto& t : threads) t.join();
  double expected = 0;
  for (int k = 0; k < kGraphs; ++k) expected += 8 * (k + 3);
  for (double v : w.grad().to_vector<double>()) EXPECT_EQ(v, expected);
  for (const auto& s : seen) EXPECT_EQ(s, reference);
}

}  // namespace

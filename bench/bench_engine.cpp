// Per-op engine overhead: a 16-element op against a plain scalar loop, and a chain of tiny
// ops recorded and differentiated (µs per op, forward + backward), the budget of
// ../shared/DESIGN.md ("Per-op overhead budget": about 1 µs per op).
#include <benchmark/benchmark.h>

#include <cmath>
#include <vector>

#include "../autograd/src/kernels/kernels.hpp"
#include "tapegrad/autograd.hpp"

namespace k = tg::kernels;

namespace {

constexpr int64_t kSmall = 16;

void BM_Small16_ScalarLoopAdd(benchmark::State& st) {
  std::vector<float> a(kSmall, 1.f), b(kSmall, 2.f), y(kSmall);
  for (auto _ : st) {
    benchmark::DoNotOptimize(a.data());
    for (int64_t i = 0; i < kSmall; ++i) y[i] = a[i] + b[i];
    benchmark::DoNotOptimize(y.data());
  }
}
void BM_Small16_KernelAdd(benchmark::State& st) {
  std::vector<float> a(kSmall, 1.f), b(kSmall, 2.f), y(kSmall);
  const tg::Shape s{kSmall};
  for (auto _ : st) {
    benchmark::DoNotOptimize(a.data());
    k::binary<float>(k::Binary::Add, a.data(), s, b.data(), s, y.data(), s);
    benchmark::DoNotOptimize(y.data());
  }
}
void BM_Small16_ScalarLoopExp(benchmark::State& st) {
  std::vector<float> a(kSmall, 0.5f), y(kSmall);
  for (auto _ : st) {
    benchmark::DoNotOptimize(a.data());
    for (int64_t i = 0; i < kSmall; ++i) y[i] = std::exp(a[i]);
    benchmark::DoNotOptimize(y.data());
  }
}
void BM_Small16_KernelExp(benchmark::State& st) {
  std::vector<float> a(kSmall, 0.5f), y(kSmall);
  for (auto _ : st) {
    benchmark::DoNotOptimize(a.data());
    k::unary<float>(k::Unary::Exp, a.data(), y.data(), kSmall);
    benchmark::DoNotOptimize(y.data());
  }
}
void BM_Small16_KernelSum(benchmark::State& st) {
  std::vector<float> a(kSmall, 0.5f);
  float y = 0;
  for (auto _ : st) {
    benchmark::DoNotOptimize(a.data());
    k::reduce<float>(k::Reduce::Sum, a.data(), &y, 1, kSmall, 1);
    benchmark::DoNotOptimize(y);
  }
}
// The whole op: allocation, dtype dispatch, kernel (no graph).
void BM_Small16_TensorAdd(benchmark::State& st) {
  tg::Tensor a = tg::full({kSmall}, 1.0), b = tg::full({kSmall}, 2.0);
  for (auto _ : st) {
    tg::Tensor y = a + b;
    benchmark::DoNotOptimize(y.impl());
  }
}
BENCHMARK(BM_Small16_ScalarLoopAdd);
BENCHMARK(BM_Small16_KernelAdd);
BENCHMARK(BM_Small16_ScalarLoopExp);
BENCHMARK(BM_Small16_KernelExp);
BENCHMARK(BM_Small16_KernelSum);
BENCHMARK(BM_Small16_TensorAdd);

// A chain of `len` tiny ops (mul, add, tanh, repeated) on a [16] float32 leaf, then sum and
// backward. Counter us_per_op = time / ops, forward and backward together.
void BM_OpChain(benchmark::State& st) {
  const int64_t len = st.range(0);
  tg::Tensor x = tg::full({kSmall}, 0.5).requires_grad_();
  for (auto _ : st) {
    tg::Tensor y = x;
    for (int64_t i = 0; i < len / 3; ++i) y = tg::tanh(y * 1.001 + 0.01);
    y.sum().backward();
    x.grad().fill_(0);
  }
  const double ops = double(len / 3 * 3 + 1);
  st.counters["us_per_op"] = benchmark::Counter(
      ops * 1e-6, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_OpChain)->Arg(99)->Arg(999);

}  // namespace

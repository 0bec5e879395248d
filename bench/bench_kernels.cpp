// Micro-benchmarks of the kernel layer: GEMM (square and MLP shapes with their backward
// transposes), elementwise ops and reductions at 1e3 / 1e5 / 1e7 elements, and a plain
// copy for the memory bandwidth. The last argument of each is the thread count.
#include <benchmark/benchmark.h>

#include <vector>

#include "../autograd/src/kernels/kernels.hpp"
#include "tapegrad/autograd/parallel.hpp"

namespace k = tg::kernels;

namespace {

std::vector<float> filled(int64_t n, float lo = -1, float hi = 1) {
  std::vector<float> v(static_cast<size_t>(n));
  uint32_t s = 12345;
  for (auto& x : v) {
    s = s * 1664525u + 1013904223u;
    x = lo + (hi - lo) * float(s >> 8) / float(1u << 24);
  }
  return v;
}

// Args: m, n, k, trans_a, trans_b, threads. C[m,n] = op(A)[m,k] op(B)[k,n].
void BM_Gemm(benchmark::State& st) {
  const int64_t m = st.range(0), n = st.range(1), kk = st.range(2);
  const bool ta = st.range(3) != 0, tb = st.range(4) != 0;
  tg::set_num_threads(static_cast<int>(st.range(5)));
  const auto a = filled(m * kk), b = filled(kk * n);
  std::vector<float> c(static_cast<size_t>(m * n));
  for (auto _ : st) {
    k::gemm<float>(ta, tb, m, n, kk, 1.f, a.data(), ta ? m : kk, b.data(), tb ? kk : n, 0.f,
                   c.data(), n);
    benchmark::DoNotOptimize(c.data());
    benchmark::ClobberMemory();
  }
  st.counters["GFLOPS"] = benchmark::Counter(2e-9 * double(m) * double(n) * double(kk),
                                             benchmark::Counter::kIsIterationInvariantRate);
  tg::set_num_threads(0);
}

void gemm_args(benchmark::internal::Benchmark* b) {
  b->ArgNames({"m", "n", "k", "ta", "tb", "threads"});
  for (int threads : {1, 2}) {
    for (int64_t s : {64, 256, 1024, 2048}) b->Args({s, s, s, 0, 0, threads});
    // MLP layers Y = X W with X [batch, in], W [in, out]: forward X·W, backward
    // dX = dY·Wᵀ (trans_b) and dW = Xᵀ·dY (trans_a).
    // gan_toy's narrow first and last layers (2 → 512, 512 → 2, 512 → 1) included.
    for (auto [batch, in, out] : {std::array<int64_t, 3>{256, 512, 512},
                                  {256, 2, 512},
                                  {256, 512, 2},
                                  {256, 512, 1},
                                  {100, 784, 1200},
                                  {100, 1200, 1200}}) {
      b->Args({batch, out, in, 0, 0, threads});
      b->Args({batch, in, out, 0, 1, threads});
      b->Args({in, out, batch, 1, 0, threads});
    }
  }
  b->UseRealTime();
}
BENCHMARK(BM_Gemm)->Apply(gemm_args);

// The serial/parallel crossover of GEMMs (gemm.cpp's kSerialMacs, docs/kernels.md): the
// layers of the 128-wide MLPs at rows m = 32 … 512 (a batch of 128 is m = 128; forward-mode
// tangents stack to m = 128·(D + 2)), all three forms, 1 and 2 threads.
void BM_GemmSmall(benchmark::State& st) { BM_Gemm(st); }
void gemm_small_args(benchmark::internal::Benchmark* b) {
  b->ArgNames({"m", "n", "k", "ta", "tb", "threads"});
  for (int threads : {1, 2})
    for (int64_t m : {32, 64, 128, 256, 512}) {
      b->Args({m, 128, 128, 0, 0, threads});
      b->Args({m, 128, 128, 0, 1, threads});
      b->Args({128, 128, m, 1, 0, threads});
    }
  b->UseRealTime();
}
BENCHMARK(BM_GemmSmall)->Apply(gemm_small_args);

// Args: n, threads. Bytes counted: reads + writes (no write-allocate).
void BM_Copy(benchmark::State& st) {
  const int64_t n = st.range(0);
  tg::set_num_threads(static_cast<int>(st.range(1)));
  const auto x = filled(n);
  std::vector<float> y(static_cast<size_t>(n));
  for (auto _ : st) {
    k::copy<float>(x.data(), y.data(), n);
    benchmark::DoNotOptimize(y.data());
  }
  st.SetBytesProcessed(int64_t(st.iterations()) * n * 2 * int64_t(sizeof(float)));
  tg::set_num_threads(0);
}

template <k::Unary Op>
void BM_Unary(benchmark::State& st) {
  const int64_t n = st.range(0);
  tg::set_num_threads(static_cast<int>(st.range(1)));
  const auto x = filled(n, -5, 5);
  std::vector<float> y(static_cast<size_t>(n));
  for (auto _ : st) {
    k::unary<float>(Op, x.data(), y.data(), n);
    benchmark::DoNotOptimize(y.data());
  }
  st.SetBytesProcessed(int64_t(st.iterations()) * n * 2 * int64_t(sizeof(float)));
  tg::set_num_threads(0);
}

template <k::Binary Op>
void BM_Binary(benchmark::State& st) {
  const int64_t n = st.range(0);
  tg::set_num_threads(static_cast<int>(st.range(1)));
  const auto a = filled(n), b = filled(n, 1, 2);
  std::vector<float> y(static_cast<size_t>(n));
  const tg::Shape s{n};
  for (auto _ : st) {
    k::binary<float>(Op, a.data(), s, b.data(), s, y.data(), s);
    benchmark::DoNotOptimize(y.data());
  }
  st.SetBytesProcessed(int64_t(st.iterations()) * n * 3 * int64_t(sizeof(float)));
  tg::set_num_threads(0);
}

// Bias add: [n/512, 512] + [512].
void BM_BiasAdd(benchmark::State& st) {
  const int64_t n = st.range(0), cols = 512, rows = std::max<int64_t>(1, n / cols);
  tg::set_num_threads(static_cast<int>(st.range(1)));
  const auto a = filled(rows * cols), b = filled(cols);
  std::vector<float> y(a.size());
  for (auto _ : st) {
    k::binary<float>(k::Binary::Add, a.data(), {rows, cols}, b.data(), {cols}, y.data(),
                     {rows, cols});
    benchmark::DoNotOptimize(y.data());
  }
  st.SetBytesProcessed(int64_t(st.iterations()) * rows * cols * 2 * int64_t(sizeof(float)));
  tg::set_num_threads(0);
}

// Args: n, threads. Full sum (r = n) or column sum (the bias gradient, [n/512, 512] -> [512]).
template <bool Columns>
void BM_Sum(benchmark::State& st) {
  const int64_t n = st.range(0), inner = Columns ? 512 : 1, r = std::max<int64_t>(1, n / inner);
  tg::set_num_threads(static_cast<int>(st.range(1)));
  const auto x = filled(r * inner);
  std::vector<float> y(static_cast<size_t>(inner));
  for (auto _ : st) {
    k::reduce<float>(k::Reduce::Sum, x.data(), y.data(), 1, r, inner);
    benchmark::DoNotOptimize(y.data());
  }
  st.SetBytesProcessed(int64_t(st.iterations()) * r * inner * int64_t(sizeof(float)));
  tg::set_num_threads(0);
}

void BM_Max(benchmark::State& st) {
  const int64_t n = st.range(0);
  tg::set_num_threads(static_cast<int>(st.range(1)));
  const auto x = filled(n);
  float y = 0;
  for (auto _ : st) {
    k::reduce<float>(k::Reduce::Max, x.data(), &y, 1, n, 1);
    benchmark::DoNotOptimize(y);
  }
  st.SetBytesProcessed(int64_t(st.iterations()) * n * int64_t(sizeof(float)));
  tg::set_num_threads(0);
}

void sizes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"n", "threads"});
  for (int threads : {1, 2})
    for (int64_t n : {1000, 100000, 10000000}) b->Args({n, threads});
  b->UseRealTime();
}

BENCHMARK(BM_Copy)->Apply(sizes);
BENCHMARK(BM_Unary<k::Unary::Relu>)->Apply(sizes);
BENCHMARK(BM_Unary<k::Unary::Exp>)->Apply(sizes);
BENCHMARK(BM_Unary<k::Unary::Tanh>)->Apply(sizes);
BENCHMARK(BM_Unary<k::Unary::Sigmoid>)->Apply(sizes);
BENCHMARK(BM_Unary<k::Unary::Softplus>)->Apply(sizes);
BENCHMARK(BM_Binary<k::Binary::Add>)->Apply(sizes);
BENCHMARK(BM_Binary<k::Binary::Mul>)->Apply(sizes);
BENCHMARK(BM_BiasAdd)->Apply(sizes);
BENCHMARK(BM_Sum<false>)->Apply(sizes);
BENCHMARK(BM_Sum<true>)->Apply(sizes);
BENCHMARK(BM_Max)->Apply(sizes);

}  // namespace

// openblas-gemm: times OpenBLAS's cblas_sgemm on the shapes given as arguments
// "m,n,k,ta,tb" and prints one JSON line per shape. Threads: OPENBLAS_NUM_THREADS or
// --threads N. Used by bench/compare.py.
#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

int main(int argc, char** argv) {
  int threads = 1;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--threads") == 0 && i + 1 < argc) threads = std::atoi(argv[i + 1]);
  }
  openblas_set_num_threads(threads);
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--threads") == 0) {
      ++i;
      continue;
    }
    long m, n, k;
    int ta, tb;
    if (std::sscanf(argv[i], "%ld,%ld,%ld,%d,%d", &m, &n, &k, &ta, &tb) != 5) {
      std::fprintf(stderr, "openblas-gemm: expected m,n,k,ta,tb, got %s\n", argv[i]);
      return 2;
    }
    std::vector<float> a(static_cast<size_t>(m * k), 0.5f), b(static_cast<size_t>(k * n), 0.25f),
        c(static_cast<size_t>(m * n));
    auto run = [&] {
      cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                  int(m), int(n), int(k), 1.f, a.data(), ta ? int(m) : int(k), b.data(),
                  tb ? int(k) : int(n), 0.f, c.data(), int(n));
    };
    using Clock = std::chrono::steady_clock;
    const auto w0 = Clock::now();
    long warm = 0;
    while (warm < 3 || Clock::now() - w0 < std::chrono::milliseconds(100)) run(), ++warm;
    const double step = std::chrono::duration<double>(Clock::now() - w0).count() / double(warm);
    const long per_run = std::max(1L, static_cast<long>(0.03 / step));
    std::vector<double> secs;
    for (int r = 0; r < 11; ++r) {
      const auto t0 = Clock::now();
      for (long s = 0; s < per_run; ++s) run();
      secs.push_back(std::chrono::duration<double>(Clock::now() - t0).count() / double(per_run));
    }
    std::sort(secs.begin(), secs.end());
    const double med = secs[secs.size() / 2];
    std::printf(
        "{\"m\": %ld, \"n\": %ld, \"k\": %ld, \"ta\": %d, \"tb\": %d, \"threads\": %d, "
        "\"seconds\": %.9g, \"gflops\": %.6g}\n",
        m, n, k, ta, tb, threads, med, 2e-9 * double(m) * double(n) * double(k) / med);
  }
  return 0;
}

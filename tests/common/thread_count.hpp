// ThreadCount: limits the kernels (and parallel tasks such as the loop-form Hessian trace)
// to `n` threads for the guard's lifetime, for tests that compare thread counts.
#pragma once
#include "tapegrad/autograd/parallel.hpp"

namespace tgtest {

class ThreadCount {
 public:
  explicit ThreadCount(int n) { tg::set_num_threads(n); }
  ~ThreadCount() { tg::set_num_threads(0); }
  ThreadCount(const ThreadCount&) = delete;
  ThreadCount& operator=(const ThreadCount&) = delete;
};

}  // namespace tgtest

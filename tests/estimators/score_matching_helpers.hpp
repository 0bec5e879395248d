// Small models and helpers shared by the score-matching and EBM tests.
#pragma once
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "tapegrad/autograd.hpp"
#include "tapegrad/autograd/parallel.hpp"
#include "tapegrad/estimators/energy.hpp"

namespace tg::test {

/// E(x) = ½ (x − μ)ᵀ M (x − μ) per sample, for a symmetric M ([D, D]) and μ ([D]).
inline Tensor gaussian_energy(const Tensor& x, const Tensor& mu, const Tensor& m) {
  Tensor c = x - mu;
  return (c * matmul(c, m)).sum({1}) * 0.5;
}

/// A softplus MLP energy D → H → 1 with explicit weights.
struct MlpEnergy {
  Tensor w1, b1, w2;
  MlpEnergy(int64_t d, int64_t h, uint64_t seed, Dtype dtype = kFloat64) {
    Generator gen(seed);
    w1 = (randn({d, h}, gen, dtype) * 0.7).detach().requires_grad_();
    b1 = (randn({h}, gen, dtype) * 0.3).detach().requires_grad_();
    w2 = (randn({h, 1}, gen, dtype) * 0.7).detach().requires_grad_();
  }
  TensorList params() const { return {w1, b1, w2}; }
  static Tensor apply(const Tensor& x, const TensorList& p) {
    return matmul(softplus(matmul(x, p[0]) + p[1]), p[2]).reshape({x.size(0)});
  }
  est::Energy energy() const {
    return [p = params()](const Tensor& x) { return apply(x, p); };
  }
};

/// The message of the tg::Error `call` throws, or "" if it throws none.
template <class Call>
std::string error_message(Call&& call) {
  try {
    call();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

/// Limits the kernels and parallel tasks to `n` threads for the guard's lifetime.
class ThreadCount {
 public:
  explicit ThreadCount(int n) { set_num_threads(n); }
  ~ThreadCount() { set_num_threads(0); }
  ThreadCount(const ThreadCount&) = delete;
  ThreadCount& operator=(const ThreadCount&) = delete;
};

/// The gradients of every tensor in `params` after `loss().backward()`, flattened.
template <class Loss>
std::vector<double> gradients(const TensorList& params, Loss&& loss) {
  for (Tensor p : params) p.zero_grad();
  loss().backward();
  std::vector<double> flat;
  for (const Tensor& p : params) {
    const auto g = p.grad().to_vector<double>();
    flat.insert(flat.end(), g.begin(), g.end());
  }
  return flat;
}

/// Runs `loss` at 1 and at 2 threads and requires bit-identical parameter gradients.
template <class Loss>
void expect_bit_identical_across_threads(const TensorList& params, Loss&& loss) {
  std::vector<double> one, two;
  {
    ThreadCount t(1);
    one = gradients(params, loss);
  }
  {
    ThreadCount t(2);
    two = gradients(params, loss);
  }
  ASSERT_EQ(one.size(), two.size());
  EXPECT_EQ(std::memcmp(one.data(), two.data(), one.size() * sizeof(double)), 0);
}

/// Sample mean and its standard error.
struct MeanAndError {
  double mean, se;
};
inline MeanAndError mean_and_error(const std::vector<double>& v) {
  double m = 0, q = 0;
  for (double x : v) m += x;
  m /= double(v.size());
  for (double x : v) q += (x - m) * (x - m);
  return {m, std::sqrt(q / double(v.size() - 1) / double(v.size()))};
}

}  // namespace tg::test

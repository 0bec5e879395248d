// Small models and helpers shared by the score-matching and energy-based-model tests.
#pragma once
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "checks.hpp"
#include "tapegrad/autograd.hpp"
#include "tapegrad/autograd/parallel.hpp"
#include "tapegrad/estimators/energy.hpp"
#include "tapegrad/nn/module.hpp"
#include "tapegrad/optim/adam.hpp"
#include "thread_count.hpp"

namespace tgtest {

using tg::Dtype;
using tg::eye;
using tg::Generator;
using tg::kFloat64;
using tg::matmul;
using tg::randn;
using tg::set_num_threads;
using tg::softplus;
using tg::Tensor;
using tg::TensorList;
using tg::transpose;
using tg::zeros;
namespace est = tg::est;
namespace nn = tg::nn;
namespace optim = tg::optim;

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

/// E(x) = ½ ‖(x − μ) Pᵀ‖² per sample: a Gaussian with covariance (PᵀP)⁻¹.
struct GaussianEbm {
  Tensor mu, p;
  explicit GaussianEbm(int64_t d)
      : mu(zeros({d}, kFloat64).requires_grad_()), p(eye(d, kFloat64).requires_grad_()) {}
  est::Energy energy() const {
    return [mu = mu, p = p](const Tensor& x) {
      Tensor c = matmul(x - mu, transpose(p, 0, 1));
      return (c * c).sum({1}) * 0.5;
    };
  }
  /// (PᵀP)⁻¹, row-major (D ≤ 2).
  std::vector<double> covariance() const {
    const auto v = p.to_vector<double>();
    if (mu.numel() == 1) return {1 / (v[0] * v[0])};
    const double a = v[0] * v[0] + v[2] * v[2], b = v[0] * v[1] + v[2] * v[3],
                 c = v[1] * v[1] + v[3] * v[3], det = a * c - b * b;
    return {c / det, -b / det, -b / det, a / det};
  }
};

/// A training loss for an EBM on a data batch.
using EbmLoss = std::function<Tensor(const est::Energy&, const Tensor& x, Generator& gen)>;

/// Trains `ebm` (and `extra` parameters the loss uses, e.g. a log-normaliser) with Adam on
/// fresh batches x = z Lᵀ + m (z ~ N(0, I)); returns its mean and covariance averaged
/// over the last `average` steps.
inline std::pair<std::vector<double>, std::vector<double>> fit_gaussian_ebm(
    GaussianEbm& ebm, const TensorList& extra, const Tensor& l, const Tensor& m,
    const EbmLoss& loss, int64_t batch, int steps, int average) {
  const int64_t d = m.numel();
  Generator gen(11);
  TensorList params{ebm.mu, ebm.p};
  params.insert(params.end(), extra.begin(), extra.end());
  optim::Adam opt(params, {.lr = 0.02});
  std::vector<double> mean(static_cast<size_t>(d)), cov(static_cast<size_t>(d * d));
  for (int step = 0; step < steps; ++step) {
    const Tensor x = matmul(randn({batch, d}, gen, kFloat64), transpose(l, 0, 1)) + m;
    Tensor j = loss(ebm.energy(), x, gen);
    opt.zero_grad();
    j.backward();
    opt.step();
    if (step >= steps - average) {
      const auto mu = ebm.mu.to_vector<double>();
      const auto c = ebm.covariance();
      for (size_t i = 0; i < mean.size(); ++i) mean[i] += mu[i] / average;
      for (size_t i = 0; i < cov.size(); ++i) cov[i] += c[i] / average;
    }
  }
  return {mean, cov};
}

// Tolerances: a batch of B data points estimates the mean to σᵢ/√B and a covariance entry
// to √((ΣᵢᵢΣⱼⱼ + Σᵢⱼ²)/B); the iterate averaged over the last steps (Polyak–Juditsky) is
// no noisier than one batch's estimate by an efficient estimator, so 5 of those standard
// errors, times `inflation` for an estimator with a larger asymptotic variance.
inline void expect_fits(const std::vector<double>& mean, const std::vector<double>& cov,
                        const std::vector<double>& m, const std::vector<double>& sigma,
                        int64_t batch, double inflation, const char* what) {
  const size_t d = m.size();
  for (size_t i = 0; i < d; ++i)
    EXPECT_NEAR(mean[i], m[i], 5 * inflation * std::sqrt(sigma[i * d + i] / double(batch))) << what;
  for (size_t i = 0; i < d; ++i)
    for (size_t j = 0; j < d; ++j) {
      const double se =
          std::sqrt((sigma[i * d + i] * sigma[j * d + j] + sigma[i * d + j] * sigma[i * d + j]) /
                    double(batch));
      EXPECT_NEAR(cov[i * d + j], sigma[i * d + j], 5 * inflation * se)
          << what << " cov " << i << j;
    }
}

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

/// Central differences of loss() in every parameter of a float64 module against the
/// gradient backward accumulates (as tests/nn/module_gradcheck.hpp does for a forward).
inline ::testing::AssertionResult flow_gradcheck(nn::Module& m, const std::function<Tensor()>& loss,
                                                 double eps = 1e-6) {
  m.zero_grad();
  loss().backward();
  for (auto& [name, p] : m.named_parameters()) {
    const Tensor g = p.grad();
    for (int64_t j = 0; j < p.numel(); ++j) {
      double* v = p.data<double>() + j;
      const double saved = *v;
      *v = saved + eps;
      const double plus = loss().item<double>();
      *v = saved - eps;
      const double minus = loss().item<double>();
      *v = saved;
      const double numeric = (plus - minus) / (2 * eps);
      const double analytic = g.defined() ? g.data<double>()[j] : 0.0;
      if (std::abs(analytic - numeric) > 1e-6 + 1e-4 * std::abs(numeric))
        return ::testing::AssertionFailure() << name << "[" << j << "]: backward " << analytic
                                             << " vs finite differences " << numeric;
    }
  }
  return ::testing::AssertionSuccess();
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

}  // namespace tgtest

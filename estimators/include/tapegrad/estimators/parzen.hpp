// Parzen-window log-likelihood, the protocol of the GAN paper (Goodfellow et al. 2014, after
// Breuleux et al. 2011): fit an isotropic Gaussian kernel density to N generator samples c_j,
//
//   log p̂_σ(x) = logsumexp_j(−‖x − c_j‖² / 2σ²) − log N − (D/2) log(2πσ²),
//
// choose σ on a validation set from a log-spaced grid (the σ with the largest mean log p̂),
// and report the mean of log p̂_σ over the test points with its standard error std/√M
// (std with 1/M, as the reference parzen_ll.py computes it).
//
// Squared distances come from the GEMM, ‖x‖² + ‖c‖² − 2x·c (clamped at 0 against rounding),
// one block of test points at a time, so 10⁴ centres × 10⁴ points × 784 dimensions is a few
// seconds of float32 work. One distance pass serves every σ of the grid.
// docs/estimators/evaluation.md.
#pragma once
#include <cstdint>
#include <vector>

#include "tapegrad/autograd/tensor.hpp"

namespace tg::est {

/// n values log-spaced from `lo` to `hi` inclusive (numpy.logspace(log10 lo, log10 hi, n)).
std::vector<double> log_spaced(double lo, double hi, int64_t n);

/// log p̂_σ(x) for every σ in `sigmas` and every row of `points` [M, D], with kernels on
/// `centres` [N, D]: shape [S, M], in the inputs' dtype. Not recorded for autograd.
Tensor parzen_log_density(const Tensor& centres, const Tensor& points,
                          const std::vector<double>& sigmas);

struct ParzenEstimate {
  double sigma = 0;                      ///< the σ chosen on the validation set
  double mean = 0;                       ///< mean log p̂_σ over the test points (nats)
  double standard_error = 0;             ///< std / √M over the test points
  std::vector<double> validation_means;  ///< mean validation log p̂ for each σ of the grid
};

/// The GAN paper's protocol: σ = argmax over `sigma_grid` of the mean log p̂_σ(validation),
/// then the mean and standard error of log p̂_σ(test).
ParzenEstimate parzen_log_likelihood(const Tensor& centres, const Tensor& validation,
                                     const Tensor& test, const std::vector<double>& sigma_grid);

}  // namespace tg::est

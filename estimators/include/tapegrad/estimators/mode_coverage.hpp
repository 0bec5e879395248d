// Mode coverage of samples from a Gaussian mixture, as PacGAN (Lin et al. 2018) and VEEGAN
// (Srivastava et al. 2017) report it for the 2-D ring and grid experiments:
//
//   nearest mode   k(x) = argmin_k ‖x − μ_k‖ / σ_k        (distance in that mode's stds)
//   high quality   ‖x − μ_k(x)‖ / σ_k(x) < threshold       (3 in both papers)
//   covered        mode k holds at least one high-quality sample
//   reverse KL     KL(p̂ ‖ w) = Σ_k p̂_k log(p̂_k / w_k),  p̂_k = n_k / Σ_j n_j
//
// where n_k counts the high-quality samples nearest to mode k and w are the mixture weights.
// Empty bins (n_k = 0) contribute 0 (the limit p log p → 0), as in PacGAN's code; the KL is
// null when no sample is high quality (p̂ is then undefined). docs/estimators/evaluation.md.
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

#include "tapegrad/autograd/tensor.hpp"
#include "tapegrad/data/synthetic.hpp"

namespace tg::est {

struct ModeCoverage {
  int64_t modes_covered = 0;
  double high_quality_fraction = 0;  ///< high-quality samples / all samples
  std::optional<double> reverse_kl;  ///< KL(p̂ ‖ w) in nats; nullopt if nothing is high quality
  std::vector<int64_t> high_quality_per_mode;  ///< n_k, one per mode
};

/// `samples` [N, D] against the mixture with `means` [K, D], per-mode `stddevs` (K, > 0) and
/// `weights` (K, > 0, summing to 1). Throws ShapeError / ValueError on anything else.
ModeCoverage mode_coverage(const Tensor& samples, const Tensor& means,
                           const std::vector<double>& stddevs, const std::vector<double>& weights,
                           double threshold = 3.0);

/// The same for tg::data's equal-weight isotropic mixtures (ring, grid).
ModeCoverage mode_coverage(const Tensor& samples, const data::GaussianMixture& mixture,
                           double threshold = 3.0);

}  // namespace tg::est

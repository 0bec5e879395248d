// An affine coupling layer (RealNVP, Dinh et al. 2017), an invertible map with a cheap
// log-determinant, for flow-based estimators. With a binary mask m and an MLP net that
// sees only the masked part,
//   (s̃, t) = net(m ⊙ x),  s = tanh(s̃) ⊙ (1 − m),  t = t ⊙ (1 − m)
//   y = x ⊙ exp(s) + t,   log|det ∂y/∂x| = Σ s
//   x = (y − t) ⊙ exp(−s)  (the inverse: m ⊙ y = m ⊙ x, so s and t are recomputed)
// tanh bounds the log-scale to (−1, 1) per step, which keeps deep flows stable.
#pragma once
#include <utility>
#include <vector>

#include "tapegrad/autograd/random.hpp"
#include "tapegrad/nn/mlp.hpp"

namespace tg::nn {

struct CouplingOptions {
  std::vector<int64_t> hidden = {64, 64};
  Activation activation = Activation::ReLU;
  /// Zero the net's last layer, so the layer starts as the identity.
  bool zero_init = true;
  Dtype dtype = kFloat32;
};

class AffineCoupling : public Module {
 public:
  /// `mask` holds `dim` values of 0 or 1 (1 = passed through unchanged).
  AffineCoupling(const std::vector<double>& mask, Generator& gen,
                 const CouplingOptions& options = {});
  /// The alternating mask 1, 0, 1, … (or 0, 1, 0, … with parity = true).
  static std::vector<double> checkerboard(int64_t dim, bool parity = false);

  /// y and log|det ∂y/∂x| ([N]) for x [N, dim].
  std::pair<Tensor, Tensor> forward_and_log_det(const Tensor& x);
  Tensor forward(const Tensor& x) override { return forward_and_log_det(x).first; }
  /// x and log|det ∂x/∂y| (= −log|det ∂y/∂x|) for y [N, dim].
  std::pair<Tensor, Tensor> inverse_and_log_det(const Tensor& y);
  Tensor inverse(const Tensor& y) { return inverse_and_log_det(y).first; }

  const std::shared_ptr<MLP>& net() const { return net_; }

 private:
  /// s and t from the masked input.
  std::pair<Tensor, Tensor> scale_shift(const Tensor& x);

  std::shared_ptr<MLP> net_;
  Tensor mask_;  ///< buffer [dim]
  int64_t dim_;
};

}  // namespace tg::nn

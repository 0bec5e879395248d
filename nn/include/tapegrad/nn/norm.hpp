// Normalisation layers.
#pragma once
#include "tapegrad/nn/module.hpp"

namespace tg::nn {

struct LayerNormOptions {
  double eps = 1e-5;
  /// Learnable weight (ones) and bias (zeros) of the normalised shape.
  bool elementwise_affine = true;
  Dtype dtype = kFloat32;
};

/// y = (x − mean)/√(var + eps)·weight + bias, with mean and (biased) variance over the
/// trailing axes given by `normalized_shape`, per sample; the same in train and eval.
class LayerNorm : public Module {
 public:
  explicit LayerNorm(const Shape& normalized_shape, const LayerNormOptions& options = {});
  Tensor forward(const Tensor& x) override;

  Tensor weight;  ///< normalized_shape; undefined without elementwise_affine
  Tensor bias;

 private:
  Shape normalized_shape_;
  double eps_;
};

struct BatchNormOptions {
  double eps = 1e-5;
  /// running = (1 − momentum)·running + momentum·batch statistic.
  double momentum = 0.1;
  bool affine = true;
  bool track_running_stats = true;
  Dtype dtype = kFloat32;
};

/// Batch normalisation over [N, C] or [N, C, L] inputs, as torch.nn.BatchNorm1d: in
/// training mode it normalises with the batch's mean and biased variance (and updates
/// the running mean and unbiased variance); in eval mode with the running statistics.
///
/// Not for critics with gradient penalties: in training mode each output depends on
/// every sample of the batch, so ∇ₓ a(x) of one sample is not that sample's gradient,
/// and per-sample gradient norms (WGAN-GP, R1) are wrong. Use LayerNorm there, as the
/// WGAN-GP paper does.
class BatchNorm1d : public Module {
 public:
  explicit BatchNorm1d(int64_t num_features, const BatchNormOptions& options = {});
  Tensor forward(const Tensor& x) override;

  Tensor weight;  ///< [C]; undefined without affine
  Tensor bias;
  Tensor running_mean;  ///< buffers, [C]; undefined without track_running_stats
  Tensor running_var;
  Tensor num_batches_tracked;  ///< a one-element buffer

 private:
  int64_t num_features_;
  BatchNormOptions options_;
};

}  // namespace tg::nn

#include "tapegrad/nn/norm.hpp"

#include <fmt/format.h>

#include "tapegrad/autograd/error.hpp"
#include "tapegrad/autograd/grad_mode.hpp"
#include "tapegrad/autograd/ops/elementwise.hpp"
#include "tapegrad/autograd/ops/factory.hpp"
#include "tapegrad/autograd/ops/reduction.hpp"

namespace tg::nn {

LayerNorm::LayerNorm(const Shape& normalized_shape, const LayerNormOptions& options)
    : normalized_shape_(normalized_shape), eps_(options.eps) {
  if (normalized_shape.rank() == 0 || normalized_shape.numel() <= 0)
    throw ValueError(
        fmt::format("LayerNorm: normalized_shape {} must be non-empty", normalized_shape.str()));
  if (options.elementwise_affine) {
    weight = register_parameter("weight", ones(normalized_shape, options.dtype));
    bias = register_parameter("bias", zeros(normalized_shape, options.dtype));
  }
}

Tensor LayerNorm::forward(const Tensor& x) {
  const int k = normalized_shape_.rank();
  const int lead = x.dim() - k;
  if (lead < 0 || Shape(x.shape().begin() + lead, x.shape().end()) != normalized_shape_)
    throw ShapeError(fmt::format("LayerNorm({}): input of shape {} must end with {}",
                                 normalized_shape_.str(), x.shape().str(),
                                 normalized_shape_.str()));
  Axes axes;
  for (int i = lead; i < x.dim(); ++i) axes.push_back(i);
  const Tensor centred = x - mean(x, axes, true);
  Tensor y = centred * rsqrt(mean(square(centred), axes, true) + eps_);
  if (weight.defined()) y = y * weight + bias;
  return y;
}

BatchNorm1d::BatchNorm1d(int64_t num_features, const BatchNormOptions& options)
    : num_features_(num_features), options_(options) {
  if (num_features <= 0)
    throw ValueError(
        fmt::format("BatchNorm1d: num_features must be positive, got {}", num_features));
  const Dtype d = options.dtype;
  if (options.affine) {
    weight = register_parameter("weight", ones({num_features}, d));
    bias = register_parameter("bias", zeros({num_features}, d));
  }
  if (options.track_running_stats) {
    running_mean = register_buffer("running_mean", zeros({num_features}, d));
    running_var = register_buffer("running_var", ones({num_features}, d));
    num_batches_tracked = register_buffer("num_batches_tracked", zeros({1}, d));
  }
}

Tensor BatchNorm1d::forward(const Tensor& x) {
  if ((x.dim() != 2 && x.dim() != 3) || x.shape()[1] != num_features_)
    throw ShapeError(fmt::format("BatchNorm1d({}): input must be [N, {}] or [N, {}, L], got {}",
                                 num_features_, num_features_, num_features_, x.shape().str()));
  const Axes axes = x.dim() == 2 ? Axes{0} : Axes{0, 2};
  const Shape stat_shape = x.dim() == 2 ? Shape{1, num_features_} : Shape{1, num_features_, 1};
  const bool use_batch = is_training() || !options_.track_running_stats;
  const int64_t n = x.numel() / num_features_;
  if (use_batch && is_training() && n < 2)
    throw ValueError(
        fmt::format("BatchNorm1d({}): training needs more than one value per "
                    "channel, got input {}",
                    num_features_, x.shape().str()));
  Tensor mu, var;
  if (use_batch) {
    mu = mean(x, axes, true);
    var = mean(square(x - mu), axes, true);
    if (is_training() && options_.track_running_stats) {
      NoGradGuard no_grad;
      const double m = options_.momentum;
      const double unbias = static_cast<double>(n) / static_cast<double>(n - 1);
      running_mean.copy_(running_mean * (1 - m) + mu.detach().reshape({num_features_}) * m);
      running_var.copy_(running_var * (1 - m) +
                        var.detach().reshape({num_features_}) * (m * unbias));
      num_batches_tracked.copy_(num_batches_tracked + 1.0);
    }
  } else {
    mu = running_mean.reshape(stat_shape);
    var = running_var.reshape(stat_shape);
  }
  Tensor y = (x - mu) * rsqrt(var + options_.eps);
  if (weight.defined()) y = y * weight.reshape(stat_shape) + bias.reshape(stat_shape);
  return y;
}

}  // namespace tg::nn

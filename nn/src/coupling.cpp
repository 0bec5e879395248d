#include "tapegrad/nn/coupling.hpp"

#include <fmt/format.h>

#include "tapegrad/autograd/error.hpp"
#include "tapegrad/autograd/ops/elementwise.hpp"
#include "tapegrad/autograd/ops/factory.hpp"
#include "tapegrad/autograd/ops/reduction.hpp"
#include "tapegrad/autograd/ops/shape_ops.hpp"

namespace tg::nn {

AffineCoupling::AffineCoupling(const std::vector<double>& mask, Generator& gen,
                               const CouplingOptions& options)
    : dim_(static_cast<int64_t>(mask.size())) {
  for (double m : mask)
    if (m != 0 && m != 1)
      throw ValueError(fmt::format("AffineCoupling: mask values must be 0 or 1, got {}", m));
  if (dim_ < 1) throw ValueError("AffineCoupling: the mask is empty");
  std::vector<int64_t> sizes = {dim_};
  sizes.insert(sizes.end(), options.hidden.begin(), options.hidden.end());
  sizes.push_back(2 * dim_);
  net_ = register_module("net", std::make_shared<MLP>(sizes, options.activation, gen,
                                                      MLPOptions{.dtype = options.dtype}));
  if (options.zero_init) {
    net_->linears().back()->weight.fill_(0.0);
    net_->linears().back()->bias.fill_(0.0);
  }
  mask_ = register_buffer("mask", from_vector(mask, {dim_}, options.dtype));
}

std::vector<double> AffineCoupling::checkerboard(int64_t dim, bool parity) {
  std::vector<double> m;
  for (int64_t i = 0; i < dim; ++i) m.push_back((i % 2 == 0) != parity ? 1.0 : 0.0);
  return m;
}

std::pair<Tensor, Tensor> AffineCoupling::scale_shift(const Tensor& x) {
  if (x.dim() != 2 || x.shape()[1] != dim_)
    throw ShapeError(fmt::format("AffineCoupling(dim={}): input must be [N, {}], got {}", dim_,
                                 dim_, x.shape().str()));
  const Tensor h = net_->forward(x * mask_);
  const Tensor free = 1.0 - mask_;
  return {tanh(slice(h, 1, 0, dim_)) * free, slice(h, 1, dim_, 2 * dim_) * free};
}

std::pair<Tensor, Tensor> AffineCoupling::forward_and_log_det(const Tensor& x) {
  auto [s, t] = scale_shift(x);
  return {x * exp(s) + t, sum(s, {1})};
}

std::pair<Tensor, Tensor> AffineCoupling::inverse_and_log_det(const Tensor& y) {
  auto [s, t] = scale_shift(y);
  return {(y - t) * exp(-s), -sum(s, {1})};
}

}  // namespace tg::nn

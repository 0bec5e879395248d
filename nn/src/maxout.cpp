#include "tapegrad/nn/maxout.hpp"

#include <fmt/format.h>

#include "tapegrad/autograd/error.hpp"
#include "tapegrad/autograd/ops/reduction.hpp"

namespace tg::nn {

Maxout::Maxout(int64_t in_features, int64_t out_features, int64_t pieces, Generator& gen,
               Dtype dtype)
    : out_(out_features), pieces_(pieces) {
  if (pieces < 1 || out_features < 1)
    throw ValueError(fmt::format("Maxout: out_features ({}) and pieces ({}) must be positive",
                                 out_features, pieces));
  linear_ = register_module("linear", std::make_shared<Linear>(in_features, out_features * pieces,
                                                               gen, LinearOptions{.dtype = dtype}));
}

Tensor Maxout::forward(const Tensor& x) {
  if (x.dim() != 2)
    throw ShapeError(fmt::format("Maxout(in={}, out={}, pieces={}): input must be [N, {}], got {}",
                                 linear_->in_features(), out_, pieces_, linear_->in_features(),
                                 x.shape().str()));
  return max(linear_->forward(x).reshape({x.shape()[0], out_, pieces_}), {2});
}

}  // namespace tg::nn

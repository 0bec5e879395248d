#include "tapegrad/data/dataset.hpp"

#include <fmt/format.h>

#include "tapegrad/autograd/error.hpp"
#include "tapegrad/autograd/grad_mode.hpp"
#include "tapegrad/autograd/ops/shape_ops.hpp"

namespace tg::data {

TensorDataset::TensorDataset(Tensor x, Tensor y) : x_(std::move(x)), y_(std::move(y)) {
  if (!x_.defined() || x_.dim() < 1)
    throw ShapeError("TensorDataset: x must be a tensor with at least one axis");
  if (y_.defined() && (y_.dim() < 1 || y_.shape()[0] != x_.shape()[0]))
    throw ShapeError(fmt::format("TensorDataset: x {} and y {} must have the same first extent",
                                 x_.shape().str(), y_.shape().str()));
}

Batch TensorDataset::get(const std::vector<int64_t>& indices) const {
  NoGradGuard no_grad;
  Batch b;
  b.x = index_select(x_, 0, indices);
  if (y_.defined()) b.y = index_select(y_, 0, indices);
  return b;
}

}  // namespace tg::data

// Reductions over any set of axes (empty = all axes), with keepdim.
#pragma once
#include "tapegrad/autograd/tensor.hpp"

namespace tg {

Tensor sum(const Tensor& x, const Axes& axes = {}, bool keepdim = false);
Tensor mean(const Tensor& x, const Axes& axes = {}, bool keepdim = false);
/// Variance with `correction` (1 = unbiased, like torch.var).
Tensor var(const Tensor& x, const Axes& axes = {}, int64_t correction = 1, bool keepdim = false);
Tensor std(const Tensor& x, const Axes& axes = {}, int64_t correction = 1, bool keepdim = false);
/// Max / min values. The gradient goes to the arg max; ties share it equally.
Tensor max(const Tensor& x, const Axes& axes = {}, bool keepdim = false);
Tensor min(const Tensor& x, const Axes& axes = {}, bool keepdim = false);
/// The index of the max (min) value, as an int64 tensor that never requires grad (Note
/// [Int64 tensors] in dtype.hpp): over all values (a rank-0 result, an index into the
/// flattened tensor) or along `axis`. As torch.argmax: ties give the first index, and a
/// NaN counts as the max (and as the min), so the first NaN's index is returned.
Tensor argmax(const Tensor& x);
Tensor argmax(const Tensor& x, int64_t axis, bool keepdim = false);
Tensor argmin(const Tensor& x);
Tensor argmin(const Tensor& x, int64_t axis, bool keepdim = false);
/// max_with_indices' and min_with_indices' result: `auto [v, i] = max_with_indices(x, 1);`.
struct ValuesIndices {
  Tensor values;
  Tensor indices;  ///< int64
};
/// torch.max(x, dim) and torch.min(x, dim): the values along `axis` and their int64
/// indices, argmax's (the first index on ties). values = gather(x, axis, indices), so
/// their gradient goes to that one index; tg::max instead shares it among the ties.
ValuesIndices max_with_indices(const Tensor& x, int64_t axis, bool keepdim = false);
ValuesIndices min_with_indices(const Tensor& x, int64_t axis, bool keepdim = false);
/// log Σ exp(x), computed as m + log Σ exp(x - m) so it never overflows.
Tensor logsumexp(const Tensor& x, const Axes& axes = {}, bool keepdim = false);
/// Euclidean norm. Its gradient x/‖x‖ is taken as 0 where ‖x‖ = 0 (a subgradient), so
/// gradient penalties stay finite at the origin.
Tensor norm(const Tensor& x, const Axes& axes = {}, bool keepdim = false);
Tensor softmax(const Tensor& x, int64_t axis = -1);
Tensor log_softmax(const Tensor& x, int64_t axis = -1);

/// Sums `x` down to `shape` (the adjoint of broadcasting): the engine's one place where
/// broadcasting is undone.
Tensor sum_to(const Tensor& x, const Shape& shape);

}  // namespace tg

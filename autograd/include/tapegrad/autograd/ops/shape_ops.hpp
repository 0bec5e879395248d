// Ops that move values without arithmetic.
#pragma once
#include <initializer_list>
#include <vector>

#include "tapegrad/autograd/tensor.hpp"

namespace tg {

/// Same values, new shape; one entry may be -1 (inferred). Shares storage.
Tensor reshape(const Tensor& x, const Shape& shape);
Tensor flatten(const Tensor& x, int64_t start_axis = 0, int64_t end_axis = -1);
Tensor squeeze(const Tensor& x, int64_t axis);
Tensor unsqueeze(const Tensor& x, int64_t axis);
/// Broadcasts to `shape` (NumPy rules; -1 keeps an axis).
Tensor expand(const Tensor& x, const Shape& shape);
Tensor broadcast_to(const Tensor& x, const Shape& shape);
Tensor transpose(const Tensor& x, int64_t a, int64_t b);
Tensor permute(const Tensor& x, const Axes& order);
Tensor cat(const std::vector<Tensor>& xs, int64_t axis = 0);
Tensor stack(const std::vector<Tensor>& xs, int64_t axis = 0);
/// Pieces of `size` along `axis` (the last may be smaller).
std::vector<Tensor> split(const Tensor& x, int64_t size, int64_t axis = 0);
/// `chunks` nearly equal pieces along `axis`.
std::vector<Tensor> chunk(const Tensor& x, int64_t chunks, int64_t axis = 0);
/// x[start:stop:step] along `axis`, Python conventions (negative start/stop count from
/// the end, out-of-range bounds clamp); step must be positive.
Tensor slice(const Tensor& x, int64_t axis, int64_t start, int64_t stop, int64_t step = 1);
/// Rows (along `axis`) picked by integer `index` values.
Tensor index_select(const Tensor& x, int64_t axis, const std::vector<int64_t>& index);
/// `index_select(x, 0, {2})`: a braced list is the vector form (without this overload
/// `{0}` could also be read as a Tensor).
Tensor index_select(const Tensor& x, int64_t axis, std::initializer_list<int64_t> index);
/// The same with the indices as data: an int64 tensor of rank 0 or 1 (Note [Int64
/// tensors] in dtype.hpp), e.g. argmax's output or randint(..., kInt64)'s.
Tensor index_select(const Tensor& x, int64_t axis, const Tensor& index);
/// Integer indices with a shape, for gather.
struct Index {
  std::vector<int64_t> values;
  Shape shape;
};
/// out[i][j] = x[i][index[i][j]] for axis 1 (likewise for other axes); `index` has the
/// rank of x and, off `axis`, its extents.
Tensor gather(const Tensor& x, int64_t axis, const Index& index);
/// The same with the indices as data: an int64 tensor with the rank of x.
Tensor gather(const Tensor& x, int64_t axis, const Tensor& index);
/// Tiles x `reps[i]` times along axis i (like torch.Tensor.repeat).
Tensor repeat(const Tensor& x, const Shape& reps);
Tensor tile(const Tensor& x, const Shape& reps);
/// One axis's padding: `before` elements ahead of index 0, `after` past the end.
struct PadWidth {
  int64_t before = 0;
  int64_t after = 0;
};
/// Pads with `value`, one PadWidth per axis, first axis first: `pad(x, {{0, 0}, {1, 2}})`
/// pads only the last axis of a matrix. Every axis is listed, so torch's flat,
/// last-axis-first `F.pad(x, (1, 2))` cannot be misread: `pad(x, {1, 2})` does not
/// compile, and a count other than x.dim() is a tg::ValueError saying so.
Tensor pad(const Tensor& x, const std::vector<PadWidth>& widths, double value = 0);

}  // namespace tg

// Shape ops. reshape shares storage; the others copy through the kernel layer. Each
// backward is the adjoint data movement, itself an op, so it can be differentiated again.
#include "tapegrad/autograd/ops/shape_ops.hpp"

#include <algorithm>
#include <array>

#include "../kernels/kernels.hpp"
#include "op_helpers.hpp"
#include "tapegrad/autograd/forward_rule.hpp"
#include "tapegrad/autograd/ops/elementwise.hpp"
#include "tapegrad/autograd/ops/factory.hpp"
#include "tapegrad/autograd/ops/reduction.hpp"
#include "tapegrad/autograd/record.hpp"

namespace tg {
namespace {

/// [outer, n, inner] view of a shape around `axis`.
struct AxisView {
  int64_t outer = 1, n = 1, inner = 1;
  AxisView(const Shape& s, int axis) : n(s[axis]) {
    for (int i = 0; i < axis; ++i) outer *= s[i];
    for (int i = axis + 1; i < s.rank(); ++i) inner *= s[i];
  }
};

Shape with_axis(Shape s, int axis, int64_t extent) {
  s[axis] = extent;
  return s;
}

// slice's adjoint: scatter g into zeros of `full` at positions start, start+step, ...
// Its own adjoint is slice, so the pair is differentiable to any order.
Tensor slice_backward(const Tensor& g, const Shape& full, int axis, int64_t start, int64_t step) {
  Tensor out = detail::full_for("slice_backward", full, 0.0, g.dtype());
  const AxisView v(full, axis);
  const int64_t len = g.shape()[axis];
  visit_dtype(g.dtype(), [&]<class T>() {
    kernels::slice_add<T>(g.data<T>(), out.data<T>(), v.outer, v.n, v.inner, start, step, len);
  });
  return record(
      "slice_backward", {g}, out, {},
      [axis, start, step, len](BackwardContext& c) {
        return TensorList{slice(c.grad(), axis, start, start + len * step, step)};
      },
      tangent_rule([full, axis, start, step](const ForwardContext& c) {
        return slice_backward(c.tangent(0), tangent_shape(c.count(), full), axis + 1, start, step);
      }));
}

// index_select's adjoint: out[index[i]] += g[i] along axis; its adjoint is index_select.
Tensor index_add(const Tensor& g, const Shape& full, int axis, const std::vector<int64_t>& index) {
  Tensor out = detail::full_for("index_add", full, 0.0, g.dtype());
  const AxisView v(full, axis);
  const auto k = static_cast<int64_t>(index.size());
  visit_dtype(g.dtype(), [&]<class T>() {
    kernels::index_add<T>(g.data<T>(), out.data<T>(), v.outer, v.n, v.inner, index.data(), k);
  });
  return record(
      "index_add", {g}, out, {},
      [axis, index](BackwardContext& c) { return TensorList{index_select(c.grad(), axis, index)}; },
      tangent_rule([full, axis, index](const ForwardContext& c) {
        return index_add(c.tangent(0), tangent_shape(c.count(), full), axis + 1, index);
      }));
}

}  // namespace

// reshape: ∂/∂x = reshape(g, x.shape)
Tensor reshape(const Tensor& x, const Shape& shape) {
  detail::check_defined("reshape", x);
  Shape target = shape;
  int infer = -1;
  int64_t known = 1;
  for (int i = 0; i < target.rank(); ++i) {
    if (target[i] < -1)
      throw ShapeError(
          fmt::format("reshape: target {} has a negative extent other than -1", shape.str()));
    if (target[i] == -1) {
      if (infer >= 0)
        throw ShapeError(fmt::format("reshape: target {} has more than one -1", shape.str()));
      infer = i;
    } else {
      known *= target[i];
    }
  }
  if (infer >= 0 && known != 0 && x.numel() % known == 0) target[infer] = x.numel() / known;
  if (target.numel() != x.numel())
    throw ShapeError(fmt::format("reshape: cannot view shape {} ({} elements) as {}",
                                 x.shape().str(), x.numel(), shape.str()));
  const Shape xs = x.shape();
  return record(
      "reshape", {x}, x.alias(target), {},
      [xs](BackwardContext& c) { return TensorList{reshape(c.grad(), xs)}; },
      tangent_rule([target](const ForwardContext& c) {
        return reshape(c.tangent(0), tangent_shape(c.count(), target));
      }));
}

// flatten, squeeze, unsqueeze: reshapes, so ∂/∂x = g reshaped back. Composite.
Tensor flatten(const Tensor& x, int64_t start_axis, int64_t end_axis) {
  if (x.dim() == 0) return reshape(x, {1});
  const int s = normalize_axis(start_axis, x.dim(), "flatten");
  const int e = normalize_axis(end_axis, x.dim(), "flatten");
  if (s > e)
    throw ValueError(fmt::format("flatten: start axis {} comes after end axis {} for shape {}",
                                 start_axis, end_axis, x.shape().str()));
  Shape out;
  for (int i = 0; i < s; ++i) out.push_back(x.shape()[i]);
  int64_t mid = 1;
  for (int i = s; i <= e; ++i) mid *= x.shape()[i];
  out.push_back(mid);
  for (int i = e + 1; i < x.dim(); ++i) out.push_back(x.shape()[i]);
  return reshape(x, out);
}

Tensor squeeze(const Tensor& x, int64_t axis) {
  detail::check_defined("squeeze", x);
  if (x.dim() == 0) {  // as in PyTorch: axis 0 or -1 of a scalar, which stays a scalar
    if (axis != 0 && axis != -1)
      throw ValueError(
          fmt::format("squeeze: axis {} is out of range for a tensor of rank 0", axis));
    return reshape(x, {});
  }
  const int a = normalize_axis(axis, x.dim(), "squeeze");
  if (x.shape()[a] != 1)
    throw ShapeError(fmt::format("squeeze: axis {} of shape {} has size {}, expected 1", axis,
                                 x.shape().str(), x.shape()[a]));
  Shape out;
  for (int i = 0; i < x.dim(); ++i)
    if (i != a) out.push_back(x.shape()[i]);
  return reshape(x, out);
}

Tensor unsqueeze(const Tensor& x, int64_t axis) {
  const int a = normalize_axis(axis, x.dim() + 1, "unsqueeze");
  Shape out;
  for (int i = 0; i < x.dim(); ++i) {
    if (i == a) out.push_back(1);
    out.push_back(x.shape()[i]);
  }
  if (a == x.dim()) out.push_back(1);
  return reshape(x, out);
}

// expand: ∂/∂x = g, summed back to x's shape by the engine (Note [Central unbroadcast]).
Tensor expand(const Tensor& x, const Shape& shape) {
  detail::check_float("expand", x);
  Shape target = shape;
  const int lead = target.rank() - x.dim();
  if (lead < 0)
    throw ShapeError(fmt::format("expand: cannot expand shape {} to the smaller rank of {}",
                                 x.shape().str(), shape.str()));
  for (int i = 0; i < target.rank(); ++i) {
    if (i >= lead && target[i] == -1) target[i] = x.shape()[i - lead];
    if (target[i] < 0)
      throw ShapeError(
          fmt::format("expand: cannot expand shape {} to {} (-1 only keeps an "
                      "existing axis; new leading axes need an extent)",
                      x.shape().str(), shape.str()));
  }
  if (broadcast_shapes(x.shape(), target, "expand") != target)
    throw ShapeError(
        fmt::format("expand: shape {} does not broadcast to {}", x.shape().str(), shape.str()));
  if (target == x.shape()) return x;
  Tensor y = detail::empty_for("expand", target, x.dtype());
  visit_dtype(x.dtype(), [&]<class T>() {
    kernels::broadcast_to<T>(x.data<T>(), x.shape(), y.data<T>(), target);
  });
  return record(
      "expand", {x}, y, {}, [](BackwardContext& c) { return TensorList{c.grad()}; },
      // the aligned tangent, broadcast to [K, *target] by the engine
      tangent_rule([](const ForwardContext& c) { return c.broadcast_tangent(0); }));
}

Tensor broadcast_to(const Tensor& x, const Shape& shape) { return expand(x, shape); }

// permute: ∂/∂x = permute(g, inverse order)
Tensor permute(const Tensor& x, const Axes& order) {
  detail::check_float("permute", x);
  if (order.rank() != x.dim())
    throw ShapeError(fmt::format("permute: order {} has {} entries for a tensor of shape {}",
                                 order.str(), order.rank(), x.shape().str()));
  Shape perm, inverse = order, out;
  std::vector<bool> seen(static_cast<size_t>(x.dim()), false);
  for (int i = 0; i < x.dim(); ++i) {
    const int a = normalize_axis(order[i], x.dim(), "permute");
    if (seen[static_cast<size_t>(a)])
      throw ValueError(fmt::format("permute: order {} repeats axis {}", order.str(), a));
    seen[static_cast<size_t>(a)] = true;
    perm.push_back(a);
    out.push_back(x.shape()[a]);
  }
  for (int i = 0; i < x.dim(); ++i) inverse[static_cast<int>(perm[i])] = i;
  Tensor y = detail::empty_for("permute", out, x.dtype());
  visit_dtype(x.dtype(),
              [&]<class T>() { kernels::permute<T>(x.data<T>(), x.shape(), perm, y.data<T>()); });
  Shape tangent_order{0};
  for (int i = 0; i < order.rank(); ++i) tangent_order.push_back(perm[i] + 1);
  return record(
      "permute", {x}, y, {},
      [inverse](BackwardContext& c) { return TensorList{permute(c.grad(), inverse)}; },
      tangent_rule([tangent_order](const ForwardContext& c) {
        return permute(c.tangent(0), tangent_order);
      }));
}

// transpose = permute swapping a and b, so ∂/∂x = transpose(g, a, b). Composite.
Tensor transpose(const Tensor& x, int64_t a, int64_t b) {
  detail::check_float("transpose", x);
  const int ia = normalize_axis(a, x.dim(), "transpose");
  const int ib = normalize_axis(b, x.dim(), "transpose");
  Shape order;
  for (int i = 0; i < x.dim(); ++i) order.push_back(i);
  std::swap(order[ia], order[ib]);
  return permute(x, order);
}

// slice: ∂/∂x = slice_backward(g) (zeros with g scattered at the sliced positions)
Tensor slice(const Tensor& x, int64_t axis, int64_t start, int64_t stop, int64_t step) {
  detail::check_float("slice", x);
  const int a = normalize_axis(axis, x.dim(), "slice");
  if (step <= 0) throw ValueError(fmt::format("slice: step must be positive, got {}", step));
  const int64_t n = x.shape()[a];
  auto clampi = [n](int64_t i) { return std::clamp(i < 0 ? i + n : i, int64_t{0}, n); };
  start = clampi(start);
  stop = clampi(stop);
  const int64_t len = stop > start ? (stop - start + step - 1) / step : 0;
  Tensor y = detail::empty_for("slice", with_axis(x.shape(), a, len), x.dtype());
  const AxisView v(x.shape(), a);
  visit_dtype(x.dtype(), [&]<class T>() {
    kernels::slice<T>(x.data<T>(), y.data<T>(), v.outer, v.n, v.inner, start, step, len);
  });
  const Shape xs = x.shape();
  return record(
      "slice", {x}, y, {},
      [xs, a, start, step](BackwardContext& c) {
        return TensorList{slice_backward(c.grad(), xs, a, start, step)};
      },
      tangent_rule([a, start, stop, step](const ForwardContext& c) {
        return slice(c.tangent(0), a + 1, start, stop, step);
      }));
}

// cat: ∂/∂xᵢ = the slice of g where xᵢ was placed. Composite (see below).
Tensor cat(const std::vector<Tensor>& xs, int64_t axis) {
  if (xs.empty()) throw ValueError("cat: expected at least one tensor, got none");
  const Tensor& first = xs[0];
  const int a = normalize_axis(axis, first.dim(), "cat");
  int64_t total = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    detail::check_float("cat", xs[i]);
    detail::check_same_dtype("cat", first, xs[i]);
    if (xs[i].dim() != first.dim() ||
        with_axis(xs[i].shape(), a, 0) != with_axis(first.shape(), a, 0))
      throw ShapeError(fmt::format(
          "cat: tensor {} has shape {}, but tensor 0 has shape {}; all must match except on "
          "axis {}",
          i, xs[i].shape().str(), first.shape().str(), a));
    total += xs[i].shape()[a];
  }
  // cat = Σᵢ slice_backwardᵢ(xᵢ): each piece scattered into its place. Expressing it
  // this way gives cat its gradient (one slice per input) with no rule of its own.
  const Shape out_shape = with_axis(first.shape(), a, total);
  Tensor out;
  int64_t offset = 0;
  for (const auto& x : xs) {
    Tensor placed = slice_backward(x, out_shape, a, offset, 1);
    out = out.defined() ? out + placed : placed;
    offset += x.shape()[a];
  }
  return out;
}

// stack = cat of unsqueezed inputs, so ∂/∂xᵢ = g[..., i, ...]. Composite.
Tensor stack(const std::vector<Tensor>& xs, int64_t axis) {
  if (xs.empty()) throw ValueError("stack: expected at least one tensor, got none");
  const int a = normalize_axis(axis, xs[0].dim() + 1, "stack");
  std::vector<Tensor> parts;
  parts.reserve(xs.size());
  for (const auto& x : xs) {
    detail::check_float("stack", x);
    detail::check_same_dtype("stack", xs[0], x);
    if (x.shape() != xs[0].shape())
      throw ShapeError(fmt::format("stack: shapes {} and {} differ; all must be equal",
                                   xs[0].shape().str(), x.shape().str()));
    parts.push_back(unsqueeze(x, a));
  }
  return cat(parts, a);
}

std::vector<Tensor> split(const Tensor& x, int64_t size, int64_t axis) {
  detail::check_float("split", x);
  const int a = normalize_axis(axis, x.dim(), "split");
  if (size <= 0) throw ValueError(fmt::format("split: size must be positive, got {}", size));
  std::vector<Tensor> out;
  for (int64_t s = 0; s < x.shape()[a]; s += size) out.push_back(slice(x, a, s, s + size));
  return out;
}

std::vector<Tensor> chunk(const Tensor& x, int64_t chunks, int64_t axis) {
  detail::check_float("chunk", x);
  const int a = normalize_axis(axis, x.dim(), "chunk");
  if (chunks <= 0) throw ValueError(fmt::format("chunk: chunks must be positive, got {}", chunks));
  const int64_t n = x.shape()[a];
  return split(x, std::max<int64_t>(1, (n + chunks - 1) / chunks), a);
}

// index_select: ∂/∂x = index_add(g) (g's rows added back at the picked positions)
Tensor index_select(const Tensor& x, int64_t axis, const std::vector<int64_t>& index) {
  detail::check_float("index_select", x);
  const int a = normalize_axis(axis, x.dim(), "index_select");
  const AxisView v(x.shape(), a);
  for (int64_t i : index)
    if (i < 0 || i >= v.n)
      throw ValueError(
          fmt::format("index_select: index {} is out of range for axis {} of "
                      "shape {}",
                      i, a, x.shape().str()));
  const auto k = static_cast<int64_t>(index.size());
  Tensor y = detail::empty_for("index_select", with_axis(x.shape(), a, k), x.dtype());
  visit_dtype(x.dtype(), [&]<class T>() {
    kernels::index_select<T>(x.data<T>(), y.data<T>(), v.outer, v.n, v.inner, index.data(), k);
  });
  const Shape xs = x.shape();
  return record(
      "index_select", {x}, y, {},
      [xs, a, index](BackwardContext& c) { return TensorList{index_add(c.grad(), xs, a, index)}; },
      tangent_rule([a, index](const ForwardContext& c) {
        return index_select(c.tangent(0), a + 1, index);
      }));
}

namespace {

/// The values of an int64 index tensor; DtypeError naming `op` for any other dtype.
std::vector<int64_t> index_values(const char* op, const Tensor& index) {
  detail::check_defined(op, index);
  if (index.dtype() != kInt64)
    throw DtypeError(fmt::format(
        "{}: index must be an int64 tensor, got {} of shape {} (convert with .to(tg::kInt64))", op,
        name(index.dtype()), index.shape().str()));
  const int64_t* p = index.data<int64_t>();
  return std::vector<int64_t>(p, p + index.numel());
}

/// Offsets into x (flat) that gather reads, one per index entry.
std::vector<int64_t> gather_offsets(const Shape& xs, int a, const Index& index) {
  const Shape& is = index.shape;
  const auto x_strides = xs.strides();
  std::vector<int64_t> offsets(index.values.size());
  std::array<int64_t, Shape::kMaxRank> idx{};
  for (size_t flat = 0; flat < offsets.size(); ++flat) {
    int64_t off = 0;
    for (int d = 0; d < is.rank(); ++d) {
      const int64_t coord = d == a ? index.values[flat] : idx[static_cast<size_t>(d)];
      off += coord * x_strides[static_cast<size_t>(d)];
    }
    offsets[flat] = off;
    for (int d = is.rank() - 1; d >= 0; --d) {
      if (++idx[static_cast<size_t>(d)] < is[d]) break;
      idx[static_cast<size_t>(d)] = 0;
    }
  }
  return offsets;
}

// gather's adjoint: out[offset[i]] += g[i]; its own adjoint is gather.
Tensor scatter_add(const Tensor& g, const Shape& full, int axis, const Index& index,
                   std::shared_ptr<const std::vector<int64_t>> offsets) {
  Tensor out = detail::full_for("scatter_add", full, 0.0, g.dtype());
  visit_dtype(g.dtype(), [&]<class T>() {
    kernels::scatter_add<T>(g.data<T>(), out.data<T>(), offsets->data(), g.numel());
  });
  // Tangents: each of the K rows of [K, numel] scattered through the same flat offsets.
  return record(
      "scatter_add", {g}, out, {},
      [axis, index](BackwardContext& c) { return TensorList{gather(c.grad(), axis, index)}; },
      tangent_rule([full, offsets](const ForwardContext& c) {
        const int64_t k = c.count();
        Tensor rows = reshape(c.tangent(0), {k, c.input(0).numel()});
        return reshape(index_add(rows, {k, full.numel()}, 1, *offsets), tangent_shape(k, full));
      }));
}

}  // namespace

// gather: ∂/∂x = scatter_add(g) at the gathered positions
Tensor gather(const Tensor& x, int64_t axis, const Index& index) {
  detail::check_float("gather", x);
  const int a = normalize_axis(axis, x.dim(), "gather");
  if (index.shape.numel() != static_cast<int64_t>(index.values.size()))
    throw ShapeError(fmt::format("gather: index shape {} holds {} values, but {} were given",
                                 index.shape.str(), index.shape.numel(), index.values.size()));
  if (index.shape.rank() != x.dim())
    throw ShapeError(fmt::format("gather: index of shape {} must have the rank of x {}",
                                 index.shape.str(), x.shape().str()));
  for (int d = 0; d < x.dim(); ++d)
    if (d != a && index.shape[d] > x.shape()[d])
      throw ShapeError(fmt::format("gather: index shape {} exceeds x shape {} on axis {}",
                                   index.shape.str(), x.shape().str(), d));
  for (int64_t i : index.values)
    if (i < 0 || i >= x.shape()[a])
      throw ValueError(fmt::format("gather: index {} is out of range for axis {} of shape {}", i, a,
                                   x.shape().str()));
  auto offsets = std::make_shared<const std::vector<int64_t>>(gather_offsets(x.shape(), a, index));
  Tensor y = detail::empty_for("gather", index.shape, x.dtype());
  visit_dtype(x.dtype(), [&]<class T>() {
    kernels::gather<T>(x.data<T>(), y.data<T>(), offsets->data(), y.numel());
  });
  const Shape xs = x.shape();
  // Tangents: each of the K rows of [K, numel] read at the same flat offsets.
  return record(
      "gather", {x}, y, {},
      [xs, a, index, offsets](BackwardContext& c) {
        return TensorList{scatter_add(c.grad(), xs, a, index, offsets)};
      },
      tangent_rule([xs, offsets](const ForwardContext& c) {
        const int64_t k = c.count();
        Tensor rows = reshape(c.tangent(0), {k, xs.numel()});
        return reshape(index_select(rows, 1, *offsets), tangent_shape(k, c.output().shape()));
      }));
}

Tensor index_select(const Tensor& x, int64_t axis, std::initializer_list<int64_t> index) {
  return index_select(x, axis, std::vector<int64_t>(index));
}

Tensor index_select(const Tensor& x, int64_t axis, const Tensor& index) {
  std::vector<int64_t> values = index_values("index_select", index);
  if (index.dim() > 1)
    throw ShapeError(fmt::format("index_select: index must have rank 0 or 1, got shape {}",
                                 index.shape().str()));
  return index_select(x, axis, values);
}

Tensor gather(const Tensor& x, int64_t axis, const Tensor& index) {
  return gather(x, axis, Index{index_values("gather", index), index.shape()});
}

// repeat = reshape ∘ expand ∘ reshape: [a, b] -> [1, a, 1, b] -> [r0, a, r1, b] -> [r0·a, r1·b]
Tensor repeat(const Tensor& x, const Shape& reps) {
  detail::check_float("repeat", x);
  if (reps.rank() < x.dim())
    throw ShapeError(fmt::format("repeat: {} repetitions for a tensor of rank {} (shape {})",
                                 reps.rank(), x.dim(), x.shape().str()));
  const int lead = reps.rank() - x.dim();
  Shape interleaved, expanded, out;
  for (int i = 0; i < reps.rank(); ++i) {
    if (reps[i] < 0)
      throw ValueError(fmt::format("repeat: repetitions {} must be >= 0", reps.str()));
    const int64_t d = i < lead ? 1 : x.shape()[i - lead];
    interleaved.push_back(1);
    interleaved.push_back(d);
    expanded.push_back(reps[i]);
    expanded.push_back(d);
    out.push_back(reps[i] * d);
  }
  return reshape(expand(reshape(x, interleaved), expanded), out);
}

// tile = repeat with reps padded on the left, so ∂/∂x sums g over the copies. Composite.
Tensor tile(const Tensor& x, const Shape& reps) {
  detail::check_float("tile", x);
  Shape full;
  for (int i = reps.rank(); i < x.dim(); ++i) full.push_back(1);
  for (int64_t r : reps) full.push_back(r);
  return repeat(x, full);
}

// pad: ∂/∂x = the centre of g (one slice per padded axis)
Tensor pad(const Tensor& x, const std::vector<PadWidth>& widths, double value) {
  detail::check_float("pad", x);
  if (static_cast<int>(widths.size()) != x.dim())
    throw ValueError(fmt::format(
        "pad: expected {} (before, after) pairs for shape {}, one per axis, first axis first "
        "(torch's F.pad lists the last axis first), got {}",
        x.dim(), x.shape().str(), widths.size()));
  for (const PadWidth& w : widths)
    if (w.before < 0 || w.after < 0)
      throw ValueError(fmt::format("pad: padding must be >= 0, got ({}, {})", w.before, w.after));
  Tensor y;
  {
    NoGradGuard values_only;
    // x scattered into zeros one axis at a time, then the border set to `value`.
    Tensor inside = x.detach(), mask = ones_like(x);  // values only
    for (size_t p = 0; p < widths.size(); ++p) {
      const int a = static_cast<int>(p);
      const int64_t before = widths[p].before, grown = inside.shape()[a] + before + widths[p].after;
      inside = slice_backward(inside, with_axis(inside.shape(), a, grown), a, before, 1);
      mask = slice_backward(mask, inside.shape(), a, before, 1);
    }
    y = value == 0 ? inside : inside + (1.0 - mask) * value;
  }
  const Shape xs = x.shape();
  return record(
      "pad", {x}, y, {},
      [widths, xs](BackwardContext& c) {
        Tensor g = c.grad();
        for (size_t p = 0; p < widths.size(); ++p) {
          const int a = static_cast<int>(p);
          g = slice(g, a, widths[p].before, widths[p].before + xs[a]);
        }
        return TensorList{g};
      },
      tangent_rule([widths](const ForwardContext& c) {  // the border is constant: tangent 0
        std::vector<PadWidth> tangent_widths{{0, 0}};
        tangent_widths.insert(tangent_widths.end(), widths.begin(), widths.end());
        return pad(c.tangent(0), tangent_widths);
      }));
}

}  // namespace tg

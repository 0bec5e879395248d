// Tensor: a cheap handle to an n-dimensional, row-major, contiguous array of float or
// double (or int64 indices: Note [Int64 tensors] in dtype.hpp), plus the autograd
// metadata that links it into the tape.
//
// Value semantics for users: copying a Tensor copies the handle (shared storage), every
// op returns a new tensor, and in-place writes are explicit (`*_` methods).
#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "tapegrad/autograd/dtype.hpp"
#include "tapegrad/autograd/shape.hpp"
#include "tapegrad/autograd/storage.hpp"

namespace tg {

class Node;
struct TensorImpl;
struct ForwardLevel;  // forward_rule.hpp
struct GradOptions;   // engine.hpp

/// Axes for reductions and permutations; negative values count from the end; empty
/// means "all axes" for reductions.
using Axes = Shape;

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  // ---- metadata --------------------------------------------------------------------
  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const;
  int dim() const { return shape().rank(); }
  int64_t size(int64_t axis) const;
  int64_t numel() const { return shape().numel(); }
  Dtype dtype() const;
  std::size_t nbytes() const { return static_cast<std::size_t>(numel()) * itemsize(dtype()); }

  // ---- raw values (always contiguous, row-major) -------------------------------------
  /// Pointer to the values; throws DtypeError if T does not match dtype().
  template <class T>
  T* data();
  template <class T>
  const T* data() const;
  /// The single value of a one-element tensor, converted to T.
  template <class T>
  T item() const;
  /// All values, converted to T.
  template <class T>
  std::vector<T> to_vector() const;
  Tensor to(Dtype d) const;  ///< differentiable cast (identity if already `d`)
  Tensor clone() const;      ///< differentiable copy into fresh storage

  // ---- in-place writes (no graph; bump the version counter) --------------------------
  Tensor& fill_(double value);
  Tensor& copy_(const Tensor& src);  ///< same shape and dtype required
  /// Makes this leaf hold `values`' storage and dtype (same shape required), seen through
  /// every handle on it, as LibTorch's set_data: how a module converts its parameters in
  /// place. Drops the accumulated gradient (under its lock) and the gradient accumulator,
  /// whose recorded dtype no longer holds. GraphError on a non-leaf.
  Tensor& set_data(const Tensor& values);
  void bump_version();

  // ---- autograd ----------------------------------------------------------------------
  bool requires_grad() const;
  /// Marks a leaf as a variable to differentiate against. Throws on non-leaves.
  Tensor& requires_grad_(bool on = true);
  bool is_leaf() const;
  /// Accumulated gradient of a leaf (undefined until a backward reaches it). Never
  /// carries a graph, even after backward with create_graph.
  Tensor grad() const;
  void set_grad(const Tensor& g);
  void zero_grad();  ///< drops the accumulated gradient
  const std::shared_ptr<Node>& grad_fn() const;
  uint32_t output_nr() const;
  /// A new handle on the same storage, cut off from the graph.
  Tensor detach() const { return alias(shape()); }
  /// A new handle on the same storage viewed as `shape` (same element count), cut off
  /// from the graph. The building block of detach and reshape.
  Tensor alias(const Shape& shape) const;
  /// Accumulates d(this)/d(leaf) into every leaf's `.grad()`, with the options of
  /// tg::grad (engine.hpp): `y.backward({.grad_outputs = {g}, .create_graph = true})`.
  /// The cotangent may be omitted for one-element tensors.
  void backward() const;
  void backward(const GradOptions& options) const;

  // ---- method forms of common ops (see ops headers) ----------------------------------
  Tensor sum(const Axes& axes = {}, bool keepdim = false) const;
  Tensor mean(const Axes& axes = {}, bool keepdim = false) const;
  Tensor max(const Axes& axes = {}, bool keepdim = false) const;
  Tensor min(const Axes& axes = {}, bool keepdim = false) const;
  Tensor var(const Axes& axes = {}, int64_t correction = 1, bool keepdim = false) const;
  Tensor std(const Axes& axes = {}, int64_t correction = 1, bool keepdim = false) const;
  Tensor logsumexp(const Axes& axes = {}, bool keepdim = false) const;
  Tensor norm(const Axes& axes = {}, bool keepdim = false) const;
  Tensor reshape(const Shape& shape) const;
  Tensor view(const Shape& shape) const { return reshape(shape); }
  Tensor flatten(int64_t start_axis = 0, int64_t end_axis = -1) const;
  Tensor squeeze(int64_t axis) const;
  Tensor unsqueeze(int64_t axis) const;
  Tensor transpose(int64_t a, int64_t b) const;
  Tensor permute(const Axes& order) const;
  Tensor expand(const Shape& shape) const;
  Tensor t() const { return transpose(0, 1); }

  /// Values and metadata, e.g. "tensor([[1, 2], [3, 4]], float32, grad_fn=add)".
  std::string str() const;

  TensorImpl* impl() const { return impl_.get(); }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }

 private:
  std::shared_ptr<TensorImpl> impl_;
};

/// A tensor's tangent in one forward-mode sweep (Note [Tangent slots] in forward_mode.cpp).
struct TangentSlot {
  std::shared_ptr<const ForwardLevel> level;
  Tensor tangent;    ///< K tangents stacked on a leading axis: [K, *shape]
  Tensor laplacian;  ///< forward-Laplacian sweeps only: [*shape]; undefined means zero
};

/// The state behind a Tensor handle. Ops and nodes use it; users normally do not.
struct TensorImpl {
  std::shared_ptr<Storage> storage;
  Shape shape;
  Dtype dtype = kFloat32;

  bool requires_grad = false;
  std::shared_ptr<Node> grad_fn;  ///< the node that produced this tensor (non-leaves)
  uint32_t output_nr = 0;         ///< which output of grad_fn this is

  std::weak_ptr<Node> grad_accumulator;  ///< leaves: the node that adds into `grad`
  Tensor grad;                           ///< leaves: accumulated gradient, never a graph
  std::mutex grad_mutex;              ///< Note [Leaf accumulation]: concurrent backward passes may
                                      ///< accumulate into one leaf; this makes it safe.
  std::vector<TangentSlot> tangents;  ///< forward mode: one slot per sweep it is part of

  void* data() const { return storage->data; }
  TensorImpl() = default;
  ~TensorImpl();  // Note [Iterative destruction] in node.cpp
  TensorImpl(const TensorImpl&) = delete;
  TensorImpl& operator=(const TensorImpl&) = delete;
};

/// A fresh, uninitialised contiguous tensor. The building block of every op.
Tensor empty(const Shape& shape, Dtype dtype = kFloat32);
std::ostream& operator<<(std::ostream& os, const Tensor& t);

}  // namespace tg

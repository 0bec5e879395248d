// Node: one entry of the tape (a Wengert list). It knows the edges to the nodes that
// produced its inputs and how to turn gradients w.r.t. its outputs into gradients
// w.r.t. its inputs.
//
// Note [Tape ownership]: nodes are owned by the tensors that need them (shared_ptr from
// TensorImpl::grad_fn and from downstream edges). When a training step's tensors die,
// its nodes die with them: there is no global list to clear.
//
// Note [Sequence numbers]: each node gets a number from a thread-local, monotonically
// increasing counter when it is recorded, so sorting by it recovers creation order.
// The engine runs ready nodes in descending sequence order. Tasks of a parallel loop that
// record graphs number from ranges reserved per task instead, so the order does not depend
// on which thread ran which task (Note [Sequence numbers in parallel tasks] in
// autograd/src/sequence_numbering.hpp).
#pragma once
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "tapegrad/autograd/tensor.hpp"

namespace tg {

using TensorList = std::vector<Tensor>;

/// Where a gradient goes: input slot `input_nr` of `node` (an output of that node).
struct Edge {
  std::shared_ptr<Node> node;
  uint32_t input_nr = 0;
  bool valid() const { return node != nullptr; }
};

/// Shape and dtype of a tensor a node touches, kept without its data.
struct TensorMeta {
  Shape shape;
  Dtype dtype = kFloat32;
};

class Node {
 public:
  Node();
  virtual ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  /// The op's name, e.g. "mul".
  virtual std::string_view name() const = 0;
  /// Gradients w.r.t. this node's outputs in, gradients w.r.t. its inputs out (one per
  /// next edge; an undefined Tensor means "zero / not needed").
  virtual TensorList apply(TensorList&& grad_outputs) = 0;
  /// Frees saved values after a pass without retain_graph.
  virtual void release_saved() {}
  virtual std::size_t saved_bytes() const { return 0; }
  /// True for rules that are not themselves differentiable (custom Functions only).
  virtual bool once_differentiable() const { return false; }

  uint64_t sequence_nr() const { return sequence_nr_; }
  const std::vector<Edge>& next_edges() const { return next_edges_; }
  const std::vector<TensorMeta>& input_meta() const { return input_meta_; }
  const std::vector<TensorMeta>& output_meta() const { return output_meta_; }

  /// Called by `record`: wire the inputs and outputs. Not for users.
  void add_input(const Tensor& t);
  void add_output(const Tensor& t) { output_meta_.push_back({t.shape(), t.dtype()}); }
  void reserve(std::size_t inputs, std::size_t outputs) {
    next_edges_.reserve(inputs);
    input_meta_.reserve(inputs);
    output_meta_.reserve(outputs);
  }

 protected:
  uint64_t sequence_nr_;
  std::vector<Edge> next_edges_;
  std::vector<TensorMeta> input_meta_;
  std::vector<TensorMeta> output_meta_;
};

/// The edge a gradient for `t` must flow into: its grad_fn for non-leaves, its
/// (lazily created) accumulator for leaves that require grad, invalid otherwise.
Edge gradient_edge(const Tensor& t);

/// Drops a reference to a node without recursing into its inputs: a chain of 100,000
/// nodes must not overflow the stack when it dies (Note [Iterative destruction]).
void release_node(std::shared_ptr<Node>&& node);

/// Number of nodes alive in this process (for leak tests and the tape inspector).
std::int64_t live_nodes();

/// Thread-local counter behind Note [Sequence numbers].
uint64_t next_sequence_nr();

}  // namespace tg

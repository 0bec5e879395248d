// Gradient checkpointing: trade compute for memory by recomputing a function's forward
// pass during backward instead of keeping the values its ops save.
//
//   // A 16-layer MLP in 4 checkpointed segments: about 4 + 16/4 layers' activations live
//   // at once instead of 16, for one extra forward pass.
//   tg::Tensor y = tg::checkpoint_sequential(layers, 4, x);
//   // One block; `w` and `b` are captured, and get exactly the gradients they would get
//   // without checkpointing.
//   tg::Tensor h = tg::checkpoint([&](const tg::TensorList& in) {
//     return tg::softplus(tg::linear(in[0], w, b));
//   }, {x});
//
// fn's ops are recorded as usual, so the graph, the order the engine runs it in and every
// gradient are bit for bit those of the plain run, under create_graph too (a gradient
// penalty through a checkpointed critic recomputes in the inner and in the outer backward).
// What changes is that the values those ops save are not kept: each backward pass that
// reaches them runs fn again, once, from its inputs, and drops each value when the node
// that read it has run. Forward-mode tangents pass through unchanged; a value carrying a
// live tangent is kept. docs/autograd.md ("Gradient checkpointing") has the maths of the
// trade and the rules below.
//
// fn must compute the same ops from the same inputs every time it runs. It runs again
// during backward, so what it captures (parameters, generators, modules) must still be
// alive then. Random draws must come from the generators listed in the options: their
// state is rewound for each recomputation, so dropout masks repeat exactly.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "tapegrad/autograd/gradcheck.hpp"  // DifferentiableFn
#include "tapegrad/autograd/node.hpp"

namespace tg {

class Generator;

struct CheckpointOptions {
  /// Every generator fn draws from (dropout, noise). Their states are copied before fn
  /// runs; each recomputation rewinds them to those states and afterwards puts them back
  /// where they were, so it draws the numbers the forward drew and the caller's generators
  /// are left as the forward left them. A draw inside fn from a generator not listed here
  /// is a ValueError. Recomputations that rewind generators run one at a time; nothing
  /// else may draw from these generators during a backward pass through fn.
  std::vector<Generator*> generators = {};
};

/// fn(inputs), with the values its ops save for backward recomputed in each backward pass
/// that needs them instead of kept. Keeps `inputs` (and fn) until the graph is released.
/// Throws ValueError if fn is empty, an input is undefined, fn returns an undefined tensor
/// or draws from a generator not in `options`; a backward pass throws GraphError if an
/// input was modified in place since, or if the recomputation does not save what the
/// forward saved. Nested inside another checkpoint's fn, it just calls fn.
Tensor checkpoint(const DifferentiableFn& fn, const TensorList& inputs,
                  const CheckpointOptions& options = {});
/// The same for an fn with several outputs (none may be undefined, and there must be one).
TensorList checkpoint(const std::function<TensorList(const TensorList&)>& fn,
                      const TensorList& inputs, const CheckpointOptions& options = {});

/// layers[n−1](…layers[0](x)) as `segments` checkpointed runs of consecutive layers (their
/// lengths differ by at most one). With L layers in √L segments, about 2√L layers'
/// activations are live at once instead of L. Throws ValueError unless
/// 1 ≤ segments ≤ layers.size().
Tensor checkpoint_sequential(const std::vector<std::function<Tensor(const Tensor&)>>& layers,
                             int64_t segments, const Tensor& x,
                             const CheckpointOptions& options = {});

}  // namespace tg

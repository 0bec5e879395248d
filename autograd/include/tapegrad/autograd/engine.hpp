// The two entry points of reverse mode.
#pragma once
#include <optional>
#include <vector>

#include "tapegrad/autograd/node.hpp"

namespace tg {

struct GradOptions {
  /// Cotangents, one per output; may be omitted (or left undefined) for one-element
  /// outputs, where they default to 1.
  TensorList grad_outputs = {};
  /// Keep saved values for another pass; defaults to `create_graph`.
  std::optional<bool> retain_graph = std::nullopt;
  /// Record the backward pass itself, so the returned gradients can be differentiated.
  bool create_graph = false;
  /// grad(): return an undefined Tensor for inputs the outputs do not depend on, instead
  /// of throwing. (backward() has no inputs to name and ignores it.)
  bool allow_unused = false;
};

/// Functional reverse mode: d(sum_i <grad_outputs_i, outputs_i>)/d(inputs). Returns new
/// tensors and touches no `.grad()`. Only nodes on a path to `inputs` run.
TensorList grad(const TensorList& outputs, const TensorList& inputs,
                const GradOptions& options = {});

/// Accumulates into the `.grad()` of every leaf the outputs depend on. Takes the same
/// options as grad(); retain_graph defaults to create_graph.
void backward(const TensorList& outputs, const GradOptions& options = {});

}  // namespace tg

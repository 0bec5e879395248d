// Looking at the tape: list a graph in tape order, export it as Graphviz DOT, and read
// how many nodes and tensor bytes are alive.
#pragma once
#include <string>
#include <vector>

#include "tapegrad/autograd/node.hpp"

namespace tg {

struct TapeEntry {
  uint64_t seq = 0;
  std::string op;
  std::vector<Shape> output_shapes;
  Dtype dtype = kFloat32;
  std::size_t saved_bytes = 0;
  std::vector<uint64_t> input_seqs;  ///< sequence numbers of the nodes feeding this one
};

/// Every node the outputs depend on, in creation (tape) order.
std::vector<TapeEntry> tape(const TensorList& outputs);
/// The tape as an aligned text table: seq, op, shapes, dtype, bytes saved, inputs.
std::string format_tape(const TensorList& outputs);
/// The graph as Graphviz DOT (render with `dot -Tpng`).
std::string to_dot(const TensorList& outputs);

// live_nodes() is declared in node.hpp and live_bytes() in storage.hpp.

}  // namespace tg

#include "tapegrad/autograd/introspect.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <unordered_set>

namespace tg {

std::vector<TapeEntry> tape(const TensorList& outputs) {
  std::vector<Node*> stack;
  std::unordered_set<Node*> seen;
  for (const auto& t : outputs)
    if (t.defined() && t.grad_fn() && seen.insert(t.grad_fn().get()).second)
      stack.push_back(t.grad_fn().get());
  std::vector<TapeEntry> entries;
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    TapeEntry e{n->sequence_nr(), std::string(n->name()), {}, kFloat32, n->saved_bytes(), {}};
    for (const auto& m : n->output_meta()) e.output_shapes.push_back(m.shape);
    if (!n->output_meta().empty())
      e.dtype = n->output_meta()[0].dtype;
    else if (!n->input_meta().empty())
      e.dtype = n->input_meta()[0].dtype;
    if (n->output_meta().empty())  // a leaf accumulator: show the leaf's shape
      for (const auto& m : n->input_meta()) e.output_shapes.push_back(m.shape);
    for (const Edge& edge : n->next_edges()) {
      if (!edge.valid()) continue;
      e.input_seqs.push_back(edge.node->sequence_nr());
      if (seen.insert(edge.node.get()).second) stack.push_back(edge.node.get());
    }
    entries.push_back(std::move(e));
  }
  std::sort(entries.begin(), entries.end(),
            [](const TapeEntry& a, const TapeEntry& b) { return a.seq < b.seq; });
  return entries;
}

std::string format_tape(const TensorList& outputs) {
  std::string out = fmt::format("{:>6}  {:<16} {:<18} {:<8} {:>10}  {}\n", "seq", "op", "shape",
                                "dtype", "saved B", "inputs (seq)");
  for (const auto& e : tape(outputs)) {
    std::string shapes;
    for (const auto& s : e.output_shapes) {
      if (!shapes.empty()) shapes += ' ';  // (`"" + str` trips GCC 12's -Wrestrict)
      shapes += s.str();
    }
    out += fmt::format("{:>6}  {:<16} {:<18} {:<8} {:>10}  {}\n", e.seq, e.op, shapes,
                       name(e.dtype), e.saved_bytes, fmt::join(e.input_seqs, ", "));
  }
  return out;
}

std::string to_dot(const TensorList& outputs) {
  std::string out = "digraph tape {\n  rankdir=BT;\n  node [shape=box, fontname=monospace];\n";
  for (const auto& e : tape(outputs)) {
    std::string shapes;
    for (const auto& s : e.output_shapes) shapes += s.str();
    out += fmt::format("  n{} [label=\"{}: {}\\n{} {}\"];\n", e.seq, e.seq, e.op, shapes,
                       name(e.dtype));
    for (uint64_t in : e.input_seqs) out += fmt::format("  n{} -> n{};\n", in, e.seq);
  }
  return out + "}\n";
}

}  // namespace tg

// The engine's per-pass bookkeeping: one NodeTask per node the pass reaches, looked up by
// node pointer. Internal to engine.cpp.
#pragma once
#include <cstdint>
#include <deque>
#include <utility>
#include <vector>

#include "tapegrad/autograd/node.hpp"

namespace tg::detail {

struct NodeTask {
  int dependencies = 0;         // producers still to run
  bool on_path = false;         // a target is reachable from here (or this is one)
  bool feeds_path = false;      // some input's producer is on a path (so the rule must run)
  bool is_target = false;       // an input of grad(), or any accumulator in backward()
  bool is_accumulator = false;  // a leaf's AccumulateGrad
  TensorList buffer;            // gradients w.r.t. the node's outputs, summed as they arrive
};

/// Node* -> NodeTask: open addressing with linear probing over a power-of-two table of
/// indices into a deque (so references stay valid while it grows). The engine looks a
/// node up several times per edge; std::unordered_map's allocation per entry cost about
/// 10% of a small graph's backward pass.
class TaskMap {
 public:
  using Entry = std::pair<Node*, NodeTask>;

  /// The task of `n`, and whether it was created by this call.
  std::pair<NodeTask*, bool> try_emplace(Node* n) {
    if ((entries_.size() + 1) * 2 > slots_.size()) grow();
    const size_t i = probe(n);
    if (slots_[i] != kEmpty) return {&entries_[slots_[i]].second, false};
    slots_[i] = static_cast<uint32_t>(entries_.size());
    entries_.emplace_back(n, NodeTask{});
    return {&entries_.back().second, true};
  }
  NodeTask& operator[](Node* n) { return *try_emplace(n).first; }
  /// The task of `n`, or nullptr if the pass never reached it.
  const NodeTask* find(Node* n) const {
    if (slots_.empty()) return nullptr;
    const size_t i = probe(n);
    return slots_[i] == kEmpty ? nullptr : &entries_[slots_[i]].second;
  }
  std::deque<Entry>::iterator begin() { return entries_.begin(); }
  std::deque<Entry>::iterator end() { return entries_.end(); }

 private:
  static constexpr uint32_t kEmpty = ~uint32_t{0};

  size_t probe(Node* n) const {
    const size_t mask = slots_.size() - 1;
    size_t i = (reinterpret_cast<uintptr_t>(n) >> 4) * 0x9E3779B97F4A7C15ULL >> 20 & mask;
    while (slots_[i] != kEmpty && entries_[slots_[i]].first != n) i = (i + 1) & mask;
    return i;
  }
  void grow() {
    slots_.assign(std::max<size_t>(64, slots_.size() * 2), kEmpty);
    for (uint32_t k = 0; k < entries_.size(); ++k) slots_[probe(entries_[k].first)] = k;
  }

  std::vector<uint32_t> slots_;
  std::deque<Entry> entries_;
};

}  // namespace tg::detail

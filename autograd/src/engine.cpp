// The engine: reverse mode over the tape. This file is meant to be read top to bottom.
//
// A pass has three steps:
//   1. Discover: walk the graph from the outputs (an explicit stack, never recursion:
//      a chain of 100,000 ops must not overflow the stack) and, in post-order, mark the
//      nodes that lie on a path to a target. Targets are the requested inputs for grad(),
//      and every leaf accumulator for backward().
//   2. Count: for each marked node, how many marked nodes feed gradient into it.
//   3. Run: start from the outputs' nodes; pop the ready node with the highest sequence
//      number (the newest, Note [Sequence numbers]), run its rule, send each gradient
//      along its edge into the next node's buffer, and make that node ready when its last
//      producer has run.
//
// Note [Central unbroadcast]: a rule may return a gradient with the broadcast shape of
// the op's output; the engine sums it back to the shape the input had when it was
// recorded (sum_to), in this one place, so no rule has to.
#include "tapegrad/autograd/engine.hpp"

#include <fmt/format.h>

#include <atomic>
#include <queue>
#include <unordered_map>

#include "accumulate_grad.hpp"
#include "checkpoint_frame.hpp"
#include "tapegrad/autograd/error.hpp"
#include "tapegrad/autograd/grad_mode.hpp"
#include "tapegrad/autograd/ops/elementwise.hpp"
#include "tapegrad/autograd/ops/factory.hpp"
#include "tapegrad/autograd/ops/reduction.hpp"
#include "task_map.hpp"

namespace tg {
namespace {

using detail::NodeTask;

std::atomic<uint64_t> g_next_pass_id{1};

struct Pass {
  detail::TaskMap tasks;
  // grad(): which returned slot each target edge fills.
  std::unordered_multimap<Node*, std::pair<uint32_t, size_t>> capture;  // node -> (nr, slot)
  bool accumulate = false;
  bool retain_graph = false;
  bool create_graph = false;
  // Checkpoints recompute their values once per pass and keep them until the nodes that
  // read them have run; whatever no node read is dropped when the pass ends, however it
  // ends (Note [Recomputed saved tensors] in gradient_checkpoint.cpp).
  uint64_t id = g_next_pass_id.fetch_add(1, std::memory_order_relaxed);
  std::vector<std::weak_ptr<detail::CheckpointFrame>> recomputed;

  Pass() = default;
  Pass(const Pass&) = delete;
  Pass& operator=(const Pass&) = delete;
  ~Pass() {
    for (auto& frame : recomputed)
      if (auto f = frame.lock()) detail::checkpoint_pass_ended(*f, id);
  }
};

// Step 1 (post-order DFS with an explicit stack).
void discover(Pass& pass, const std::vector<Node*>& roots) {
  struct Frame {
    Node* node;
    size_t next;
  };
  std::vector<Frame> stack;
  auto visit = [&](Node* n) {
    auto [task, fresh] = pass.tasks.try_emplace(n);
    if (!fresh) return;
    task->buffer.resize(n->output_meta().empty() ? 1 : n->output_meta().size());
    task->is_accumulator = dynamic_cast<AccumulateGrad*>(n) != nullptr;
    task->is_target = pass.accumulate ? task->is_accumulator : pass.capture.count(n) > 0;
    stack.push_back({n, 0});
  };
  // One root at a time: every frame on the stack must be an ancestor of the top one, so
  // that a child seen before is already finished and its on_path is final. (Pushing all
  // roots first broke this when one output fed another: the second root was finished
  // before the first, and read its on_path as false.)
  for (Node* r : roots) {
    visit(r);
    while (!stack.empty()) {
      Frame& f = stack.back();
      const auto& edges = f.node->next_edges();
      if (f.next < edges.size()) {
        Node* child = edges[f.next++].node.get();
        if (child != nullptr) visit(child);  // may reallocate `stack`: `f` is not used after
        continue;
      }
      NodeTask& t = pass.tasks[f.node];
      for (const Edge& e : edges)
        if (e.valid() && pass.tasks[e.node.get()].on_path) t.feeds_path = true;
      t.on_path = t.is_target || t.feeds_path;
      stack.pop_back();
    }
  }
}

// Step 2.
void count_dependencies(Pass& pass) {
  for (auto& [node, task] : pass.tasks) {
    if (!task.on_path) continue;
    for (const Edge& e : node->next_edges())
      if (e.valid()) {
        NodeTask& child = pass.tasks[e.node.get()];
        if (child.on_path) ++child.dependencies;
      }
  }
}

/// Adds `g` into slot `nr` of `task`'s buffer.
void accumulate_into(NodeTask& task, uint32_t nr, Tensor g) {
  Tensor& slot = task.buffer[nr];
  slot = slot.defined() ? slot + g : std::move(g);
}

/// Checks and unbroadcasts the gradient a rule returned for input `i` of `node`.
Tensor conform(const Node& node, size_t i, Tensor g) {
  const TensorMeta& meta = node.input_meta()[i];
  if (g.shape() != meta.shape) g = sum_to(g, meta.shape);  // Note [Central unbroadcast]
  if (g.dtype() != meta.dtype)
    throw GraphError(
        fmt::format("backward of '{}' (seq {}) returned a {} gradient for input {} "
                    "of dtype {}",
                    node.name(), node.sequence_nr(), name(g.dtype()), i, name(meta.dtype)));
  if (AnomalyMode::is_enabled() && has_non_finite(g))
    throw AnomalyError(fmt::format(
        "anomaly mode: backward of '{}' (seq {}) produced NaN or Inf in the gradient for "
        "input {} of shape {}",
        node.name(), node.sequence_nr(), i, meta.shape.str()));
  return g;
}

// Note [Needed inputs]: while a pass runs on this thread, BackwardContext::needs_grad
// (the one context of built-in rules and custom Functions) answers "does this pass want a gradient
// along this edge?", not merely "is the edge valid?". So grad(y, x) through matmul(x, W) computes
// and, under create_graph, records no gradient for W.
thread_local Pass* t_current_pass = nullptr;

class CurrentPass {
 public:
  explicit CurrentPass(Pass* p) : prev_(t_current_pass) { t_current_pass = p; }
  ~CurrentPass() { t_current_pass = prev_; }
  CurrentPass(const CurrentPass&) = delete;
  CurrentPass& operator=(const CurrentPass&) = delete;

 private:
  Pass* prev_;
};

// Step 3.
void execute(Pass& pass, TensorList& captured) {
  CurrentPass current(&pass);
  auto newer = [](Node* a, Node* b) { return a->sequence_nr() < b->sequence_nr(); };
  std::priority_queue<Node*, std::vector<Node*>, decltype(newer)> ready(newer);
  for (auto& [node, task] : pass.tasks)
    if (task.on_path && task.dependencies == 0) ready.push(node);

  while (!ready.empty()) {
    Node* node = ready.top();
    ready.pop();
    NodeTask& task = pass.tasks[node];

    const bool is_accumulator = task.is_accumulator;
    auto [lo, hi] = pass.capture.equal_range(node);
    for (auto it = lo; it != hi; ++it) {
      const auto [nr, slot] = it->second;
      const Tensor& g = task.buffer[nr];
      const TensorMeta& m = is_accumulator ? node->input_meta()[0] : node->output_meta()[nr];
      captured[slot] = g.defined() ? g : zeros(m.shape, m.dtype);
    }
    if (is_accumulator && !pass.accumulate) continue;   // grad() never touches .grad
    if (!is_accumulator && !task.feeds_path) continue;  // a target past which nothing is needed

    if (pass.create_graph && node->once_differentiable())
      throw GraphError(fmt::format(
          "'{}' (seq {}) is marked once-differentiable, so its backward cannot be recorded; "
          "it cannot be used with create_graph=true",
          node->name(), node->sequence_nr()));
    // The gradients w.r.t. the node's outputs are freed when this iteration ends, not with
    // the pass: a pass holds only the gradients in flight, as it holds one checkpointed
    // segment's recomputed values at a time.
    TensorList incoming = std::move(task.buffer);
    TensorList grads;
    try {
      grads = node->apply(std::move(incoming));
    } catch (const AnomalyError& e) {
      // The rule's own ops found the NaN/Inf, but they are anonymous helpers (a `mul`
      // inside sqrt's rule): name the node whose backward was running.
      throw AnomalyError(fmt::format("anomaly mode: in the backward of '{}' (seq {}): {}",
                                     node->name(), node->sequence_nr(), e.what()));
    }
    if (!pass.retain_graph) node->release_saved();
    const auto& edges = node->next_edges();
    if (grads.size() != edges.size())
      throw GraphError(fmt::format("backward of '{}' (seq {}) returned {} gradients for {} inputs",
                                   node->name(), node->sequence_nr(), grads.size(), edges.size()));
    for (size_t i = 0; i < edges.size(); ++i) {
      const Edge& e = edges[i];
      if (!e.valid()) continue;
      NodeTask& next = pass.tasks[e.node.get()];
      if (!next.on_path) continue;
      if (grads[i].defined()) accumulate_into(next, e.input_nr, conform(*node, i, grads[i]));
      if (--next.dependencies == 0) ready.push(e.node.get());
    }
  }
}

Tensor default_grad_output(const Tensor& out, size_t i) {
  if (out.numel() != 1)
    throw GraphError(fmt::format(
        "grad: output {} has shape {}; an implicit gradient exists only for one-element "
        "outputs, so pass grad_outputs",
        i, out.shape().str()));
  return ones_like(out);
}

/// Seeds the outputs' nodes and runs the pass; returns captured gradients for grad().
TensorList run(Pass& pass, const TensorList& outputs, const TensorList& grad_outputs,
               size_t n_captured) {
  if (!grad_outputs.empty() && grad_outputs.size() != outputs.size())
    throw GraphError(fmt::format("grad: {} grad_outputs given for {} outputs", grad_outputs.size(),
                                 outputs.size()));
  std::vector<Node*> roots;
  std::vector<std::pair<Edge, Tensor>> seeds;
  for (size_t i = 0; i < outputs.size(); ++i) {
    const Tensor& out = outputs[i];
    if (!out.defined() || !out.requires_grad())
      throw GraphError(fmt::format(
          "grad: output {} does not require grad and has no grad_fn (was it computed under "
          "NoGradGuard, or from tensors that do not require grad?)",
          i));
    Tensor g = grad_outputs.empty() || !grad_outputs[i].defined() ? default_grad_output(out, i)
                                                                  : grad_outputs[i];
    if (g.shape() != out.shape() || g.dtype() != out.dtype())
      detail::throw_mismatch(
          g.dtype() != out.dtype(),
          fmt::format("grad: grad_outputs[{}] is {} {} but output {} is {} {}", i, g.shape().str(),
                      name(g.dtype()), i, out.shape().str(), name(out.dtype())));
    Edge e = gradient_edge(out);
    roots.push_back(e.node.get());
    seeds.emplace_back(std::move(e), std::move(g));
  }
  AutoGradMode mode(pass.create_graph);
  discover(pass, roots);
  count_dependencies(pass);
  for (auto& [edge, g] : seeds) accumulate_into(pass.tasks[edge.node.get()], edge.input_nr, g);
  TensorList captured(n_captured);
  execute(pass, captured);
  return captured;
}

}  // namespace

namespace detail {
bool edge_needed(const Edge& e) {
  if (!e.valid()) return false;
  if (t_current_pass == nullptr) return true;
  const NodeTask* task = t_current_pass->tasks.find(e.node.get());
  return task != nullptr && task->on_path;
}

uint64_t current_pass_id() { return t_current_pass == nullptr ? 0 : t_current_pass->id; }

void end_with_current_pass(std::weak_ptr<CheckpointFrame> frame) {
  if (t_current_pass != nullptr) t_current_pass->recomputed.push_back(std::move(frame));
}
}  // namespace detail

TensorList grad(const TensorList& outputs, const TensorList& inputs, const GradOptions& opt) {
  Pass pass;
  pass.create_graph = opt.create_graph;
  pass.retain_graph = opt.retain_graph.value_or(opt.create_graph);
  std::vector<Edge> keep_alive;  // accumulators created here must outlive the pass
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].defined() || !inputs[i].requires_grad())
      throw GraphError(fmt::format(
          "grad: input {} (shape {}) does not require grad; call requires_grad_() on it "
          "before building the graph",
          i, inputs[i].defined() ? inputs[i].shape().str() : "undefined"));
    Edge e = gradient_edge(inputs[i]);
    pass.capture.emplace(e.node.get(), std::make_pair(e.input_nr, i));
    keep_alive.push_back(std::move(e));
  }
  TensorList result = run(pass, outputs, opt.grad_outputs, inputs.size());
  for (size_t i = 0; i < result.size(); ++i)
    if (!result[i].defined() && !opt.allow_unused)
      throw GraphError(
          fmt::format("grad: input {} (shape {}) is not reachable from the outputs; pass "
                      "allow_unused=true to get an undefined gradient for it instead",
                      i, inputs[i].shape().str()));
  return result;
}

void backward(const TensorList& outputs, const GradOptions& opt) {
  Pass pass;
  pass.accumulate = true;
  pass.create_graph = opt.create_graph;
  pass.retain_graph = opt.retain_graph.value_or(opt.create_graph);
  run(pass, outputs, opt.grad_outputs, 0);
}

}  // namespace tg

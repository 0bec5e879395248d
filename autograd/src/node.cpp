#include "tapegrad/autograd/node.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <limits>

#include "accumulate_grad.hpp"
#include "sequence_numbering.hpp"
#include "tapegrad/autograd/error.hpp"
#include "tapegrad/autograd/small_alloc.hpp"

namespace tg {
namespace {
std::atomic<std::int64_t> g_live_nodes{0};
thread_local uint64_t t_sequence_nr = 0;  // Note [Sequence numbers]
// The end of the range this thread numbers from (Note [Sequence numbers in parallel tasks]).
thread_local uint64_t t_sequence_end = std::numeric_limits<uint64_t>::max();
// Numbers per task of a region on a thread with room to spare: a task records far fewer
// nodes, and 2^64 / 2^32 leaves room for 4·10^9 tasks in a process's lifetime.
constexpr uint64_t kTaskSpan = uint64_t{1} << 32;
thread_local int t_task_depth = 0;  // open ParallelNumbering scopes
}  // namespace

uint64_t next_sequence_nr() { return t_sequence_nr++; }

namespace detail {

ParallelNumbering::ParallelNumbering(int64_t tasks) : first_(t_sequence_nr) {
  const auto n = static_cast<uint64_t>(std::max<int64_t>(tasks, 1));
  // n ranges for the tasks and one more for what the caller records afterwards.
  span_ = std::min(kTaskSpan, (t_sequence_end - first_) / (n + 1));
  if (span_ == 0)
    throw GraphError(fmt::format(
        "parallel graph recording: no sequence numbers left for {} tasks (regions nested "
        "too deeply)",
        tasks));
  t_sequence_nr = first_ + n * span_;
}

ParallelNumbering::Scope ParallelNumbering::task(int64_t i) const {
  const uint64_t first = first_ + static_cast<uint64_t>(i) * span_;
  return Scope(first, first + span_);
}

ParallelNumbering::Scope::Scope(uint64_t first, uint64_t end)
    : saved_next_(t_sequence_nr), saved_end_(t_sequence_end) {
  t_sequence_nr = first;
  t_sequence_end = end;
  ++t_task_depth;
}

ParallelNumbering::Scope::~Scope() {
  t_sequence_nr = saved_next_;
  t_sequence_end = saved_end_;
  --t_task_depth;
}

int parallel_task_depth() { return t_task_depth; }

}  // namespace detail
std::int64_t live_nodes() { return g_live_nodes.load(std::memory_order_relaxed); }

Node::Node() : sequence_nr_(next_sequence_nr()) {
  g_live_nodes.fetch_add(1, std::memory_order_relaxed);
}

Node::~Node() {
  for (auto& e : next_edges_) release_node(std::move(e.node));
  g_live_nodes.fetch_sub(1, std::memory_order_relaxed);
}

void Node::add_input(const Tensor& t) {
  next_edges_.push_back(gradient_edge(t));
  input_meta_.push_back({t.shape(), t.dtype()});
}

// Note [Iterative destruction]: destroying the last handle on a long chain would
// destroy node n, whose edge destroys node n-1, and so on: one stack frame per node.
// Instead, while one release is draining on this thread, every further node whose last
// reference goes is parked in a list, and the outermost call frees them in a loop.
void release_node(std::shared_ptr<Node>&& node) {
  thread_local std::vector<std::shared_ptr<Node>>* pending = nullptr;
  if (!node) return;
  if (pending != nullptr) {
    pending->push_back(std::move(node));
    return;
  }
  std::vector<std::shared_ptr<Node>> list;
  list.push_back(std::move(node));
  pending = &list;
  while (!list.empty()) {
    std::shared_ptr<Node> n = std::move(list.back());
    list.pop_back();
    n.reset();  // may push more nodes onto `list`
  }
  pending = nullptr;
}

Edge gradient_edge(const Tensor& t) {
  if (!t.defined()) return {};
  TensorImpl* impl = t.impl();
  if (impl->grad_fn) return {impl->grad_fn, impl->output_nr};
  if (!impl->requires_grad) return {};
  // A leaf: share one accumulator per leaf while any graph holds it.
  std::lock_guard<std::mutex> lock(impl->grad_mutex);
  std::shared_ptr<Node> acc = impl->grad_accumulator.lock();
  if (!acc) {
    acc = detail::make_shared_small<AccumulateGrad>(t.impl_ptr());
    impl->grad_accumulator = acc;
  }
  return {acc, 0};
}

}  // namespace tg

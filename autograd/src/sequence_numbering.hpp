// Sequence numbers for graphs recorded inside parallel tasks. Internal to autograd/src.
//
// Note [Sequence numbers in parallel tasks]: the engine runs ready nodes newest first
// (Note [Sequence numbers]), so where the gradients of several producers meet — a shared
// weight's accumulator, a node that several per-dimension graphs read — the order of the
// additions, and hence the rounding of the sum, is the order of the producers' numbers.
// A task of a TBB loop that records a graph would number its nodes with the counter of
// whichever thread ran it, which has counted however many nodes that thread recorded
// before: the numbers, and the sums, would change from run to run and with the thread
// count. (A global atomic counter would not help: the interleaving of the tasks' records
// still changes from run to run.)
//
// So a parallel region reserves disjoint ranges of numbers up front, one per task, from the
// calling thread's counter, and task i numbers its nodes from the start of range i,
// whatever thread runs it (even a thread that picked the task up while waiting inside
// another task, since the scope saves and restores the thread's counter). The numbers then
// depend only on what each task records and on its index, and the engine's order is the
// same as if the tasks had run one after another, in index order, on the calling thread.
// Two details keep this exact:
// - Leaf accumulators are created by whichever task first reaches the leaf, and take a
//   number from that task's range. That shifts the numbers after it in that task by one,
//   which preserves every comparison (within the task, and against other ranges); an
//   accumulator itself only ever adds one complete buffer, so when it runs does not matter.
// - A region inside a task splits the rest of that task's range, so nested regions stay
//   disjoint too. The caller continues after the last range, so what it records next is
//   newer than everything the tasks recorded.
#pragma once
#include <cstdint>

namespace tg::detail {

/// The numbers one parallel region's tasks record with (Note [Sequence numbers in parallel
/// tasks]). Construct it on the thread that starts the region, before the region.
class ParallelNumbering {
 public:
  /// RAII: while alive, nodes recorded on this thread take numbers from one task's range.
  class Scope {
   public:
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    friend class ParallelNumbering;
    Scope(uint64_t first, uint64_t end);
    uint64_t saved_next_, saved_end_;
  };

  /// Reserves ranges for `tasks` tasks and moves the calling thread's counter past them.
  explicit ParallelNumbering(int64_t tasks);
  /// Number task `i`'s records from its range, for the returned scope's lifetime.
  [[nodiscard]] Scope task(int64_t i) const;

 private:
  uint64_t first_ = 0, span_ = 0;
};

/// How many task scopes are open on this thread: a checkpoint numbers only the values saved
/// at its own depth, never those of a parallel task (whichever thread runs it).
int parallel_task_depth();

}  // namespace tg::detail

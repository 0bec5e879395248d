// Gradient checkpointing (gradient_checkpoint.hpp; the maths in docs/autograd.md).
//
// Note [Recomputed saved tensors]: checkpoint(fn, inputs) runs fn's ops as always, so they
// record their nodes, with the same edges and sequence numbers as without checkpointing;
// only the values they save are not kept. While fn runs, every SavedTensor made on this
// thread is numbered (its slot) and, unless it is a leaf that requires grad (a parameter,
// kept as always: it is alive anyway, and its identity links create_graph gradients to its
// accumulator) or carries a live tangent (forward over reverse reads it), holds only its
// frame, its slot, and the links the unpacked tensor must carry: the node that produced it
// (strongly, as the tensor it replaces did) or, for a node's own output, the weak link of
// Note [Saved outputs]. The frame keeps fn and detached aliases of its inputs with their
// versions.
//
// When a backward pass first unpacks a slot, the frame runs fn again on fresh leaves with
// the inputs' values and requires_grad flags (grad mode on, its generators rewound) and
// collects, in order, what its ops save: the same ops on the same values save the same
// tensors, bit for bit, so unpacking hands each rule the value the plain run would have,
// linked to the forward's nodes. The engine then runs exactly the graph it would have run
// without checkpointing, in the same order, and every gradient, every leaf's accumulation
// and every create_graph graph is the plain run's. (A single node standing for fn, whose
// backward differentiated a recomputed copy of fn's graph, would instead add the
// parameters' gradients in a different order: a shared weight's contributions from the
// segment would arrive summed, as one term, where the plain run adds them one by one
// among the others, and float addition is not associative.)
//
// The recomputed values are kept per pass, and each is dropped when the rule of the node
// that saved it has run (RuleNode::apply calls SavedTensor::rule_finished), so a backward
// pass holds one segment's values at a time; whatever no rule read is dropped when the pass
// ends. Every pass that reaches a slot recomputes for itself: the inner and the outer
// backward of a gradient penalty each recompute, and concurrent passes (the loop-form
// Hessian trace) never share values. While fn's own forward runs, its values are held, so
// a pass inside fn (a gradient computed by fn) reads them without recomputing.
//
// Tangent rules' saves and those of parallel tasks are not numbered: a recomputation
// outside the sweep does not run the former, and which thread runs a task is not fixed.
#include "tapegrad/autograd/gradient_checkpoint.hpp"

#include <fmt/format.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <mutex>
#include <optional>

#include "checkpoint_frame.hpp"
#include "sequence_numbering.hpp"
#include "tapegrad/autograd/error.hpp"
#include "tapegrad/autograd/forward_rule.hpp"
#include "tapegrad/autograd/grad_mode.hpp"
#include "tapegrad/autograd/random.hpp"
#include "tapegrad/autograd/saved_tensor.hpp"

namespace tg::detail {
namespace {

/// A saved value as a pass sees it: detached, with its storage's version when saved.
struct Value {
  Tensor tensor;  ///< undefined: not held (kept by its SavedTensor, or already read)
  uint32_t version = 0;
};

Value value_of(const Tensor& t) { return {t.detach(), t.impl()->storage->version}; }

bool has_live_tangent(const Tensor& t) {
  for (const auto& slot : t.impl()->tangents)
    if (slot.level->alive.load(std::memory_order_relaxed)) return true;
  return false;
}

/// What this thread is doing for a checkpoint: recording a frame's forward, or collecting
/// a recomputation's values.
struct Scope {
  CheckpointFrame* recording = nullptr;
  std::vector<Value>* collected = nullptr;
  int task_depth = 0;
};
thread_local Scope* t_scope = nullptr;

class ScopeGuard {
 public:
  ScopeGuard(CheckpointFrame* recording, std::vector<Value>* collected)
      : scope_{recording, collected, parallel_task_depth()}, prev_(t_scope) {
    t_scope = &scope_;
  }
  ~ScopeGuard() { t_scope = prev_; }
  ScopeGuard(const ScopeGuard&) = delete;
  ScopeGuard& operator=(const ScopeGuard&) = delete;

 private:
  Scope scope_;
  Scope* prev_;
};

/// The scope whose numbering applies to what this thread does now, if any.
Scope* numbering_scope() {
  Scope* s = t_scope;
  return s != nullptr && s->task_depth == parallel_task_depth() && !in_tangent_rule() ? s : nullptr;
}

/// Recomputations that rewind generators run one at a time (the generators are the
/// caller's, and segments usually share one).
std::recursive_mutex g_rewind_mutex;

/// Sets generators to given states for its lifetime, then puts back what they held.
class Rewind {
 public:
  Rewind(const std::vector<Generator*>& generators, const std::vector<Generator>& states)
      : generators_(generators) {
    for (size_t i = 0; i < generators_.size(); ++i) {
      now_.push_back(*generators_[i]);
      *generators_[i] = states[i];
    }
  }
  ~Rewind() {
    for (size_t i = generators_.size(); i-- > 0;) *generators_[i] = now_[i];
  }
  Rewind(const Rewind&) = delete;
  Rewind& operator=(const Rewind&) = delete;

 private:
  const std::vector<Generator*>& generators_;
  std::vector<Generator> now_;
};

std::string shapes_of(const TensorList& tensors) {
  std::string out;
  for (const auto& t : tensors) out += (out.empty() ? "" : ", ") + t.shape().str();
  return out.empty() ? "(none)" : out;
}

}  // namespace

/// One checkpoint call: fn, its inputs, what fn's ops saved, and the values recomputed
/// for the passes running now.
class CheckpointFrame : public std::enable_shared_from_this<CheckpointFrame> {
 public:
  CheckpointFrame(std::function<void(const TensorList&)> fn, const TensorList& inputs,
                  const CheckpointOptions& options)
      : fn_(std::move(fn)), generators_(options.generators) {
    for (const Tensor& t : inputs) {
      inputs_.push_back(t.detach());
      requires_grad_.push_back(t.requires_grad());
      versions_.push_back(t.impl()->storage->version);
      marks_.emplace_back(t.impl()->storage);
    }
    for (Generator* g : generators_) generator_start_.push_back(*g);
  }

  /// Runs fn on the caller's inputs with this frame recording what its ops save.
  template <class R>
  R record(const std::function<R(const TensorList&)>& fn, const TensorList& inputs) {
    R out;
    {
      ScopeGuard scope(this, nullptr);
      // Isolated: a thread waiting inside fn's parallel loops must not pick up unrelated
      // work, whose saves this scope would number.
      tbb::this_task_arena::isolate([&] { out = fn(inputs); });
    }
    finish_recording();
    return out;
  }

  std::optional<RecomputedSlot> note_saved(const Tensor& t) {
    const auto slot = static_cast<uint32_t>(saved_.size());
    saved_.push_back({t.shape(), t.dtype()});
    const bool keep = (t.is_leaf() && t.requires_grad()) || has_live_tangent(t);
    recomputed_.push_back(!keep);
    std::lock_guard<std::mutex> lock(mutex_);
    forward_values_.push_back(keep ? Value{} : value_of(t));
    if (keep) return std::nullopt;
    return RecomputedSlot{shared_from_this(), slot};
  }

  void note_draw(const Generator& gen, uint64_t n) {
    if (std::find(generators_.begin(), generators_.end(), &gen) != generators_.end()) return;
    unlisted_draws_ += n;
    unlisted_seed_ = gen.seed();
  }

  Tensor value(uint32_t slot, std::string_view op, uint64_t seq) {
    const uint64_t pass = current_pass_id();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      PassValues* held = find(pass);
      if (held != nullptr && held->values[slot].tensor.defined())
        return checked(held->values[slot], op, seq);
      if (recording_) return checked(forward_values_[slot], op, seq);
    }
    PassValues fresh{pass, recompute(op, seq), 0};
    for (uint32_t i = 0; i < fresh.values.size(); ++i)
      if (recomputed_[i]) ++fresh.held;
    std::lock_guard<std::mutex> lock(mutex_);
    PassValues* held = find(pass);
    if (held == nullptr) {
      passes_.push_back(std::move(fresh));
      held = &passes_.back();
      end_with_current_pass(weak_from_this());
    } else {
      *held = std::move(fresh);
    }
    return checked(held->values[slot], op, seq);
  }

  void rule_done(uint32_t slot) {
    std::lock_guard<std::mutex> lock(mutex_);
    PassValues* held = find(current_pass_id());
    if (held == nullptr || !held->values[slot].tensor.defined()) return;
    held->values[slot] = Value{};
    if (--held->held == 0) passes_.erase(passes_.begin() + (held - passes_.data()));
  }

  void pass_ended(uint64_t pass) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (PassValues* held = find(pass)) passes_.erase(passes_.begin() + (held - passes_.data()));
  }

 private:
  struct PassValues {
    uint64_t pass = 0;
    std::vector<Value> values;  ///< by slot
    size_t held = 0;            ///< how many are still defined
  };

  PassValues* find(uint64_t pass) {
    for (auto& p : passes_)
      if (p.pass == pass) return &p;
    return nullptr;
  }

  static Tensor checked(const Value& v, std::string_view op, uint64_t seq) {
    if (v.tensor.impl()->storage->version != v.version)
      throw_modified_after_save(op, seq, v.tensor, v.version);
    return v.tensor;
  }

  void finish_recording() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      recording_ = false;
      forward_values_.clear();
    }
    for (Generator* g : generators_) generator_end_.push_back(g->offset());
    const bool recomputes =
        std::find(recomputed_.begin(), recomputed_.end(), true) != recomputed_.end();
    if (recomputes && unlisted_draws_ > 0)
      throw ValueError(fmt::format(
          "checkpoint: fn drew {} random numbers from a generator (seed {}) that is not in "
          "CheckpointOptions::generators, so its recomputation in backward would draw "
          "different ones; list every generator fn draws from",
          unlisted_draws_, unlisted_seed_));
  }

  /// fn run again from the inputs, and what its ops saved (only the slots that are not
  /// kept; `op` and `seq` name the node that asked, for errors).
  std::vector<Value> recompute(std::string_view op, uint64_t seq) {
    const std::string asking = fmt::format("the backward of '{}' (seq {})", op, seq);
    TensorList leaves;
    for (size_t i = 0; i < inputs_.size(); ++i) {
      const uint32_t now = inputs_[i].impl()->storage->version;
      if (now != versions_[i])
        throw GraphError(fmt::format(
            "checkpoint: input {} of fn (shape {}) was modified in place after checkpoint "
            "saved it (version {} -> {}), so fn cannot be recomputed for {}; clone it before "
            "modifying it",
            i, inputs_[i].shape().str(), versions_[i], now, asking));
      Tensor leaf = inputs_[i].detach();
      if (requires_grad_[i]) leaf.requires_grad_();
      leaves.push_back(std::move(leaf));
    }
    std::vector<Value> collected;
    {
      std::unique_lock<std::recursive_mutex> one_at_a_time(g_rewind_mutex, std::defer_lock);
      if (!generators_.empty()) one_at_a_time.lock();
      Rewind rewind(generators_, generator_start_);
      ScopeGuard scope(nullptr, &collected);
      AutoGradMode record(true);
      tbb::this_task_arena::isolate([&] { fn_(leaves); });
      for (size_t i = 0; i < generators_.size(); ++i)
        if (generators_[i]->offset() != generator_end_[i])
          throw GraphError(fmt::format(
              "checkpoint: recomputing fn for {} drew {} numbers from generator {} (seed {}) "
              "where its forward drew {}; fn must run the same ops on the same inputs every "
              "time",
              asking, generators_[i]->offset() - generator_start_[i].offset(), i,
              generators_[i]->seed(), generator_end_[i] - generator_start_[i].offset()));
    }
    if (collected.size() != saved_.size())
      throw GraphError(fmt::format(
          "checkpoint: recomputing fn for {} saved {} tensors for backward where its forward "
          "saved {}; fn must run the same ops on the same inputs every time (no branches on "
          "state that changes between forward and backward)",
          asking, collected.size(), saved_.size()));
    for (size_t i = 0; i < collected.size(); ++i) {
      const Tensor& t = collected[i].tensor;
      if (t.shape() != saved_[i].shape || t.dtype() != saved_[i].dtype)
        throw GraphError(fmt::format(
            "checkpoint: recomputing fn for {}: saved tensor {} is {} {} where the forward's "
            "was {} {}; fn must run the same ops on the same inputs every time",
            asking, i, t.shape().str(), name(t.dtype()), saved_[i].shape.str(),
            name(saved_[i].dtype)));
      if (!recomputed_[i]) collected[i] = Value{};
    }
    return collected;
  }

  std::function<void(const TensorList&)> fn_;
  TensorList inputs_;  // detached aliases
  std::vector<bool> requires_grad_;
  std::vector<uint32_t> versions_;
  std::vector<SavedMark> marks_;  // protects the inputs from writes through xtensor views
  std::vector<Generator*> generators_;
  std::vector<Generator> generator_start_;
  std::vector<uint64_t> generator_end_;
  uint64_t unlisted_draws_ = 0, unlisted_seed_ = 0;
  std::vector<TensorMeta> saved_;  // every numbered save, by slot
  std::vector<bool> recomputed_;   // by slot: false for the values SavedTensor keeps

  std::mutex mutex_;  // guards what follows
  bool recording_ = true;
  std::vector<Value> forward_values_;  // while fn's forward runs
  std::vector<PassValues> passes_;
};

std::optional<RecomputedSlot> checkpoint_saving(const Tensor& t) {
  Scope* s = numbering_scope();
  if (s == nullptr) return std::nullopt;
  if (s->collected != nullptr) {
    s->collected->push_back(value_of(t));
    return std::nullopt;
  }
  return s->recording->note_saved(t);
}

Tensor checkpoint_value(CheckpointFrame& frame, uint32_t slot, std::string_view op, uint64_t seq) {
  return frame.value(slot, op, seq);
}

void checkpoint_rule_done(CheckpointFrame& frame, uint32_t slot) { frame.rule_done(slot); }

void checkpoint_pass_ended(CheckpointFrame& frame, uint64_t pass) { frame.pass_ended(pass); }

void checkpoint_note_draw(const Generator& gen, uint64_t n) {
  Scope* s = numbering_scope();
  if (s != nullptr && s->recording != nullptr) s->recording->note_draw(gen, n);
}

namespace {

void check_arguments(bool has_fn, const TensorList& inputs, const CheckpointOptions& options) {
  if (!has_fn) throw ValueError("checkpoint: fn is empty; pass the function to run");
  for (size_t i = 0; i < inputs.size(); ++i)
    if (!inputs[i].defined())
      throw ValueError(fmt::format("checkpoint: input {} of {} is undefined", i, inputs.size()));
  for (size_t i = 0; i < options.generators.size(); ++i)
    if (options.generators[i] == nullptr)
      throw ValueError(fmt::format("checkpoint: options.generators[{}] is null", i));
}

void check_output(const Tensor& out, const TensorList& inputs) {
  if (!out.defined())
    throw ValueError(fmt::format(
        "checkpoint: fn returned an undefined tensor (inputs of shape {}); it must return the "
        "tensor it computed",
        shapes_of(inputs)));
}

void check_output(const TensorList& outs, const TensorList& inputs) {
  if (outs.empty())
    throw ValueError(fmt::format(
        "checkpoint: fn returned no tensors (inputs of shape {}); it must return what it "
        "computed",
        shapes_of(inputs)));
  for (size_t i = 0; i < outs.size(); ++i)
    if (!outs[i].defined())
      throw ValueError(fmt::format(
          "checkpoint: output {} of the {} fn returned is undefined (inputs of shape {})", i,
          outs.size(), shapes_of(inputs)));
}

template <class R>
R run_checkpointed(const std::function<R(const TensorList&)>& fn, const TensorList& inputs,
                   const CheckpointOptions& options) {
  check_arguments(static_cast<bool>(fn), inputs, options);
  R out;
  if (!GradMode::is_enabled() || t_scope != nullptr) {
    // Nothing will be recorded, or an enclosing checkpoint already recomputes all of fn.
    out = fn(inputs);
  } else {
    auto frame =
        std::make_shared<CheckpointFrame>([fn](const TensorList& in) { fn(in); }, inputs, options);
    out = frame->record(fn, inputs);
  }
  check_output(out, inputs);
  return out;
}

}  // namespace
}  // namespace tg::detail

namespace tg {

Tensor checkpoint(const DifferentiableFn& fn, const TensorList& inputs,
                  const CheckpointOptions& options) {
  return detail::run_checkpointed(fn, inputs, options);
}

TensorList checkpoint(const std::function<TensorList(const TensorList&)>& fn,
                      const TensorList& inputs, const CheckpointOptions& options) {
  return detail::run_checkpointed(fn, inputs, options);
}

Tensor checkpoint_sequential(const std::vector<std::function<Tensor(const Tensor&)>>& layers,
                             int64_t segments, const Tensor& x, const CheckpointOptions& options) {
  const auto n = static_cast<int64_t>(layers.size());
  if (segments < 1 || segments > n)
    throw ValueError(fmt::format(
        "checkpoint_sequential: {} segments for {} layers; expected 1 <= segments <= the "
        "number of layers",
        segments, n));
  for (int64_t i = 0; i < n; ++i)
    if (!layers[static_cast<size_t>(i)])
      throw ValueError(fmt::format("checkpoint_sequential: layer {} of {} is empty", i, n));
  Tensor h = x;
  for (int64_t s = 0; s < segments; ++s) {
    // The segment's own copy of its layers: it runs again in backward, when the caller's
    // vector may be gone.
    std::vector<std::function<Tensor(const Tensor&)>> run(layers.begin() + s * n / segments,
                                                          layers.begin() + (s + 1) * n / segments);
    h = checkpoint(
        [run = std::move(run)](const TensorList& in) {
          Tensor y = in[0];
          for (const auto& layer : run) y = layer(y);
          return y;
        },
        {h}, options);
  }
  return h;
}

}  // namespace tg

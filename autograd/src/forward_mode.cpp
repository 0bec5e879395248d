// Forward mode: tangents pushed through every op as it runs.
//
// Note [Tangent slots]: a tensor that is part of a forward sweep holds a TangentSlot
// naming the sweep (a ForwardLevel) and its tangents. record_into() calls
// propagate_tangents() before it records anything, so tangents flow whether or not grad
// mode is on: through a plain forward pass, and through the Tensor ops of a backward rule
// (forward over reverse). A sweep's tangents live on its tensors, not in a thread-local
// table, so ops run on worker threads carry them too. When the sweep ends its level is
// marked dead and every slot of it is ignored from then on, wherever it still lives.
//
// Note [Many tangents]: a slot holds K tangents stacked on a leading axis, [K, *shape].
// Rules are written once for that layout (an extra leading axis every op broadcasts
// over); one tangent is K = 1. Tangents that are the same along an axis are stored with
// size 1 there: the forward Laplacian's unit tangents e_d are the same for every sample,
// [D, 1, D] rather than [D, B, D], so the first linear layer's tangents are the columns of
// its weight, [D, 1, H], and a product with the batch's activations first makes them
// full. Elementwise rules and linear read them so (broadcast_tangent); every other rule
// reads them in full (tangent), so no rule can mistake a compact axis for a size-1 one.
//
// Note [Nested sweeps]: a jvp inside a jvp (second-order forward) gives a tensor slots of
// two levels. The inner level's tangent rule runs Tensor ops on tensors that carry the
// outer level, so the inner tangents get outer tangents of their own: the mixed second
// derivatives. Only older levels propagate while the rule of level L runs: L itself would
// recurse forever (a rule's ops on x would push x's L-tangent through again), and newer
// levels' tangents of L-tangents are never read (PyTorch orders its levels the same way).
#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "checkpoint_frame.hpp"
#include "tapegrad/autograd/error.hpp"
#include "tapegrad/autograd/forward_rule.hpp"
#include "tapegrad/autograd/ops/elementwise.hpp"
#include "tapegrad/autograd/ops/reduction.hpp"
#include "tapegrad/autograd/ops/shape_ops.hpp"

namespace tg {
namespace {

thread_local uint64_t t_newest_propagating_level = std::numeric_limits<uint64_t>::max();

class PropagateUpTo {
 public:
  explicit PropagateUpTo(uint64_t id) : prev_(t_newest_propagating_level) {
    t_newest_propagating_level = id;
  }
  ~PropagateUpTo() { t_newest_propagating_level = prev_; }
  PropagateUpTo(const PropagateUpTo&) = delete;
  PropagateUpTo& operator=(const PropagateUpTo&) = delete;

 private:
  uint64_t prev_;
};

const TangentSlot* slot_of(const Tensor& t, const ForwardLevel* level) {
  if (!t.defined()) return nullptr;
  for (const auto& s : t.impl()->tangents)
    if (s.level.get() == level) return &s;
  return nullptr;
}

std::string shapes_of(std::span<const Tensor> inputs) {
  std::string out;
  for (const auto& t : inputs) {
    if (!out.empty()) out += ", ";
    out += t.defined() ? t.shape().str() : std::string("undefined");
  }
  return out;
}

}  // namespace

namespace detail {
// Levels number from 1 and a rule of level L propagates up to L − 1, so the limit is below
// its default exactly while a rule runs.
bool in_tangent_rule() {
  return t_newest_propagating_level != std::numeric_limits<uint64_t>::max();
}

bool is_compact(const Shape& t, const Shape& want) {
  if (t.rank() != want.rank() || t[0] != want[0]) return false;
  for (int i = 1; i < t.rank(); ++i)
    if (t[i] != want[i] && t[i] != 1) return false;
  return true;
}
}  // namespace detail

namespace {

/// The rule's result as [K, *out.shape], kept compact if it is (Note [Many tangents]),
/// broadcast if it is broadcastable otherwise (a rule may return the tangent of one
/// broadcast input alone), else a GraphError naming the op.
Tensor conform_tangent(std::string_view op, Tensor t, int64_t k, const Tensor& out) {
  const Shape want = tangent_shape(k, out.shape());
  if (t.dtype() != out.dtype())
    throw GraphError(fmt::format("forward rule of '{}' returned a {} tangent for a {} output", op,
                                 name(t.dtype()), name(out.dtype())));
  if (detail::is_compact(t.shape(), want)) return t;
  try {
    if (broadcast_shapes(t.shape(), want, "forward rule") == want) return expand(t, want);
  } catch (const ShapeError&) {
  }
  throw GraphError(fmt::format(
      "forward rule of '{}' returned a tangent of shape {}; expected {} (K = {} tangents of the "
      "output's shape {})",
      op, t.shape().str(), want.str(), k, out.shape().str()));
}

Tensor conform_laplacian(std::string_view op, Tensor l, const Tensor& out) {
  if (l.shape() == out.shape()) return l;
  try {
    if (broadcast_shapes(l.shape(), out.shape(), "curvature rule") == out.shape())
      return expand(l, out.shape());
  } catch (const ShapeError&) {
  }
  throw GraphError(fmt::format("curvature rule of '{}' returned shape {}; expected the output's {}",
                               op, l.shape().str(), out.shape().str()));
}

/// What a rule sees as the output: a second handle on its values, linked to the same node
/// and carrying the tangents of older sweeps, but not owning the output's slots. The
/// tangent a rule builds from it is stored in the output's slot; built from the output
/// itself it would hold the output through its graph, a reference cycle.
Tensor output_handle(const Tensor& out) {
  Tensor h = out.detach();
  TensorImpl* impl = h.impl();
  impl->requires_grad = out.requires_grad();
  impl->grad_fn = out.grad_fn();
  impl->output_nr = out.output_nr();
  impl->tangents = out.impl()->tangents;
  return h;
}

}  // namespace

Shape tangent_shape(int64_t k, const Shape& s) {
  Shape out{k};
  for (int i = 0; i < s.rank(); ++i) out.push_back(s[i]);
  return out;
}

Tensor add_tangents(const Tensor& a, const Tensor& b) {
  if (!a.defined()) return b;
  if (!b.defined()) return a;
  return a + b;
}

Tensor ForwardContext::tangent(int i) const {
  const Tensor& t = tangents_[static_cast<size_t>(i)];
  if (!t.defined()) return t;
  const Shape full = tangent_shape(t.size(0), input(i).shape());
  return t.shape() == full ? t : expand(t, full);
}

Tensor ForwardContext::broadcast_tangent(int i) const {
  const Tensor& t = tangents_[static_cast<size_t>(i)];
  const int missing = output_.dim() - input(i).dim();
  if (!t.defined() || missing <= 0) return t;
  Shape s{t.shape()[0]};
  for (int a = 0; a < missing; ++a) s.push_back(1);
  for (int a = 1; a < t.dim(); ++a) s.push_back(t.shape()[a]);
  return reshape(t, s);
}

// Σ_k t_k², Σ_k a_k b_k: sums over the leading tangent axis.
Tensor sum_of_squares(const Tensor& t) { return sum(t * t, {0}); }
Tensor sum_of_products(const Tensor& a, const Tensor& b) { return sum(a * b, {0}); }

namespace detail {

void propagate_tangents(std::string_view op, std::span<const Tensor> inputs,
                        std::span<Tensor> outputs, const ForwardRuleRef& rule) {
  std::vector<const ForwardLevel*> levels;
  for (const auto& in : inputs) {
    if (!in.defined()) continue;
    for (const auto& s : in.impl()->tangents)
      if (s.level->alive.load(std::memory_order_relaxed) &&
          s.level->id <= t_newest_propagating_level &&
          std::find(levels.begin(), levels.end(), s.level.get()) == levels.end())
        levels.push_back(s.level.get());
  }
  if (levels.empty()) return;
  if (rule.rule == nullptr)
    throw GraphError(fmt::format(
        "'{}' has no forward-mode (tangent) rule, so a jvp, hvp or forward Laplacian cannot pass "
        "through it (inputs of shape {}); the op table lists the ops that have one",
        op, shapes_of(inputs)));
  if (outputs.size() != 1)
    throw GraphError(fmt::format("'{}' has {} outputs; forward mode supports single-output ops", op,
                                 outputs.size()));
  Tensor& out = outputs[0];
  bool is_input = false;
  for (const auto& in : inputs) is_input = is_input || in.impl() == out.impl();
  if (is_input)
    out = out.detach();  // an unrecorded op returned an input: never touch the input's slots
  else
    out.impl()->tangents.clear();  // left by ops the op ran on its values, if any
  std::sort(levels.begin(), levels.end(),
            [](const ForwardLevel* a, const ForwardLevel* b) { return a->id < b->id; });

  std::vector<Tensor> tangents(inputs.size());
  std::vector<Tensor> laplacians(inputs.size());
  for (const ForwardLevel* level : levels) {
    PropagateUpTo only_older_levels(level->id - 1);
    int64_t k = 0;
    bool any_laplacian = false;
    std::shared_ptr<const ForwardLevel> owner;
    for (size_t i = 0; i < inputs.size(); ++i) {
      const TangentSlot* s = slot_of(inputs[i], level);
      tangents[i] = s != nullptr ? s->tangent : Tensor();
      laplacians[i] = Tensor();
      if (s == nullptr) continue;
      k = s->tangent.size(0);
      owner = s->level;
      if (s->laplacian.defined()) {
        laplacians[i] = reshape(s->laplacian, tangent_shape(1, s->laplacian.shape()));
        any_laplacian = true;
      }
    }
    const Tensor seen = output_handle(out);
    ForwardContext ctx(inputs, seen, tangents, k);
    Tensor t = rule.tangent(rule.rule, ctx);
    if (!t.defined()) continue;  // only non-differentiable inputs carried tangents
    TangentSlot slot{std::move(owner), conform_tangent(op, std::move(t), k, out), Tensor()};
    if (level->laplacian) {
      if (rule.kind == ForwardRuleRef::Curvature::Unknown)
        throw GraphError(fmt::format(
            "'{}' has a tangent rule but no curvature rule, so the forward Laplacian cannot pass "
            "through it (inputs of shape {})",
            op, shapes_of(inputs)));
      Tensor lap;
      if (any_laplacian) {
        ForwardContext linear_part(inputs, seen, laplacians, 1);
        Tensor l = rule.tangent(rule.rule, linear_part);
        if (l.defined())
          lap = reshape(
              expand(conform_tangent(op, std::move(l), 1, out), tangent_shape(1, out.shape())),
              out.shape());
      }
      if (rule.kind == ForwardRuleRef::Curvature::Rule) {
        Tensor c = rule.curvature(rule.rule, ctx);
        if (c.defined()) lap = add_tangents(lap, conform_laplacian(op, std::move(c), out));
      }
      slot.laplacian = std::move(lap);
    }
    out.impl()->tangents.push_back(std::move(slot));
  }
}

}  // namespace detail
}  // namespace tg

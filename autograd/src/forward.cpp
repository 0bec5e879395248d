// jvp, hvp and forward_laplacian: the user-facing forward-mode entry points. Each opens a
// forward sweep (a ForwardLevel), seeds tangents on fresh handles of its primals, runs
// the function, reads the output's slot and closes the sweep (Note [Tangent slots] in
// forward_mode.cpp).
#include "tapegrad/autograd/forward.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <optional>

#include "tapegrad/autograd/engine.hpp"
#include "tapegrad/autograd/error.hpp"
#include "tapegrad/autograd/forward_rule.hpp"
#include "tapegrad/autograd/ops/elementwise.hpp"
#include "tapegrad/autograd/ops/factory.hpp"
#include "tapegrad/autograd/ops/reduction.hpp"
#include "tapegrad/autograd/ops/shape_ops.hpp"

namespace tg {
namespace {

std::atomic<uint64_t> g_next_level{1};

/// A forward sweep, alive for the scope: its tangents are ignored once it ends.
class Sweep {
 public:
  explicit Sweep(bool laplacian) : level_(std::make_shared<ForwardLevel>()) {
    level_->id = g_next_level.fetch_add(1);
    level_->laplacian = laplacian;
  }
  ~Sweep() { level_->alive = false; }
  Sweep(const Sweep&) = delete;
  Sweep& operator=(const Sweep&) = delete;

  /// A fresh handle on x (recorded as a reshape, so x's graph is kept) carrying `tangent`.
  Tensor seed(const Tensor& x, const Tensor& tangent, const Tensor& laplacian = {}) const {
    Tensor dual = reshape(x, x.shape());
    dual.impl()->tangents.push_back({level_, tangent, laplacian});
    return dual;
  }
  /// The slot of this sweep on t, removed from t (nullopt if t carries none).
  std::optional<TangentSlot> take(const Tensor& t) const {
    auto& slots = t.impl()->tangents;
    auto it = std::find_if(slots.begin(), slots.end(),
                           [&](const TangentSlot& s) { return s.level == level_; });
    if (it == slots.end()) return std::nullopt;
    TangentSlot s = std::move(*it);
    slots.erase(it);
    return s;
  }

 private:
  std::shared_ptr<ForwardLevel> level_;
};

void check_tangent(size_t i, const Tensor& primal, const Tensor& tangent, bool batched,
                   int64_t& k) {
  if (!primal.defined() || !tangent.defined())
    throw ValueError(fmt::format("jvp: primal {} or its tangent is undefined", i));
  if (tangent.dtype() != primal.dtype())
    throw DtypeError(fmt::format("jvp: tangent {} is {} but its primal is {} (shape {})", i,
                                 name(tangent.dtype()), name(primal.dtype()),
                                 primal.shape().str()));
  const bool ok = batched ? tangent.dim() == primal.dim() + 1 &&
                                detail::is_compact(tangent.shape(),
                                                   tangent_shape(tangent.size(0), primal.shape()))
                          : tangent.shape() == primal.shape();
  if (!ok)
    throw ShapeError(
        fmt::format("jvp: tangent {} has shape {} but its primal has shape {}; expected {}", i,
                    tangent.shape().str(), primal.shape().str(),
                    batched ? "[K, " + primal.shape().str().substr(1) : primal.shape().str()));
  if (batched) {
    if (k >= 0 && tangent.size(0) != k)
      throw ShapeError(fmt::format(
          "jvp: batched tangents carry different counts K: {} for tangent 0, {} for tangent {} "
          "(shape {})",
          k, tangent.size(0), i, tangent.shape().str()));
    k = tangent.size(0);
  }
}

}  // namespace

JvpResult jvp(const DifferentiableFn& f, const TensorList& primals, const TensorList& tangents,
              const JvpOptions& options) {
  if (primals.size() != tangents.size())
    throw ValueError(fmt::format("jvp: {} primals but {} tangents; give one tangent per primal",
                                 primals.size(), tangents.size()));
  int64_t k = options.batched ? -1 : 1;
  for (size_t i = 0; i < primals.size(); ++i)
    check_tangent(i, primals[i], tangents[i], options.batched, k);
  if (k < 0) k = 1;  // no primals

  Sweep sweep(false);
  TensorList duals;
  duals.reserve(primals.size());
  for (size_t i = 0; i < primals.size(); ++i)
    duals.push_back(sweep.seed(
        primals[i], options.batched ? tangents[i]
                                    : reshape(tangents[i], tangent_shape(1, tangents[i].shape()))));
  Tensor out = f(duals);
  if (!out.defined()) throw ValueError("jvp: the function returned an undefined tensor");
  std::optional<TangentSlot> slot = sweep.take(out);
  const Shape full = tangent_shape(k, out.shape());
  Tensor t = slot ? expand(slot->tangent, full) : zeros(full, out.dtype());
  if (!options.batched) t = reshape(t, out.shape());
  return {out, t};
}

// Reverse over reverse: ∇ₓ⟨∇ₓf, v⟩. Forward over reverse: the tangent of ∇ₓf along v.
Tensor hvp(const DifferentiableFn& f, const Tensor& x, const Tensor& v, const HvpOptions& options) {
  if (!x.defined() || !v.defined()) throw ValueError("hvp: x or v is undefined");
  if (v.dtype() != x.dtype() || v.shape() != x.shape())
    detail::throw_mismatch(
        v.dtype() != x.dtype(),
        fmt::format("hvp: v is {} {} but x is {} {}; expected v like x", v.shape().str(),
                    name(v.dtype()), x.shape().str(), name(x.dtype())));
  // x must require grad for the inner gradient; a leaf that does not is replaced by one.
  Tensor input = x.requires_grad() ? x : x.detach().requires_grad_();
  auto gradient = [&](const Tensor& at, bool create_graph) {
    Tensor y = f({at});
    if (!y.defined() || y.numel() != 1)
      throw ShapeError(fmt::format("hvp: f must return one element, got shape {}",
                                   y.defined() ? y.shape().str() : "undefined"));
    return grad({y}, {at}, {.create_graph = create_graph})[0];
  };
  if (options.mode == HvpMode::ReverseOverReverse) {
    Tensor g = gradient(input, true);
    return grad({sum(g * v)}, {input}, {.create_graph = options.create_graph})[0];
  }
  if (options.create_graph)
    throw GraphError(
        "hvp: create_graph needs the reverse-over-reverse form; forward over reverse keeps the "
        "tangents of saved outputs as values only");
  return jvp([&](const TensorList& in) { return gradient(in[0], false); }, {input}, {v}).tangent;
}

ForwardLaplacian forward_laplacian(const BatchScalarFn& f, const Tensor& x) {
  if (!x.defined() || x.dim() != 2)
    throw ShapeError(fmt::format("forward_laplacian: x must be [B, D], got shape {}",
                                 x.defined() ? x.shape().str() : "undefined"));
  const int64_t b = x.size(0), d = x.size(1);
  // Tangent k of every sample is the unit vector e_k: [D, 1, D], the same for every sample
  // (Note [Many tangents]).
  Sweep sweep(true);
  Tensor out = f(sweep.seed(x, reshape(eye(d, x.dtype()), {d, 1, d})));
  if (!out.defined() || out.shape() != Shape{b})
    throw ShapeError(fmt::format(
        "forward_laplacian: f must map x of shape {} to one value per sample, [{}]; got {}",
        x.shape().str(), b, out.defined() ? out.shape().str() : "undefined"));
  std::optional<TangentSlot> slot = sweep.take(out);
  if (!slot) return {out, zeros(x.shape(), x.dtype()), zeros({b}, x.dtype())};
  Tensor gradient = permute(expand(slot->tangent, {d, b}), {1, 0});  // [D, B] -> [B, D]
  Tensor lap = slot->laplacian.defined() ? slot->laplacian : zeros({b}, x.dtype());
  return {out, gradient, lap};
}

}  // namespace tg

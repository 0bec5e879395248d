#include "accumulate_grad.hpp"

#include "tapegrad/autograd/grad_mode.hpp"
#include "tapegrad/autograd/leaf_hooks.hpp"
#include "tapegrad/autograd/ops/elementwise.hpp"

namespace tg {

// Note [Leaf accumulation]: `.grad` never carries a graph (that would make
// param -> grad -> grad_fn -> param, a reference cycle), so the sum is taken with grad
// mode off and stored detached. A fresh gradient that shares storage with another
// tensor (add's rule hands the same gradient to both inputs) is copied, so a later
// in-place update of `.grad` cannot reach the other tensor. Concurrent passes are
// serialised by the leaf's mutex.
//
// The add kernel may use parallel_for while the mutex is held; a thread waiting in it
// never steals another pass that would block on the same mutex (Note [Kernels wait only
// for their own work]).
//
// Then the leaf's hooks run (leaf_hooks.hpp), outside the lock.
TensorList AccumulateGrad::apply(TensorList&& grads) {
  Tensor g = std::move(grads[0]);
  if (!g.defined()) return {};
  NoGradGuard no_grad;
  {
    std::lock_guard<std::mutex> lock(leaf_->grad_mutex);
    if (!leaf_->grad.defined()) {
      leaf_->grad = g.impl_ptr().use_count() == 1 && g.impl()->storage.use_count() == 1
                        ? g.detach()
                        : g.clone().detach();
    } else {
      leaf_->grad = (leaf_->grad + g).detach();
    }
  }
  detail::run_leaf_hooks(leaf_);  // after the lock: a hook may read leaf.grad()
  return {};
}

}  // namespace tg

#include "tapegrad/optim/adam.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "tapegrad/autograd/error.hpp"

namespace tg::optim {

namespace {

std::vector<std::string> adam_buffers(bool amsgrad) {
  if (amsgrad) return {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"};
  return {"exp_avg", "exp_avg_sq"};
}

void check_options(const AdamOptions& o, const char* kind) {
  const bool ok = o.eps >= 0 && o.weight_decay >= 0 && o.betas.beta1 >= 0 && o.betas.beta1 < 1 &&
                  o.betas.beta2 >= 0 && o.betas.beta2 < 1;
  if (!ok)
    throw ValueError(fmt::format(
        "{}: betas ({}, {}) must lie in [0, 1), eps ({}) and weight_decay ({}) must be >= 0", kind,
        o.betas.beta1, o.betas.beta2, o.eps, o.weight_decay));
}

/// Adam without weight decay or AMSGrad: m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g²,
/// p ← p − step · m / (√v / √(1−β₂ᵗ) + ε).
template <class T>
void adam_plain_update(int64_t n, const T* __restrict g, T* __restrict p, T* __restrict m,
                       T* __restrict v, T beta1, T one_m_b1, T beta2, T one_m_b2, T bc2, T eps,
                       T neg_step) {
  for (int64_t j = 0; j < n; ++j) {
    const T gj = g[j];
    const T mj = m[j] * beta1 + one_m_b1 * gj;
    const T vj = v[j] * beta2 + one_m_b2 * gj * gj;
    m[j] = mj;
    v[j] = vj;
    p[j] += neg_step * (mj / (std::sqrt(vj) / bc2 + eps));
  }
}

}  // namespace

Adam::Adam(std::vector<Tensor> params, const AdamOptions& options)
    : Adam(std::move(params), options, false, "Adam") {}

Adam::Adam(std::vector<Tensor> params, const AdamOptions& options, bool decoupled, const char* kind)
    : Optimizer(std::move(params), options.lr, adam_buffers(options.amsgrad), kind),
      options_(options),
      decoupled_weight_decay_(decoupled) {
  check_options(options, kind);
}

void Adam::step() {
  const AdamOptions& o = options_;
  const double lr = this->lr();
  const double b1 = o.betas.beta1;
  const double b2 = o.betas.beta2;
  for_each_with_grad([&](std::size_t i, const Tensor& grad) {
    const auto t = static_cast<double>(steps_[i]);
    const double step_size = lr / (1 - std::pow(b1, t));
    const double bc2_sqrt = std::sqrt(1 - std::pow(b2, t));
    visit_dtype(grad.dtype(), [&]<class T>() {
      T* p = params_[i].data<T>();
      T* m = buffers_[i][0].data<T>();
      T* v = buffers_[i][1].data<T>();
      T* vmax = o.amsgrad ? buffers_[i][2].data<T>() : nullptr;
      const T* g = grad.data<T>();
      // Loop invariants hoisted: numel() is out of line and checks overflow, and this loop
      // is a large share of a small model's step.
      const int64_t n = grad.numel();
      const bool decay = o.weight_decay != 0, decoupled = decoupled_weight_decay_;
      const T wd = T(o.weight_decay), shrink = T(1 - lr * o.weight_decay);
      const T beta1 = T(b1), beta2 = T(b2), one_m_b1 = T(1 - b1), one_m_b2 = T(1 - b2);
      const T bc2 = T(bc2_sqrt), eps = T(o.eps), neg_step = T(-step_size);
      if (!decay && !vmax) {
        // The common case as a loop without branches over restrict-qualified pointers, which
        // the compiler vectorises (adam.cpp is compiled with -fno-math-errno so that sqrt
        // is the vector instruction). The same operations in the same order: same bits.
        adam_plain_update(n, g, p, m, v, beta1, one_m_b1, beta2, one_m_b2, bc2, eps, neg_step);
        return;
      }
      for (int64_t j = 0; j < n; ++j) {
        T gj = g[j];
        if (decay) {
          if (decoupled)
            p[j] *= shrink;
          else
            gj += wd * p[j];
        }
        m[j] = m[j] * beta1 + one_m_b1 * gj;
        v[j] = v[j] * beta2 + one_m_b2 * gj * gj;
        T vhat = v[j];
        if (vmax) vhat = vmax[j] = std::max(vmax[j], v[j]);
        const T denom = std::sqrt(vhat) / bc2 + eps;
        p[j] += neg_step * (m[j] / denom);
      }
    });
  });
}

AdamW::AdamW(std::vector<Tensor> params, const AdamWOptions& o)
    : Adam(std::move(params),
           AdamOptions{.lr = o.lr,
                       .betas = o.betas,
                       .eps = o.eps,
                       .weight_decay = o.weight_decay,
                       .amsgrad = o.amsgrad},
           true, "AdamW") {}

}  // namespace tg::optim

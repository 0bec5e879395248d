#include "tapegrad/optim/rmsprop.hpp"

#include <fmt/format.h>

#include <cmath>

#include "tapegrad/autograd/error.hpp"

namespace tg::optim {

RMSprop::RMSprop(std::vector<Tensor> params, const RMSpropOptions& options)
    : Optimizer(std::move(params), options.lr, {"square_avg", "momentum_buffer", "grad_avg"},
                "RMSprop"),
      options_(options) {
  const auto& o = options;
  if (!(o.alpha >= 0 && o.eps >= 0 && o.weight_decay >= 0 && o.momentum >= 0))
    throw ValueError(fmt::format(
        "RMSprop: alpha ({}), eps ({}), weight_decay ({}) and momentum ({}) must be >= 0", o.alpha,
        o.eps, o.weight_decay, o.momentum));
}

void RMSprop::step() {
  const RMSpropOptions& o = options_;
  const double lr = this->lr();
  const double a = o.alpha;
  for_each_with_grad([&](std::size_t i, const Tensor& grad) {
    visit_dtype(grad.dtype(), [&]<class T>() {
      T* p = params_[i].data<T>();
      T* v = buffers_[i][0].data<T>();
      T* buf = buffers_[i][1].data<T>();
      T* gavg = buffers_[i][2].data<T>();
      const T* g = grad.data<T>();
      const int64_t n = grad.numel();
      for (int64_t j = 0; j < n; ++j) {
        const T gj = o.weight_decay != 0 ? g[j] + T(o.weight_decay) * p[j] : g[j];
        v[j] = v[j] * T(a) + T(1 - a) * gj * gj;
        T denom;
        if (o.centered) {
          gavg[j] = gavg[j] * T(a) + T(1 - a) * gj;
          denom = std::sqrt(v[j] - gavg[j] * gavg[j]) + T(o.eps);
        } else {
          denom = std::sqrt(v[j]) + T(o.eps);
        }
        if (o.momentum > 0) {
          buf[j] = buf[j] * T(o.momentum) + gj / denom;
          p[j] += T(-lr) * buf[j];
        } else {
          p[j] += T(-lr) * (gj / denom);
        }
      }
    });
  });
}

}  // namespace tg::optim

#include "tapegrad/optim/sgd.hpp"

#include <fmt/format.h>

#include "tapegrad/autograd/error.hpp"

namespace tg::optim {

SGD::SGD(std::vector<Tensor> params, const SGDOptions& options)
    : Optimizer(std::move(params), options.lr, {"momentum_buffer"}, "SGD"), options_(options) {
  if (options.momentum < 0 || options.weight_decay < 0)
    throw ValueError(fmt::format("SGD: momentum ({}) and weight_decay ({}) must be >= 0",
                                 options.momentum, options.weight_decay));
  if (options.nesterov && (options.momentum <= 0 || options.dampening != 0))
    throw ValueError("SGD: Nesterov momentum requires momentum > 0 and dampening = 0");
}

void SGD::step() {
  const SGDOptions& o = options_;
  const double lr = this->lr();
  for_each_with_grad([&](std::size_t i, const Tensor& grad) {
    const bool first = steps_[i] == 1;
    visit_dtype(grad.dtype(), [&]<class T>() {
      T* p = params_[i].data<T>();
      T* buf = buffers_[i][0].data<T>();
      const T* g = grad.data<T>();
      const int64_t n = grad.numel();
      for (int64_t j = 0; j < n; ++j) {
        T d = o.weight_decay != 0 ? g[j] + T(o.weight_decay) * p[j] : g[j];
        if (o.momentum != 0) {
          buf[j] = first ? d : T(o.momentum) * buf[j] + T(1 - o.dampening) * d;
          d = o.nesterov ? d + T(o.momentum) * buf[j] : buf[j];
        }
        p[j] += T(-lr) * d;
      }
    });
  });
}

}  // namespace tg::optim

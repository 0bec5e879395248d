// SGD with momentum, dampening, Nesterov momentum and L2 weight decay, with torch's
// update (torch.optim.SGD, 1.13):
//   d = g + wd·p
//   b = d on the first step, else μ·b + (1 − τ)·d        (with momentum μ ≠ 0)
//   d = d + μ·b (Nesterov) or d = b
//   p = p − lr·d
#pragma once
#include "tapegrad/optim/optimizer.hpp"

namespace tg::optim {

struct SGDOptions {
  double lr = 1e-3;
  double momentum = 0;
  double dampening = 0;
  double weight_decay = 0;
  bool nesterov = false;
};

class SGD : public Optimizer {
 public:
  SGD(std::vector<Tensor> params, const SGDOptions& options = {});
  void step() override;
  const SGDOptions& options() const { return options_; }

 private:
  SGDOptions options_;
};

}  // namespace tg::optim

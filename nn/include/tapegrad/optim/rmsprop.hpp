// RMSprop with torch's update (torch.optim.RMSprop, 1.13):
//   g = g + wd·p
//   v = α·v + (1 − α)·g²
//   centered: ḡ = α·ḡ + (1 − α)·g,  d = √(v − ḡ²) + ε;   else d = √v + ε
//   momentum μ > 0: b = μ·b + g/d, p = p − lr·b;   else p = p − lr·g/d
#pragma once
#include "tapegrad/optim/optimizer.hpp"

namespace tg::optim {

struct RMSpropOptions {
  double lr = 1e-2;
  double alpha = 0.99;
  double eps = 1e-8;
  double weight_decay = 0;
  double momentum = 0;
  bool centered = false;
};

class RMSprop : public Optimizer {
 public:
  RMSprop(std::vector<Tensor> params, const RMSpropOptions& options = {});
  void step() override;
  const RMSpropOptions& options() const { return options_; }

 private:
  RMSpropOptions options_;
};

}  // namespace tg::optim

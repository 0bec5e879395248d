// Adam and AdamW with torch's update (torch.optim.Adam / AdamW, 1.13), at step t:
//   Adam:  g = g + wd·p                    AdamW: p = p·(1 − lr·wd)
//   m = β1·m + (1 − β1)·g
//   v = β2·v + (1 − β2)·g²
//   v̂ = max(v̂, v) with amsgrad, else v̂ = v
//   p = p − lr/(1 − β1ᵗ) · m / (√v̂ / √(1 − β2ᵗ) + ε)
#pragma once
#include "tapegrad/optim/optimizer.hpp"

namespace tg::optim {

struct Betas {
  double beta1 = 0.9;
  double beta2 = 0.999;
};

struct AdamOptions {
  double lr = 1e-3;
  Betas betas = {};
  double eps = 1e-8;
  double weight_decay = 0;
  bool amsgrad = false;
};

/// AdamW's defaults differ from Adam's only in weight_decay (1e-2, as in torch).
struct AdamWOptions {
  double lr = 1e-3;
  Betas betas = {};
  double eps = 1e-8;
  double weight_decay = 1e-2;
  bool amsgrad = false;
};

class Adam : public Optimizer {
 public:
  Adam(std::vector<Tensor> params, const AdamOptions& options = {});
  void step() override;
  const AdamOptions& options() const { return options_; }

 protected:
  Adam(std::vector<Tensor> params, const AdamOptions& options, bool decoupled, const char* kind);

 private:
  AdamOptions options_;
  bool decoupled_weight_decay_ = false;
};

/// Adam with decoupled weight decay.
class AdamW : public Adam {
 public:
  AdamW(std::vector<Tensor> params, const AdamWOptions& options = {});
};

}  // namespace tg::optim

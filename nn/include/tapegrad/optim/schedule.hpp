// Learning-rate schedules, as torch.optim.lr_scheduler (closed forms). Each is built on
// an optimiser, remembers its learning rate as the base, and sets lr(epoch) on every
// `step()`; call it once per epoch (or per iteration), after `optimizer.step()`.
#pragma once
#include <cstdint>

#include "tapegrad/optim/optimizer.hpp"

namespace tg::optim {

class LRScheduler {
 public:
  explicit LRScheduler(Optimizer& optimizer);
  virtual ~LRScheduler() = default;
  /// Advances the epoch and sets the optimiser's learning rate for it.
  void step();
  int64_t epoch() const { return epoch_; }
  double base_lr() const { return base_lr_; }
  /// The learning rate at `epoch`.
  virtual double lr_at(int64_t epoch) const = 0;

 private:
  Optimizer* optimizer_;
  double base_lr_;
  int64_t epoch_ = 0;
};

/// base · γ^⌊epoch / step_size⌋ (StepLR).
class StepLR : public LRScheduler {
 public:
  StepLR(Optimizer& optimizer, int64_t step_size, double gamma = 0.1);
  double lr_at(int64_t epoch) const override;

 private:
  int64_t step_size_;
  double gamma_;
};

/// base · γ^epoch (ExponentialLR).
class ExponentialLR : public LRScheduler {
 public:
  ExponentialLR(Optimizer& optimizer, double gamma);
  double lr_at(int64_t epoch) const override;

 private:
  double gamma_;
};

/// η_min + (base − η_min)·(1 + cos(π·epoch/T_max))/2 (CosineAnnealingLR).
class CosineAnnealingLR : public LRScheduler {
 public:
  CosineAnnealingLR(Optimizer& optimizer, int64_t t_max, double eta_min = 0);
  double lr_at(int64_t epoch) const override;

 private:
  int64_t t_max_;
  double eta_min_;
};

/// base · (start + (end − start)·min(epoch, total)/total) (LinearLR): a linear decay
/// (or warm-up) over `total_iters` epochs, then constant.
class LinearLR : public LRScheduler {
 public:
  LinearLR(Optimizer& optimizer, double start_factor = 1.0 / 3, double end_factor = 1.0,
           int64_t total_iters = 5);
  double lr_at(int64_t epoch) const override;

 private:
  double start_;
  double end_;
  int64_t total_;
};

}  // namespace tg::optim

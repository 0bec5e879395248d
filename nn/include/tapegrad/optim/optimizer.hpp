// Optimizer: the base of SGD, Adam, AdamW and RMSprop.
//
// Each optimiser keeps, per parameter, a step count and a fixed list of named buffers
// (Adam's exp_avg, ...), created as zeros of the parameter's shape and dtype. That
// uniform layout is what checkpoints save: "lr", "state.<i>.step" and
// "state.<i>.<buffer>" for parameter i. A parameter whose `.grad()` is undefined is
// skipped by `step()` (its step count does not advance), as in torch.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "tapegrad/autograd/tensor.hpp"

namespace tg::optim {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

class Optimizer {
 public:
  Optimizer(std::vector<Tensor> params, double lr, std::vector<std::string> buffer_names,
            const char* kind);
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  /// Drops every parameter's accumulated gradient.
  void zero_grad();
  /// One update of every parameter that has a gradient.
  virtual void step() = 0;

  double lr() const { return lr_; }
  void set_lr(double lr) { lr_ = lr; }
  const std::vector<Tensor>& params() const { return params_; }
  const char* kind() const { return kind_; }

  /// The state a checkpoint saves (see the note at the top of this header).
  NamedTensors state() const;
  /// Restores `state()`; throws tg::IoError naming missing keys or mismatched shapes
  /// (and changes nothing then).
  void load_state(const NamedTensors& state);

  /// Parameter i's step count and buffer k (for tests and inspection).
  int64_t step_count(std::size_t i) const { return steps_.at(i); }
  const Tensor& buffer(std::size_t i, std::size_t k) const { return buffers_.at(i).at(k); }

 protected:
  /// Runs `update(i, grad)` for every parameter i with a gradient, after advancing its
  /// step count; bumps the parameter's version afterwards.
  template <class F>
  void for_each_with_grad(F&& update) {
    for (std::size_t i = 0; i < params_.size(); ++i) {
      const Tensor g = params_[i].grad();
      if (!g.defined()) continue;
      ++steps_[i];
      update(i, g);
      params_[i].bump_version();
    }
  }

  std::vector<Tensor> params_;
  std::vector<int64_t> steps_;
  std::vector<std::vector<Tensor>> buffers_;  ///< [param][buffer]

 private:
  double lr_;
  std::vector<std::string> buffer_names_;
  const char* kind_;
};

}  // namespace tg::optim

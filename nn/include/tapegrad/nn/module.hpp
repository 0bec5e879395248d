// Module: the base of every layer. A module owns named parameters (trainable leaves),
// named buffers (state that is saved but not trained, such as BatchNorm's running
// statistics) and named submodules, so that `named_parameters()` walks the tree and
// gives stable dotted names like `net.0.weight`, the keys of a checkpoint.
//
// Note [Parameter handles]: a layer keeps its parameters as public Tensor members
// (`linear.weight`) and the module's registry holds handles on the same TensorImpl.
// Optimisers hold handles too. Everything that changes a parameter therefore changes
// it in place (optimiser steps write into its storage; `to()` swaps the storage of the
// one TensorImpl), so every handle always sees the same values.
#pragma once
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tapegrad/autograd/tensor.hpp"

namespace tg::nn {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

class Module {
 public:
  Module() = default;
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;
  Module(Module&&) = default;
  Module& operator=(Module&&) = default;

  virtual Tensor forward(const Tensor& x) = 0;
  Tensor operator()(const Tensor& x) { return forward(x); }

  /// Every parameter of this module and its submodules, registration order, depth first.
  std::vector<Tensor> parameters() const;
  /// The same with dotted names ("0.weight", "encoder.1.bias").
  NamedTensors named_parameters() const;
  /// Buffers (not trained, but saved by checkpoints), with dotted names.
  NamedTensors named_buffers() const;
  /// Parameters then buffers: what a checkpoint stores.
  NamedTensors state() const;
  /// Direct submodules with their names.
  const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& named_children() const {
    return children_;
  }

  /// Training mode (the default) or evaluation mode, for this module and every submodule.
  /// Dropout and BatchNorm1d behave differently in the two.
  void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }

  /// Drops the accumulated gradient of every parameter.
  void zero_grad();
  /// Turns recording for every parameter on or off (freezing a GAN's discriminator
  /// during the generator's step saves its weight gradients).
  Module& requires_grad_(bool on = true);
  /// Converts every parameter and buffer to `dtype` in place (see Note [Parameter
  /// handles]); accumulated gradients are dropped. Call it before building graphs and
  /// before making an optimiser (whose state takes the parameters' dtype).
  Module& to(Dtype dtype);

 protected:
  /// Registers `values` as a parameter (detached, requires_grad) and returns its handle.
  Tensor register_parameter(const std::string& name, const Tensor& values);
  /// Registers a buffer (no gradient) and returns its handle.
  Tensor register_buffer(const std::string& name, const Tensor& values);
  template <class M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> module) {
    add_child(name, module);
    return module;
  }

 private:
  void add_child(const std::string& name, std::shared_ptr<Module> module);
  void check_new_name(const std::string& name) const;
  void collect(const std::string& prefix, bool buffers, NamedTensors& out) const;

  NamedTensors params_;
  NamedTensors buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
};

}  // namespace tg::nn

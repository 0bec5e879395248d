// Activation functions: an enum for builders (MLP, initialiser gains) and one module per
// activation.
#pragma once
#include <limits>
#include <memory>
#include <string_view>

#include "tapegrad/nn/module.hpp"

namespace tg::nn {

enum class Activation { ReLU, LeakyReLU, Tanh, Sigmoid, ELU, SiLU, GELU, Softplus, Identity };

/// "relu", "leaky_relu", ...
std::string_view activation_name(Activation a);

/// Marks "use the activation's default parameter" (LeakyReLU slope 0.01, ELU alpha 1).
inline constexpr double kDefaultParam = std::numeric_limits<double>::quiet_NaN();

/// Applies `a` to x. `param` is LeakyReLU's negative slope or ELU's alpha (ignored by the
/// others). GELU is the tanh approximation (torch's approximate="tanh").
Tensor activate(const Tensor& x, Activation a, double param = kDefaultParam);

/// The initialiser gain for `a`: torch.nn.init.calculate_gain where torch defines one
/// (Identity and Sigmoid 1, Tanh 5/3, ReLU √2, LeakyReLU √(2/(1+slope²))). torch has
/// none for ELU, SiLU, GELU and Softplus; being ReLU-shaped, they get √2 here.
double gain(Activation a, double param = kDefaultParam);

/// One activation as a module (no parameters).
class ActivationLayer : public Module {
 public:
  explicit ActivationLayer(Activation a, double param = kDefaultParam) : kind_(a), param_(param) {}
  Tensor forward(const Tensor& x) override { return activate(x, kind_, param_); }
  Activation kind() const { return kind_; }
  double param() const { return param_; }

 private:
  Activation kind_;
  double param_;
};

/// A module for `a` (used by builders).
std::shared_ptr<Module> make_activation(Activation a, double param = kDefaultParam);

// Named activation modules, as in torch.nn.
struct ReLU : ActivationLayer {
  ReLU() : ActivationLayer(Activation::ReLU) {}
};
struct LeakyReLU : ActivationLayer {
  explicit LeakyReLU(double negative_slope = 0.01)
      : ActivationLayer(Activation::LeakyReLU, negative_slope) {}
};
struct Tanh : ActivationLayer {
  Tanh() : ActivationLayer(Activation::Tanh) {}
};
struct Sigmoid : ActivationLayer {
  Sigmoid() : ActivationLayer(Activation::Sigmoid) {}
};
struct ELU : ActivationLayer {
  explicit ELU(double alpha = 1.0) : ActivationLayer(Activation::ELU, alpha) {}
};
struct SiLU : ActivationLayer {
  SiLU() : ActivationLayer(Activation::SiLU) {}
};
struct GELU : ActivationLayer {
  GELU() : ActivationLayer(Activation::GELU) {}
};
struct Softplus : ActivationLayer {
  Softplus() : ActivationLayer(Activation::Softplus) {}
};
struct Identity : ActivationLayer {
  Identity() : ActivationLayer(Activation::Identity) {}
};

}  // namespace tg::nn

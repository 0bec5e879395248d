#include "tapegrad/nn/activation.hpp"

#include <fmt/format.h>

#include <cmath>

#include "tapegrad/autograd/error.hpp"
#include "tapegrad/autograd/ops/elementwise.hpp"

namespace tg::nn {

namespace {
double param_or(double param, double fallback) { return std::isnan(param) ? fallback : param; }
}  // namespace

std::string_view activation_name(Activation a) {
  switch (a) {
    case Activation::ReLU:
      return "relu";
    case Activation::LeakyReLU:
      return "leaky_relu";
    case Activation::Tanh:
      return "tanh";
    case Activation::Sigmoid:
      return "sigmoid";
    case Activation::ELU:
      return "elu";
    case Activation::SiLU:
      return "silu";
    case Activation::GELU:
      return "gelu";
    case Activation::Softplus:
      return "softplus";
    case Activation::Identity:
      return "identity";
  }
  throw ValueError(fmt::format("activation_name: unknown activation {}", static_cast<int>(a)));
}

Tensor activate(const Tensor& x, Activation a, double param) {
  switch (a) {
    case Activation::ReLU:
      return relu(x);
    case Activation::LeakyReLU:
      return leaky_relu(x, param_or(param, 0.01));
    case Activation::Tanh:
      return tanh(x);
    case Activation::Sigmoid:
      return sigmoid(x);
    case Activation::ELU:
      return elu(x, param_or(param, 1.0));
    case Activation::SiLU:
      return silu(x);
    case Activation::GELU:
      return gelu(x, GeluApproximate::Tanh);
    case Activation::Softplus:
      return softplus(x);
    case Activation::Identity:
      return x;
  }
  throw ValueError(fmt::format("activate: unknown activation {}", static_cast<int>(a)));
}

double gain(Activation a, double param) {
  switch (a) {
    case Activation::Identity:
    case Activation::Sigmoid:
      return 1.0;
    case Activation::Tanh:
      return 5.0 / 3.0;
    case Activation::LeakyReLU: {
      const double slope = param_or(param, 0.01);
      return std::sqrt(2.0 / (1.0 + slope * slope));
    }
    case Activation::ReLU:
    case Activation::ELU:
    case Activation::SiLU:
    case Activation::GELU:
    case Activation::Softplus:
      return std::sqrt(2.0);
  }
  throw ValueError(fmt::format("gain: unknown activation {}", static_cast<int>(a)));
}

std::shared_ptr<Module> make_activation(Activation a, double param) {
  return std::make_shared<ActivationLayer>(a, param);
}

}  // namespace tg::nn

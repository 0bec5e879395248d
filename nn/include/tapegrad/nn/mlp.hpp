// MLP: Linear, activation, Linear, activation, ..., Linear (and an optional output
// activation), as a Sequential, so its parameters are named "0.weight", "0.bias",
// "2.weight", ...
//
//   tg::nn::MLP net({2, 128, 128, 1}, tg::nn::Activation::ReLU, gen);
#pragma once
#include <vector>

#include "tapegrad/nn/linear.hpp"
#include "tapegrad/nn/sequential.hpp"

namespace tg::nn {

struct MLPOptions {
  /// LeakyReLU's slope or ELU's alpha for the hidden activation.
  double activation_param = kDefaultParam;
  /// Applied after the last Linear (Identity adds nothing).
  Activation output_activation = Activation::Identity;
  init::Scheme init = init::Scheme::TorchDefault;
  bool bias = true;
  Dtype dtype = kFloat32;
};

class MLP : public Sequential {
 public:
  /// `sizes` = {in, hidden..., out}: at least two entries, all positive.
  MLP(const std::vector<int64_t>& sizes, Activation activation, Generator& gen,
      const MLPOptions& options = {});
  /// The Linear layers, in order.
  const std::vector<std::shared_ptr<Linear>>& linears() const { return linears_; }

 private:
  std::vector<std::shared_ptr<Linear>> linears_;
};

}  // namespace tg::nn

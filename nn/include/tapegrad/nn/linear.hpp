// Linear: y = x Wᵀ + b, with torch's layout (weight [out, in]) and default init.
#pragma once
#include "tapegrad/autograd/random.hpp"
#include "tapegrad/nn/init.hpp"
#include "tapegrad/nn/module.hpp"

namespace tg::nn {

struct LinearOptions {
  bool bias = true;
  Dtype dtype = kFloat32;
  init::Scheme init = init::Scheme::TorchDefault;
  /// The activation that follows, for the Xavier/Kaiming gains.
  Activation activation = Activation::Identity;
  double activation_param = kDefaultParam;
};

class Linear : public Module {
 public:
  Linear(int64_t in_features, int64_t out_features, Generator& gen,
         const LinearOptions& options = {});
  /// x [..., in] -> [..., out].
  Tensor forward(const Tensor& x) override;
  int64_t in_features() const { return in_; }
  int64_t out_features() const { return out_; }

  Tensor weight;  ///< [out, in]
  Tensor bias;    ///< [out]; undefined without bias

 private:
  int64_t in_;
  int64_t out_;
};

}  // namespace tg::nn

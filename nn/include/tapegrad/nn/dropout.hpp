// Dropout (inverted): in training mode each value is zeroed with probability p and the
// survivors are scaled by 1/(1 − p), so evaluation mode is the identity. The mask comes
// from an explicit generator, which the module refers to (it must outlive the module).
#pragma once
#include "tapegrad/autograd/random.hpp"
#include "tapegrad/nn/module.hpp"

namespace tg::nn {

class Dropout : public Module {
 public:
  Dropout(double p, Generator& gen);
  Tensor forward(const Tensor& x) override;
  double p() const { return p_; }

 private:
  double p_;
  Generator* gen_;
};

}  // namespace tg::nn

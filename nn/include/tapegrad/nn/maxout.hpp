// Maxout (Goodfellow et al. 2013), as in the GAN paper's discriminator: k affine pieces
// per output unit, y_j = max_i (x W_ij + b_ij). The pieces are one Linear of out·k
// outputs ("linear.weight", "linear.bias"), with unit j's pieces at rows j·k … j·k + k − 1.
#pragma once
#include "tapegrad/autograd/random.hpp"
#include "tapegrad/nn/linear.hpp"

namespace tg::nn {

class Maxout : public Module {
 public:
  Maxout(int64_t in_features, int64_t out_features, int64_t pieces, Generator& gen,
         Dtype dtype = kFloat32);
  /// x [N, in] -> [N, out].
  Tensor forward(const Tensor& x) override;
  const std::shared_ptr<Linear>& linear() const { return linear_; }

 private:
  std::shared_ptr<Linear> linear_;
  int64_t out_;
  int64_t pieces_;
};

}  // namespace tg::nn

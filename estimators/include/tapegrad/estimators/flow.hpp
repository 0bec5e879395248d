// A normalising flow from nn::AffineCoupling layers over a standard-normal base, a
// Distribution and a Module. With z = f(x) = f_L ∘ … ∘ f_1(x) (the couplings' forward
// direction, masks alternating so every coordinate is transformed), the change of
// variables gives
//
//   log p(x) = log N(f(x); 0, I) + Σ_l log|det ∂f_l/∂(input of f_l)|,
//
// and sampling runs the inverses in reverse order on z ~ N(0, I): x = f_1⁻¹ ∘ … ∘ f_L⁻¹(z).
#pragma once
#include <memory>
#include <utility>
#include <vector>

#include "tapegrad/estimators/distribution.hpp"
#include "tapegrad/nn/coupling.hpp"

namespace tg::est {

class CouplingFlow : public nn::Module, public Distribution {
 public:
  /// `layers` couplings on `dim` >= 2 coordinates, checkerboard masks of alternating parity.
  CouplingFlow(int64_t dim, int64_t layers, Generator& gen,
               const nn::CouplingOptions& options = {});

  Tensor log_prob(const Tensor& x) const override;
  Tensor sample(int64_t n, Generator& gen) const override;
  int64_t dim() const override { return dim_; }
  Tensor forward(const Tensor& x) override { return log_prob(x); }

  /// z = f(x) and log|det ∂z/∂x| ([B]).
  std::pair<Tensor, Tensor> to_base(const Tensor& x) const;
  /// x = f⁻¹(z).
  Tensor from_base(const Tensor& z) const;

  const std::vector<std::shared_ptr<nn::AffineCoupling>>& layers() const { return layers_; }

 private:
  /// The parameters' dtype (follows Module::to).
  Dtype dtype() const { return parameters().front().dtype(); }

  std::vector<std::shared_ptr<nn::AffineCoupling>> layers_;
  int64_t dim_;
};

}  // namespace tg::est

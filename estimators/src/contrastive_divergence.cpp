#include "tapegrad/estimators/contrastive_divergence.hpp"

#include <fmt/format.h>

#include "energy_checks.hpp"
#include "tapegrad/autograd/error.hpp"
#include "tapegrad/autograd/ops/elementwise.hpp"
#include "tapegrad/autograd/ops/reduction.hpp"

namespace tg::est {

Tensor contrastive_divergence_loss(const Energy& energy, const Tensor& data,
                                   const Tensor& negatives) {
  const char* op = "contrastive_divergence_loss";
  detail::check_batch(op, data);
  detail::check_batch(op, negatives);
  if (negatives.size(1) != data.size(1))
    throw ShapeError(fmt::format("{}: data {} and negatives {} must have the same dimension D", op,
                                 data.shape().str(), negatives.shape().str()));
  return mean(detail::per_sample_energy(op, energy, data)) -
         mean(detail::per_sample_energy(op, energy, negatives.detach()));
}

Tensor contrastive_divergence(const Energy& energy, const Tensor& data, Generator& gen,
                              const LangevinOptions& chain) {
  detail::check_batch("contrastive_divergence", data);
  return contrastive_divergence_loss(energy, data, langevin(energy, data, gen, chain).samples);
}

Tensor persistent_contrastive_divergence(const Energy& energy, const Tensor& data,
                                         ReplayBuffer& buffer, Generator& gen,
                                         const LangevinOptions& chain) {
  detail::check_batch("persistent_contrastive_divergence", data);
  return contrastive_divergence_loss(energy, data,
                                     buffer.sample(energy, data.size(0), gen, chain).samples);
}

}  // namespace tg::est

#include "tapegrad/estimators/variational_ebm.hpp"

#include <fmt/format.h>

#include "energy_checks.hpp"
#include "tapegrad/autograd/error.hpp"
#include "tapegrad/autograd/ops/elementwise.hpp"
#include "tapegrad/autograd/ops/reduction.hpp"
#include "tapegrad/estimators/contrastive_divergence.hpp"

namespace tg::est {

VariationalEbmLosses variational_ebm_losses(const Energy& energy, const CouplingFlow& flow,
                                            const Tensor& data, Generator& gen) {
  const char* op = "variational_ebm_losses";
  detail::check_batch(op, data);
  if (data.size(1) != flow.dim())
    throw ShapeError(fmt::format("{}: data {} does not match the flow's dimension {}", op,
                                 data.shape().str(), flow.dim()));
  const Tensor y = flow.from_base(randn(data.shape(), gen, data.dtype()));
  Tensor energy_data = mean(detail::per_sample_energy(op, energy, data.detach()));
  Tensor sampler_loss = mean(detail::per_sample_energy(op, energy, y) + flow.log_prob(y));
  return {contrastive_divergence_loss(energy, data, y), sampler_loss, sampler_loss - energy_data};
}

}  // namespace tg::est

#include "tapegrad/estimators/flow_contrastive.hpp"

#include <fmt/format.h>

#include "energy_checks.hpp"
#include "tapegrad/autograd/error.hpp"
#include "tapegrad/autograd/grad_mode.hpp"
#include "tapegrad/autograd/ops/elementwise.hpp"
#include "tapegrad/autograd/ops/reduction.hpp"

namespace tg::est {

FlowContrastiveValue flow_contrastive_value(const Energy& energy, const Tensor& log_normaliser,
                                            const CouplingFlow& flow, const Tensor& data,
                                            Generator& gen) {
  const char* op = "flow_contrastive_value";
  detail::check_batch(op, data);
  if (data.size(1) != flow.dim())
    throw ShapeError(fmt::format("{}: data {} does not match the flow's dimension {}", op,
                                 data.shape().str(), flow.dim()));
  if (!log_normaliser.defined() || log_normaliser.numel() != 1)
    throw ShapeError(fmt::format(
        "{}: the log-normaliser must be a one-element tensor, got {}", op,
        log_normaliser.defined() ? log_normaliser.shape().str() : "an undefined tensor"));
  const Tensor c = log_normaliser.reshape({});
  auto log_odds = [&](const Tensor& x) {  // G = log p_θ − log q_α
    return -detail::per_sample_energy(op, energy, x) - c - flow.log_prob(x);
  };
  const Tensor y = flow.from_base(randn(data.shape(), gen, data.dtype()));
  const Tensor g_data = log_odds(data.detach()), g_flow = log_odds(y);
  // log σ(t) = −softplus(−t)
  Tensor value = -mean(softplus(-g_data)) - mean(softplus(g_flow));
  NoGradGuard counting;
  const double right = sum(g_data > 0.0).item<double>() + sum(g_flow < 0.0).item<double>();
  return {value, right / double(2 * data.size(0))};
}

FcePlayer fce_player_to_update(double accuracy, double threshold) {
  return accuracy > threshold ? FcePlayer::Flow : FcePlayer::Energy;
}

}  // namespace tg::est

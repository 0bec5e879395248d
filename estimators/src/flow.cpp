#include "tapegrad/estimators/flow.hpp"

#include <fmt/format.h>

#include <string>

#include "events.hpp"
#include "tapegrad/autograd/grad_mode.hpp"

namespace tg::est {

CouplingFlow::CouplingFlow(int64_t dim, int64_t layers, Generator& gen,
                           const nn::CouplingOptions& options)
    : dim_(dim) {
  if (dim < 2 || layers < 1)
    throw ValueError(fmt::format(
        "CouplingFlow: need dim >= 2 (a coupling passes half the coordinates through) and "
        "layers >= 1, got dim {} and layers {}",
        dim, layers));
  for (int64_t l = 0; l < layers; ++l)
    layers_.push_back(register_module(
        std::to_string(l), std::make_shared<nn::AffineCoupling>(
                               nn::AffineCoupling::checkerboard(dim, l % 2 == 1), gen, options)));
}

std::pair<Tensor, Tensor> CouplingFlow::to_base(const Tensor& x) const {
  detail::check_events("CouplingFlow", x, dim_, dtype());
  Tensor z = x;
  Tensor log_det;
  for (const auto& layer : layers_) {
    auto [y, ld] = layer->forward_and_log_det(z);
    z = y;
    log_det = log_det.defined() ? log_det + ld : ld;
  }
  return {z, log_det};
}

Tensor CouplingFlow::from_base(const Tensor& z) const {
  detail::check_events("CouplingFlow::from_base", z, dim_, dtype());
  Tensor x = z;
  for (auto layer = layers_.rbegin(); layer != layers_.rend(); ++layer) x = (*layer)->inverse(x);
  return x;
}

Tensor CouplingFlow::log_prob(const Tensor& x) const {
  auto [z, log_det] = to_base(x);
  return detail::standard_normal_log_prob(z) + log_det;
}

Tensor CouplingFlow::sample(int64_t n, Generator& gen) const {
  detail::check_sample_count("CouplingFlow::sample", n);
  NoGradGuard samples_are_data;
  return from_base(randn({n, dim_}, gen, dtype()));
}

}  // namespace tg::est

// Hessian-vector products on the estimators' energy network, both forms (forward.hpp):
//
//   hvp_reverse_d{16,64}   tg::hvp's default, reverse over reverse: ∇ₓ⟨∇ₓE, v⟩
//   hvp_forward_d{16,64}   forward over reverse: the JVP of x ↦ ∇ₓE along v
//
// E = Σ_b E(x_b) for the energy MLP D→128→128→1 with softplus on a batch of 128, float32;
// v is a fixed random direction. One step is one product.
#include <memory>

#include "tapegrad.hpp"
#include "workloads.hpp"

namespace tgbench {
namespace {

struct HvpState {
  HvpState(int64_t dim, tg::HvpMode mode)
      : gen(0),
        energy_net({dim, 128, 128, 1}, tg::nn::Activation::Softplus, gen),
        x(tg::randn({128, dim}, gen)),
        v(tg::randn({128, dim}, gen)),
        mode(mode) {}
  void step() {
    tg::hvp([this](const tg::TensorList& in) { return energy_net(in[0]).sum(); }, x, v,
            {.mode = mode});
  }
  tg::Generator gen;
  tg::nn::MLP energy_net;
  tg::Tensor x, v;
  tg::HvpMode mode;
};

Step hvp_step(int64_t dim, tg::HvpMode mode) {
  auto state = std::make_shared<HvpState>(dim, mode);
  return [state] { state->step(); };
}

}  // namespace

TG_REGISTER_WORKLOAD(hvp_reverse_d16) { return hvp_step(16, tg::HvpMode::ReverseOverReverse); }
TG_REGISTER_WORKLOAD(hvp_reverse_d64) { return hvp_step(64, tg::HvpMode::ReverseOverReverse); }
TG_REGISTER_WORKLOAD(hvp_forward_d16) { return hvp_step(16, tg::HvpMode::ForwardOverReverse); }
TG_REGISTER_WORKLOAD(hvp_forward_d64) { return hvp_step(64, tg::HvpMode::ForwardOverReverse); }

}  // namespace tgbench

// The reference GAN workloads (issue 12): one registered training step each, mirrored line
// for line by bench/torch_twin.py and bench/libtorch_bench.cpp.
//
//   gan_small   8-Gaussians ring, G 2→32→32→2, D 2→32→32→1, batch 64
//   gan_toy     the same with three hidden layers of 512, batch 256
//   gan_toy_gp  gan_toy plus the GAN-GP penalty λ = 10 (α per sample) on the D step
//   gan_mnist   G 100→1200→1200→784, D 784→1200→1200→1, batch 100; the data is one fixed
//               random batch, uniform on [0, 1)^784 (MNIST-shaped), drawn once at set-up
//
// All MLPs are ReLU with linear outputs; G's noise is N(0, I) (2-d for the ring GANs). A step
// is one tg::est::GameDriver step: one D update on softplus(−D(data)) + softplus(D(G(z)))
// with G(z) computed without recording (detached), plus the penalty if any, and one G update
// on softplus(−D(G(z'))) with D frozen and a fresh z'. Every optimiser is Adam with lr 1e-4,
// betas (0.5, 0.9).
#include <memory>

#include "gan_workload.hpp"
#include "workloads.hpp"

namespace tgbench {
namespace {

Step gan_workload(const GanSpec& spec) {
  auto state = std::make_shared<GanState>(spec);
  return [state] { state->driver.step(); };
}

}  // namespace

TG_REGISTER_WORKLOAD(gan_small) { return gan_workload(kGanSmall); }
TG_REGISTER_WORKLOAD(gan_toy) { return gan_workload(kGanToy); }
TG_REGISTER_WORKLOAD(gan_toy_gp) { return gan_workload(kGanToyGp); }
TG_REGISTER_WORKLOAD(gan_mnist) { return gan_workload(kGanMnist); }

}  // namespace tgbench

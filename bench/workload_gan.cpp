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
#include <vector>

#include "tapegrad.hpp"
#include "workloads.hpp"

namespace tgbench {
namespace {

const tg::optim::AdamOptions kAdam{.lr = 1e-4, .betas = {0.5, 0.9}};

struct GanSpec {
  int64_t data_dim;             ///< D's input and G's output
  int64_t noise_dim;            ///< G's input
  std::vector<int64_t> hidden;  ///< both players' hidden widths
  int64_t batch;
  double gp_lambda = 0;     ///< 0: no penalty
  bool fixed_data = false;  ///< one fixed uniform batch instead of the 8-Gaussians ring
};

std::vector<int64_t> layer_sizes(int64_t in, const std::vector<int64_t>& hidden, int64_t out) {
  std::vector<int64_t> sizes{in};
  sizes.insert(sizes.end(), hidden.begin(), hidden.end());
  sizes.push_back(out);
  return sizes;
}

struct GanState {
  explicit GanState(const GanSpec& spec)
      : gen(0),
        ring(tg::data::GaussianMixture::ring(8)),
        fixed_batch(spec.fixed_data ? tg::rand({spec.batch, spec.data_dim}, gen) : tg::Tensor{}),
        generator(layer_sizes(spec.noise_dim, spec.hidden, spec.data_dim), tg::nn::Activation::ReLU,
                  gen),
        discriminator(layer_sizes(spec.data_dim, spec.hidden, 1), tg::nn::Activation::ReLU, gen),
        opt_g(generator.parameters(), kAdam),
        opt_d(discriminator.parameters(), kAdam),
        driver(
            {generator, opt_g}, {discriminator, opt_d},
            [this, fixed = spec.fixed_data](int64_t n, tg::Generator& g) {
              return fixed ? fixed_batch : ring.sample(n, g);
            },
            [noise_dim = spec.noise_dim](int64_t n, tg::Generator& g) {
              return tg::randn({n, noise_dim}, g);
            },
            gen,
            {.batch_size = spec.batch,
             .penalty = spec.gp_lambda > 0
                            ? tg::est::penalty(tg::est::Penalty::GanGp, spec.gp_lambda)
                            : tg::est::PenaltyTerm{}}) {}

  tg::Generator gen;
  tg::data::GaussianMixture ring;
  tg::Tensor fixed_batch;
  tg::nn::MLP generator, discriminator;
  tg::optim::Adam opt_g, opt_d;
  tg::est::GameDriver driver;
};

Step gan_workload(const GanSpec& spec) {
  auto state = std::make_shared<GanState>(spec);
  return [state] { state->driver.step(); };
}

}  // namespace

TG_REGISTER_WORKLOAD(gan_small) {
  return gan_workload({.data_dim = 2, .noise_dim = 2, .hidden = {32, 32}, .batch = 64});
}
TG_REGISTER_WORKLOAD(gan_toy) {
  return gan_workload({.data_dim = 2, .noise_dim = 2, .hidden = {512, 512, 512}, .batch = 256});
}
TG_REGISTER_WORKLOAD(gan_toy_gp) {
  return gan_workload(
      {.data_dim = 2, .noise_dim = 2, .hidden = {512, 512, 512}, .batch = 256, .gp_lambda = 10});
}
TG_REGISTER_WORKLOAD(gan_mnist) {
  return gan_workload({.data_dim = 784,
                       .noise_dim = 100,
                       .hidden = {1200, 1200},
                       .batch = 100,
                       .fixed_data = true});
}

}  // namespace tgbench

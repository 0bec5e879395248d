// The reference GAN workloads' state (bench/workload_gan.cpp), shared with the
// data-parallel benchmark (bench/dist_bench.cpp): a spec, and the models, optimisers and
// game driver one training step runs.
#pragma once
#include <functional>
#include <memory>
#include <vector>

#include "tapegrad.hpp"

namespace tgbench {

inline const tg::optim::AdamOptions kAdam{.lr = 1e-4, .betas = {0.5, 0.9}};

struct GanSpec {
  int64_t data_dim;             ///< D's input and G's output
  int64_t noise_dim;            ///< G's input
  std::vector<int64_t> hidden;  ///< both players' hidden widths
  int64_t batch;
  double gp_lambda = 0;     ///< 0: no penalty
  bool fixed_data = false;  ///< one fixed uniform batch instead of the 8-Gaussians ring
};

/// The reference GAN workloads (bench/README.md).
inline const GanSpec kGanSmall{.data_dim = 2, .noise_dim = 2, .hidden = {32, 32}, .batch = 64};
inline const GanSpec kGanToy{
    .data_dim = 2, .noise_dim = 2, .hidden = {512, 512, 512}, .batch = 256};
inline const GanSpec kGanToyGp{
    .data_dim = 2, .noise_dim = 2, .hidden = {512, 512, 512}, .batch = 256, .gp_lambda = 10};
inline const GanSpec kGanMnist{
    .data_dim = 784, .noise_dim = 100, .hidden = {1200, 1200}, .batch = 100, .fixed_data = true};

inline std::vector<int64_t> layer_sizes(int64_t in, const std::vector<int64_t>& hidden,
                                        int64_t out) {
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
            {generator, opt_g,
             [this] {
               if (before_generator_step) before_generator_step();
             }},
            {discriminator, opt_d,
             [this] {
               if (before_discriminator_step) before_discriminator_step();
             }},
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
  /// Run between each player's backward and its optimiser step (empty: nothing).
  std::function<void()> before_generator_step, before_discriminator_step;
};

}  // namespace tgbench

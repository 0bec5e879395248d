// A small GAN game shared by the driver's tests and its fresh-process resume helper
// (game_resume.cpp): data on the 8-Gaussians ring, 2→16→16→2 generator and 2→16→16→1
// discriminator (tanh, so the penalty's double backprop is non-trivial), Adam with two
// learning rates, k = 2 discriminator steps per generator step, GAN-GP with λ = 1.
#pragma once
#include <cstdint>

#include "tapegrad/estimators/game.hpp"
#include "tapegrad/nn.hpp"

namespace tgtest {

struct SmallGame {
  explicit SmallGame(uint64_t seed, tg::est::Penalty penalty = tg::est::Penalty::GanGp)
      : rng(seed),
        ring(tg::data::GaussianMixture::ring(8)),
        g({2, 16, 16, 2}, tg::nn::Activation::Tanh, rng),
        d({2, 16, 16, 1}, tg::nn::Activation::Tanh, rng),
        opt_g(g.parameters(), {.lr = 1e-4, .betas = {0.5, 0.9}}),
        opt_d(d.parameters(), {.lr = 4e-4, .betas = {0.5, 0.9}}),
        driver(
            {g, opt_g}, {d, opt_d},
            [this](int64_t n, tg::Generator& gen) { return ring.sample(n, gen); },
            [](int64_t n, tg::Generator& gen) {
              return tg::randn({n, 2}, gen);
            },
            rng,
            {.batch_size = 32,
             .discriminator_steps = 2,
             .penalty = tg::est::penalty(penalty, 1.0)}) {}
  SmallGame(const SmallGame&) = delete;
  SmallGame& operator=(const SmallGame&) = delete;

  tg::Generator rng;
  tg::data::GaussianMixture ring;
  tg::nn::MLP g, d;
  tg::optim::Adam opt_g, opt_d;
  tg::est::GameDriver driver;
};

}  // namespace tgtest

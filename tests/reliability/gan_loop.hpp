// A small GAN training loop shared by the long-run memory and determinism tests, played by
// tg::est::GameDriver: 4→16→16→2 generator, 2→16→16→1 discriminator (tanh, so the penalty's
// double backprop goes through non-trivial second derivatives), Adam on both, the
// non-saturating generator cost and a penalty (GAN-GP by default) on the discriminator.
#pragma once
#include <cstdint>

#include "tapegrad/estimators/game.hpp"
#include "tapegrad/nn.hpp"

namespace tgtest {

struct GanLosses {
  double discriminator = 0;  ///< −V plus the penalty
  double generator = 0;
};

class GanLoop {
 public:
  static constexpr int64_t kBatch = 32;
  static constexpr int64_t kNoise = 4;
  static constexpr double kLambda = 10.0;

  explicit GanLoop(uint64_t seed, tg::est::Penalty penalty = tg::est::Penalty::GanGp)
      : gen_(seed),
        generator_({kNoise, 16, 16, 2}, tg::nn::Activation::Tanh, gen_),
        discriminator_({2, 16, 16, 1}, tg::nn::Activation::Tanh, gen_),
        opt_g_(generator_.parameters(), {.lr = 1e-3, .betas = {0.5, 0.9}}),
        opt_d_(discriminator_.parameters(), {.lr = 1e-3, .betas = {0.5, 0.9}}),
        driver_({generator_, opt_g_}, {discriminator_, opt_d_}, real_data,
                [](int64_t n, tg::Generator& gen) {
                  return tg::randn({n, kNoise}, gen);
                },
                gen_, {.batch_size = kBatch, .penalty = tg::est::penalty(penalty, kLambda)}) {}

  /// One discriminator step (with the penalty) and one generator step.
  GanLosses step() {
    const tg::est::StepRecord r = driver_.step();
    return {r.discriminator_loss[0] + r.penalty[0], r.generator_loss};
  }

 private:
  /// Real data: a Gaussian blob centred at (1, -1).
  static tg::Tensor real_data(int64_t n, tg::Generator& gen) {
    return tg::randn({n, 2}, gen, tg::kFloat32, 0.0, 0.1) +
           tg::from_vector(std::vector<float>{1.f, -1.f}, {2});
  }

  tg::Generator gen_;
  tg::nn::MLP generator_;
  tg::nn::MLP discriminator_;
  tg::optim::Adam opt_g_;
  tg::optim::Adam opt_d_;
  tg::est::GameDriver driver_;
};

}  // namespace tgtest

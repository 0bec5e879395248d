// A small GAN training loop shared by the long-run memory and determinism tests:
// 4→16→16→2 generator, 2→16→16→1 discriminator (tanh, so the penalty's double backprop
// goes through non-trivial second derivatives), Adam on both, the non-saturating
// generator cost and the GAN-GP penalty on the discriminator every step.
#pragma once
#include <cstdint>

#include "tapegrad/estimators/gan.hpp"
#include "tapegrad/estimators/gradient_penalty.hpp"
#include "tapegrad/nn.hpp"

namespace tg::test {

struct GanLosses {
  double discriminator = 0;
  double generator = 0;
};

class GanLoop {
 public:
  static constexpr int64_t kBatch = 32;
  static constexpr int64_t kNoise = 4;
  static constexpr double kLambda = 10.0;

  explicit GanLoop(uint64_t seed)
      : gen_(seed),
        generator_({kNoise, 16, 16, 2}, nn::Activation::Tanh, gen_),
        discriminator_({2, 16, 16, 1}, nn::Activation::Tanh, gen_),
        opt_g_(generator_.parameters(), {.lr = 1e-3, .betas = {0.5, 0.9}}),
        opt_d_(discriminator_.parameters(), {.lr = 1e-3, .betas = {0.5, 0.9}}) {}

  /// One discriminator step (with the penalty) and one generator step.
  GanLosses step() {
    // Real data: a Gaussian blob centred at (1, -1).
    Tensor real = randn({kBatch, 2}, gen_, kFloat32, 0.0, 0.1) +
                  from_vector(std::vector<float>{1.f, -1.f}, {2});
    Tensor z = randn({kBatch, kNoise}, gen_);
    const est::Critic critic = [this](const Tensor& x) { return discriminator_(x); };

    Tensor fake = generator_(z).detach();
    Tensor d_loss = est::discriminator_loss(critic(real), critic(fake)) +
                    est::penalty_term(est::Penalty::GanGp, critic, real, fake, kLambda, gen_);
    opt_d_.zero_grad();
    d_loss.backward();
    opt_d_.step();

    Tensor g_loss = est::generator_cost(critic(generator_(z)), est::GeneratorCost::NonSaturating);
    opt_g_.zero_grad();
    g_loss.backward();
    opt_g_.step();
    return {d_loss.item<double>(), g_loss.item<double>()};
  }

 private:
  Generator gen_;
  nn::MLP generator_;
  nn::MLP discriminator_;
  optim::Adam opt_g_;
  optim::Adam opt_d_;
};

}  // namespace tg::test

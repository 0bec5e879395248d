// End-to-end training workloads: one registered step each, mirrored line for line by
// bench/torch_twin.py (same shapes, optimiser and step structure) for compare_e2e.py.
//
//   gan_mlp32_b64      GAN on the 8-Gaussians ring, G 2→32→32→2, D 2→32→32→1, batch 64
//   gan_mlp128_b256    the same with 128-wide MLPs, batch 256
//   gangp_mlp128_b256  the same plus the GAN-GP penalty (double backprop every step)
//   mlp_mnist_b100     a 784→1200→1200→10 ReLU classifier, cross-entropy, batch 100
//
// A GAN step is one discriminator update on −V (non-saturating game, plus the penalty if
// any) and one generator update on E softplus(−a(G(z))); every optimiser is Adam with
// lr 1e-4, betas (0.5, 0.9).
#include <memory>

#include "tapegrad.hpp"
#include "workloads.hpp"

namespace tgbench {
namespace {

const tg::optim::AdamOptions kAdam{.lr = 1e-4, .betas = {0.5, 0.9}};

struct GanState {
  GanState(int64_t width, int64_t batch, bool penalty)
      : gen(0),
        ring(tg::data::GaussianMixture::ring(8)),
        generator({2, width, width, 2}, tg::nn::Activation::ReLU, gen),
        discriminator({2, width, width, 1}, tg::nn::Activation::ReLU, gen),
        opt_g(generator.parameters(), kAdam),
        opt_d(discriminator.parameters(), kAdam),
        batch(batch),
        penalty(penalty) {}

  void step() {
    // Discriminator: −V on a real and a (detached) fake batch, plus λ·GAN-GP.
    const tg::Tensor real = ring.sample(batch, gen);
    tg::Tensor fake;
    {
      tg::NoGradGuard no_grad;
      fake = generator(tg::randn({batch, 2}, gen));
    }
    tg::Tensor d_loss = tg::est::discriminator_loss(discriminator(real), discriminator(fake));
    if (penalty) {
      const tg::est::Critic critic = [this](const tg::Tensor& x) { return discriminator(x); };
      d_loss =
          d_loss + tg::est::penalty_term(tg::est::Penalty::GanGp, critic, real, fake, 1.0, gen);
    }
    opt_d.zero_grad();
    d_loss.backward();
    opt_d.step();

    // Generator: non-saturating cost through the discriminator.
    tg::Tensor g_cost =
        tg::est::generator_cost(discriminator(generator(tg::randn({batch, 2}, gen))),
                                tg::est::GeneratorCost::NonSaturating);
    opt_g.zero_grad();
    g_cost.backward();
    opt_g.step();
  }

  tg::Generator gen;
  tg::data::GaussianMixture ring;
  tg::nn::MLP generator, discriminator;
  tg::optim::Adam opt_g, opt_d;
  int64_t batch;
  bool penalty;
};

Step gan_workload(int64_t width, int64_t batch, bool penalty) {
  auto state = std::make_shared<GanState>(width, batch, penalty);
  return [state] { state->step(); };
}

/// A classifier step on a fixed random batch: mean −log softmax(f(x))[label], Adam.
struct MlpState {
  static constexpr int64_t kBatch = 100, kClasses = 10;
  MlpState()
      : gen(0),
        net({784, 1200, 1200, kClasses}, tg::nn::Activation::ReLU, gen),
        opt(net.parameters(), kAdam),
        x(tg::rand({kBatch, 784}, gen)) {
    labels.shape = tg::Shape{kBatch, 1};
    for (int64_t i = 0; i < kBatch; ++i) labels.values.push_back((i * 7) % kClasses);
  }

  void step() {
    // Cross-entropy: −mean_i log_softmax(logits)_i[y_i].
    const tg::Tensor logp = tg::log_softmax(net(x), 1);
    tg::Tensor loss = -tg::mean(tg::gather(logp, 1, labels));
    opt.zero_grad();
    loss.backward();
    opt.step();
  }

  tg::Generator gen;
  tg::nn::MLP net;
  tg::optim::Adam opt;
  tg::Tensor x;
  tg::Index labels;
};

}  // namespace

TG_REGISTER_WORKLOAD(gan_mlp32_b64) { return gan_workload(32, 64, false); }
TG_REGISTER_WORKLOAD(gan_mlp128_b256) { return gan_workload(128, 256, false); }
TG_REGISTER_WORKLOAD(gangp_mlp128_b256) { return gan_workload(128, 256, true); }
TG_REGISTER_WORKLOAD(mlp_mnist_b100) {
  auto state = std::make_shared<MlpState>();
  return [state] { state->step(); };
}

}  // namespace tgbench

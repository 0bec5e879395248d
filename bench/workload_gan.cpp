// End-to-end training workloads: one registered step each, mirrored line for line by
// bench/torch_twin.py (same shapes, optimiser and step structure) for compare_e2e.py.
//
//   gan_mlp32_b64      GAN on the 8-Gaussians ring, G 2→32→32→2, D 2→32→32→1, batch 64
//   gan_mlp128_b256    the same with 128-wide MLPs, batch 256
//   gangp_mlp128_b256  the same plus the GAN-GP penalty (double backprop every step)
//   mlp_mnist_b100     a 784→1200→1200→10 ReLU classifier, cross-entropy, batch 100
//
// A GAN step is one tg::est::GameDriver step: one discriminator update on −V
// (non-saturating game, plus the penalty if any) and one generator update on
// E softplus(−a(G(z))) with the discriminator frozen; every optimiser is Adam with lr 1e-4,
// betas (0.5, 0.9).
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
        driver(
            {generator, opt_g}, {discriminator, opt_d},
            [this](int64_t n, tg::Generator& g) { return ring.sample(n, g); },
            [](int64_t n, tg::Generator& g) {
              return tg::randn({n, 2}, g);
            },
            gen,
            {.batch_size = batch,
             .penalty = tg::est::penalty(penalty ? tg::est::Penalty::GanGp : tg::est::Penalty::None,
                                         1.0)}) {}

  tg::Generator gen;
  tg::data::GaussianMixture ring;
  tg::nn::MLP generator, discriminator;
  tg::optim::Adam opt_g, opt_d;
  tg::est::GameDriver driver;
};

Step gan_workload(int64_t width, int64_t batch, bool penalty) {
  auto state = std::make_shared<GanState>(width, batch, penalty);
  return [state] { state->driver.step(); };
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

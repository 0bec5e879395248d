// libtorch-bench: the LibTorch (C++ API, Debian libtorch-dev 1.13) twins of tapegrad-bench's
// reference workloads, with the same names, flags and JSON line (workloads.hpp):
//
//   libtorch-bench --workload gan_toy --json --threads T [--steps-per-run N]
//
//   gan_small, gan_toy, gan_toy_gp, gan_mnist   bench/workload_gan.cpp, step for step
//   sm_exact_d{2,16,64}   exact score matching by a loop of D torch::autograd::grad calls
//                         (LibTorch's C++ API has no is_grads_batched)
//   gemm_256, gemm_1024   one torch::mm of two N×N float32 tensors
//
// Built only with -DTAPEGRAD_BENCH_LIBTORCH=ON and when find_package(Torch) succeeds; one
// translation unit, because the torch headers are heavy.
#include <torch/torch.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <vector>

#include "workloads.hpp"

namespace tgbench {
namespace {

namespace F = torch::nn::functional;

enum class Act { ReLU, Softplus };

/// Linear, activation, ..., Linear: tg::nn::MLP with a hidden activation and a linear output.
torch::nn::Sequential mlp(const std::vector<int64_t>& sizes, Act act) {
  torch::nn::Sequential net;
  for (std::size_t i = 0; i + 1 < sizes.size(); ++i) {
    net->push_back(torch::nn::Linear(sizes[i], sizes[i + 1]));
    if (i + 2 < sizes.size()) {
      if (act == Act::ReLU)
        net->push_back(torch::nn::ReLU());
      else
        net->push_back(torch::nn::Softplus());
    }
  }
  return net;
}

std::vector<int64_t> layer_sizes(int64_t in, const std::vector<int64_t>& hidden, int64_t out) {
  std::vector<int64_t> sizes{in};
  sizes.insert(sizes.end(), hidden.begin(), hidden.end());
  sizes.push_back(out);
  return sizes;
}

void set_requires_grad(torch::nn::Module& m, bool on) {
  for (auto& p : m.parameters()) p.requires_grad_(on);
}

struct GanState {
  GanState(int64_t data_dim, int64_t noise_dim, const std::vector<int64_t>& hidden, int64_t batch,
           double gp_lambda, bool fixed_data)
      : noise_dim(noise_dim),
        batch(batch),
        gp_lambda(gp_lambda),
        g(mlp(layer_sizes(noise_dim, hidden, data_dim), Act::ReLU)),
        d(mlp(layer_sizes(data_dim, hidden, 1), Act::ReLU)),
        opt_g(g->parameters(), torch::optim::AdamOptions(1e-4).betas({0.5, 0.9})),
        opt_d(d->parameters(), torch::optim::AdamOptions(1e-4).betas({0.5, 0.9})) {
    if (fixed_data) fixed = torch::rand({batch, data_dim});
    // tg::data::GaussianMixture::ring(8): radius 2, component std 0.02.
    const torch::Tensor angles = torch::arange(8, torch::kFloat32) * (2 * M_PI / 8);
    ring_means = torch::stack({2 * torch::cos(angles), 2 * torch::sin(angles)}, 1);
  }

  torch::Tensor sample() {
    if (fixed.defined()) return fixed;
    return ring_means.index({torch::randint(8, {batch})}) + 0.02 * torch::randn({batch, 2});
  }

  void step() {
    const torch::Tensor real = sample();
    torch::Tensor fake;
    {
      torch::NoGradGuard no_grad;
      fake = g->forward(torch::randn({batch, noise_dim}));
    }
    torch::Tensor d_loss =
        F::softplus(-d->forward(real)).mean() + F::softplus(d->forward(fake)).mean();
    if (gp_lambda > 0) {
      const torch::Tensor alpha = torch::rand({batch, 1});
      const torch::Tensor x = (alpha * real + (1 - alpha) * fake).detach().requires_grad_();
      const torch::Tensor grad_x =
          torch::autograd::grad({d->forward(x).sum()}, {x}, {}, true, true)[0];
      const torch::Tensor gap = grad_x.flatten(1).norm(2, {1}) - 1.0;
      d_loss = d_loss + (gap * gap).mean() * gp_lambda;
    }
    opt_d.zero_grad();
    d_loss.backward();
    opt_d.step();
    opt_d.zero_grad();
    // D frozen as tg::est::GameDriver does (no gradient is written into D's weights).
    set_requires_grad(*d, false);
    const torch::Tensor g_cost =
        F::softplus(-d->forward(g->forward(torch::randn({batch, noise_dim})))).mean();
    opt_g.zero_grad();
    g_cost.backward();
    opt_g.step();
    set_requires_grad(*d, true);
  }

  int64_t noise_dim, batch;
  double gp_lambda;
  torch::nn::Sequential g, d;
  torch::optim::Adam opt_g, opt_d;
  torch::Tensor fixed, ring_means;
};

Step gan_workload(int64_t data_dim, int64_t noise_dim, const std::vector<int64_t>& hidden,
                  int64_t batch, double gp_lambda = 0, bool fixed_data = false) {
  auto state =
      std::make_shared<GanState>(data_dim, noise_dim, hidden, batch, gp_lambda, fixed_data);
  return [state] { state->step(); };
}

/// Exact score matching (bench/workload_score_matching.cpp): energy MLP D→128→128→1 with
/// softplus, batch 128 of N(0, I), Adam lr 1e-3, J = mean(½‖s‖² + tr ∇s), s = −∇ₓE, the
/// trace by D grad calls on the columns of s.
struct ScoreMatchingState {
  explicit ScoreMatchingState(int64_t dim)
      : energy(mlp({dim, 128, 128, 1}, Act::Softplus)),
        opt(energy->parameters(), torch::optim::AdamOptions(1e-3)),
        x0(torch::randn({128, dim})) {}

  void step() {
    const torch::Tensor x = x0.detach().requires_grad_();
    const torch::Tensor s =
        torch::autograd::grad({-energy->forward(x).sum()}, {x}, {}, true, true)[0];
    torch::Tensor trace = torch::zeros({x.size(0)});
    for (int64_t k = 0; k < x.size(1); ++k)
      trace = trace +
              torch::autograd::grad({s.select(1, k).sum()}, {x}, {}, true, true)[0].select(1, k);
    const torch::Tensor loss = (0.5 * (s * s).sum(1) + trace).mean();
    opt.zero_grad();
    loss.backward();
    opt.step();
  }

  torch::nn::Sequential energy;
  torch::optim::Adam opt;
  torch::Tensor x0;
};

Step score_matching(int64_t dim) {
  auto state = std::make_shared<ScoreMatchingState>(dim);
  return [state] { state->step(); };
}

Step gemm_workload(int64_t n) {
  const torch::Tensor a = torch::randn({n, n}), b = torch::randn({n, n});
  return [a, b] {
    torch::NoGradGuard no_grad;
    torch::Tensor c = torch::mm(a, b);
  };
}

}  // namespace

TG_REGISTER_WORKLOAD(gan_small) { return gan_workload(2, 2, {32, 32}, 64); }
TG_REGISTER_WORKLOAD(gan_toy) { return gan_workload(2, 2, {512, 512, 512}, 256); }
TG_REGISTER_WORKLOAD(gan_toy_gp) { return gan_workload(2, 2, {512, 512, 512}, 256, 10); }
TG_REGISTER_WORKLOAD(gan_mnist) { return gan_workload(784, 100, {1200, 1200}, 100, 0, true); }
TG_REGISTER_WORKLOAD(sm_exact_d2) { return score_matching(2); }
TG_REGISTER_WORKLOAD(sm_exact_d16) { return score_matching(16); }
TG_REGISTER_WORKLOAD(sm_exact_d64) { return score_matching(64); }
TG_REGISTER_WORKLOAD(gemm_256) { return gemm_workload(256); }
TG_REGISTER_WORKLOAD(gemm_1024) { return gemm_workload(1024); }

}  // namespace tgbench

int main(int argc, char** argv) {
  const tgbench::WorkloadArgs args = tgbench::parse_workload_args(argc, argv);
  if (args.workload.empty()) {
    std::fprintf(stderr,
                 "usage: libtorch-bench --workload NAME [--json] [--threads T] "
                 "[--steps-per-run N]\n");
    return 2;
  }
  if (args.threads > 0) torch::set_num_threads(args.threads);
  torch::manual_seed(0);
  return tgbench::run_workload(args, torch::get_num_threads(), "");
}

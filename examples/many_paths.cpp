// many_paths: GANs reach the data from a disjoint start ("Many Paths to Equilibrium: GANs
// Do Not Need to Decrease a Divergence at Every Step", Fedus et al., ICLR 2018, §4).
//
// The data lies on a k-dimensional linear subspace (a line, k = 1, or a plane, k = 2) of
// R^D: x = U·t, t ~ N(0, I_k), U an orthonormal D×k basis. The generator is affine,
// G(z) = W·z + b with z ~ N(0, I_k), so its samples lie on a k-dimensional affine subspace;
// it starts parallel to the data's and shifted off it by `--offset` along a direction
// orthogonal to U. The two supports are disjoint: the Jensen–Shannon divergence is log 2,
// constant, and gives no gradient — yet the GANs below move the generator onto the data,
// because the discriminator's gradient, not the divergence, drives the generator.
//
// Each method is a discriminator loss (−V, or the WGAN critic's −W) plus a penalty, and a
// generator cost (tg::est):
//   M-GAN       −V                         minimax     E −softplus(a(G(z)))
//   NS-GAN      −V                         non-sat.    E softplus(−a(G(z)))
//   NS-GAN-GP   −V + λ E(‖∇a(x̂)‖ − 1)²    non-sat.    (x̂ between data and samples)
//   DRAGAN-NS   −V + λ E(‖∇a(x̂)‖ − 1)²    non-sat.    (x̂ near the data)
//   WGAN-GP     −W + λ E(‖∇a(x̂)‖ − 1)²    −E a(G(z))
// over a grid of Adam learning rates and discriminator steps per generator step. The
// measure of success is the mean distance of the generator's samples to the data's
// subspace, ‖(I − UUᵀ)·G(z)‖, at the end; a run has converged when it is below
// `--threshold`.
//
//   many_paths                       # a line in D = 16, 5 methods × 3 rates × 2 D-steps (≈ 60 s)
//   many_paths --full                # a line and a plane, D = 2, 8, 32, 64, 3 seeds
#include <fmt/format.h>

#include <cmath>

#include "common/example.hpp"
#include "common/plot.hpp"
#include "tapegrad.hpp"
#include "tapegrad/autograd/parallel.hpp"

namespace {

namespace est = tg::est;

struct Method {
  std::string name;
  est::GeneratorCost cost;  ///< unused by WGAN-GP
  est::Penalty penalty;
  bool wasserstein = false;
};

const std::vector<Method> kMethods{
    {"M-GAN", est::GeneratorCost::Minimax, est::Penalty::None},
    {"NS-GAN", est::GeneratorCost::NonSaturating, est::Penalty::None},
    {"NS-GAN-GP", est::GeneratorCost::NonSaturating, est::Penalty::GanGp},
    {"DRAGAN-NS", est::GeneratorCost::NonSaturating, est::Penalty::DraganNs},
    {"WGAN-GP", est::GeneratorCost::NonSaturating, est::Penalty::WganGp, true}};

/// The data's subspace: an orthonormal basis U [D, k] (Gram–Schmidt on Gaussian columns)
/// and a unit direction orthogonal to it, for the generator's offset.
struct Manifold {
  tg::Tensor basis;       ///< U [D, k]
  tg::Tensor off_normal;  ///< [D], ‖·‖ = 1, Uᵀ·n = 0
};

Manifold make_manifold(int64_t d, int64_t k, tg::Generator& gen) {
  std::vector<std::vector<double>> vs;
  for (int64_t j = 0; j <= k; ++j) {  // k basis vectors and the normal
    auto v = tg::randn({d}, gen, tg::kFloat64).to_vector<double>();
    for (const auto& u : vs) {
      double dot = 0;
      for (int64_t i = 0; i < d; ++i) dot += v[static_cast<size_t>(i)] * u[static_cast<size_t>(i)];
      for (int64_t i = 0; i < d; ++i) v[static_cast<size_t>(i)] -= dot * u[static_cast<size_t>(i)];
    }
    double norm = 0;
    for (double x : v) norm += x * x;
    for (double& x : v) x /= std::sqrt(norm);
    vs.push_back(std::move(v));
  }
  std::vector<float> basis;  // row-major [D, k]
  for (int64_t i = 0; i < d; ++i)
    for (int64_t j = 0; j < k; ++j)
      basis.push_back(static_cast<float>(vs[static_cast<size_t>(j)][static_cast<size_t>(i)]));
  std::vector<float> normal(vs.back().begin(), vs.back().end());
  return {tg::from_vector(basis, {d, k}), tg::from_vector(normal, {d})};
}

/// Mean of ‖(I − UUᵀ)·x‖ over the rows of x.
double distance_to(const Manifold& m, const tg::Tensor& x) {
  const tg::Tensor residual = x - tg::matmul(tg::matmul(x, m.basis), m.basis.t());
  return tg::mean(tg::norm(residual, {1})).item<double>();
}

struct RunSettings {
  int64_t steps, batch, hidden;
  double offset, lambda;
};

/// One GAN run; returns the final mean distance of the generator's samples to the data.
double run(const Method& method, const Manifold& manifold, double lr, int64_t d_steps,
           const RunSettings& s, uint64_t seed) {
  tg::Generator gen(seed);
  const int64_t d = manifold.basis.size(0), k = manifold.basis.size(1);
  tg::nn::Linear generator(k, d, gen);
  {
    tg::NoGradGuard no_grad;  // start parallel to the data, `offset` off it
    generator.bias.copy_(manifold.off_normal * s.offset);
  }
  tg::nn::MLP disc({d, s.hidden, s.hidden, 1}, tg::nn::Activation::ReLU, gen);
  tg::optim::Adam opt_g(generator.parameters(), {.lr = lr, .betas = {0.5, 0.9}});
  tg::optim::Adam opt_d(disc.parameters(), {.lr = lr, .betas = {0.5, 0.9}});
  const est::Critic critic = [&](const tg::Tensor& x) { return disc(x); };
  auto data = [&] { return tg::matmul(tg::randn({s.batch, k}, gen), manifold.basis.t()); };
  auto noise = [&] { return tg::randn({s.batch, k}, gen); };

  for (int64_t step = 0; step < s.steps; ++step) {
    for (int64_t j = 0; j < d_steps; ++j) {
      const tg::Tensor real = data();
      tg::Tensor fake;
      {
        tg::NoGradGuard no_grad;
        fake = generator(noise());
      }
      const tg::Tensor base = method.wasserstein
                                  ? est::wasserstein_critic_loss(disc(real), disc(fake))
                                  : est::discriminator_loss(disc(real), disc(fake));
      tg::Tensor loss = base + est::penalty_term(method.penalty, critic, real, fake, s.lambda, gen);
      opt_d.zero_grad();
      loss.backward();
      opt_d.step();
    }
    const tg::Tensor a_fake = disc(generator(noise()));
    tg::Tensor cost = method.wasserstein ? est::wasserstein_generator_loss(a_fake)
                                         : est::generator_cost(a_fake, method.cost);
    opt_g.zero_grad();
    cost.backward();
    opt_g.step();
  }
  tg::NoGradGuard no_grad;
  return distance_to(manifold, generator(tg::randn({2000, k}, gen)));
}

}  // namespace

int main(int argc, char** argv) {
  tg::examples::Example ex("many_paths", "GANs from disjoint supports onto a linear manifold",
                           {.steps = 1000, .full_steps = 3000});
  std::vector<double> lrs{1e-3, 3e-3, 1e-2};
  std::vector<int64_t> d_steps{1, 5};
  std::vector<int64_t> dims{16};
  std::vector<int64_t> manifold_dims{1};
  int64_t seeds = 1;
  RunSettings s{0, 64, 64, 1.0, 10.0};
  double threshold = 0.1;
  ex.cli()
      .add_option("--lr", lrs, "Adam learning rates (both players)")
      ->check(CLI::PositiveNumber);
  ex.cli()
      .add_option("--d-steps", d_steps, "discriminator steps per generator step")
      ->check(CLI::PositiveNumber);
  ex.cli().add_option("--dims", dims, "ambient dimensions D")->check(CLI::Range(2, 4096));
  ex.cli()
      .add_option("--manifold", manifold_dims, "manifold dimensions k (1: line, 2: plane)")
      ->check(CLI::Range(1, 2));
  ex.cli().add_option("--seeds", seeds, "runs per grid cell")->check(CLI::PositiveNumber);
  ex.cli().add_option("--batch", s.batch, "batch size")->check(CLI::PositiveNumber);
  ex.cli().add_option("--hidden", s.hidden, "discriminator width")->check(CLI::PositiveNumber);
  ex.cli()
      .add_option("--offset", s.offset, "the generator's initial distance to the data")
      ->check(CLI::PositiveNumber);
  ex.cli()
      .add_option("--lambda", s.lambda, "gradient-penalty weight")
      ->check(CLI::NonNegativeNumber);
  ex.cli()
      .add_option("--threshold", threshold, "mean distance below which a run converged")
      ->check(CLI::PositiveNumber);
  if (auto rc = ex.parse(argc, argv)) return *rc;
  const auto& flags = ex.flags();
  s.steps = flags.steps;
  if (flags.full && ex.cli().count("--dims") == 0) dims = {2, 8, 32, 64};
  if (flags.full && ex.cli().count("--manifold") == 0) manifold_dims = {1, 2};
  if (flags.full && ex.cli().count("--seeds") == 0) seeds = 3;
  for (int64_t k : manifold_dims)
    for (int64_t d : dims)
      if (k >= d) {
        ex.say("many_paths: a {}-dimensional manifold needs D > {}, got D = {}", k, k, d);
        return 2;
      }

  // Grid columns: every (learning rate, D-steps) pair; rows: the methods.
  std::vector<std::string> columns;
  for (double lr : lrs)
    for (int64_t n : d_steps) columns.push_back(fmt::format("{:g}/{}", lr, n));
  const size_t cells = kMethods.size() * columns.size();
  const int64_t total = static_cast<int64_t>(manifold_dims.size() * dims.size() * cells) * seeds;
  ex.say("many_paths: {} steps, batch {}, offset {}, λ {}, {} runs, {} threads", s.steps, s.batch,
         s.offset, s.lambda, total, tg::get_num_threads());
  auto progress = ex.progress(total, "many_paths");
  auto log = ex.csv("runs.csv", {"k", "D", "method", "lr", "d_steps", "seed", "distance"});

  tg::examples::JsonObject metrics;
  metrics.add("steps", flags.steps).add("offset", s.offset).add("threshold", threshold);
  std::vector<std::string> method_names;
  for (const auto& m : kMethods) method_names.push_back(m.name);
  metrics.add("methods", method_names).add("lrs", lrs);
  metrics.add("d_steps", std::vector<double>(d_steps.begin(), d_steps.end()));
  std::vector<double> success(kMethods.size(), 0.0);  // converged runs per method
  std::vector<tg::examples::plot::Panel> maps;
  int64_t done = 0;
  for (int64_t k : manifold_dims) {
    for (int64_t d : dims) {
      tg::Generator manifold_gen(flags.seed + 1'000'003 * static_cast<uint64_t>(d * 3 + k));
      const Manifold manifold = make_manifold(d, k, manifold_gen);
      std::vector<double> distance(cells, 0.0), converged(cells, 0.0);  // mean over seeds
      for (size_t m = 0; m < kMethods.size(); ++m)
        for (size_t a = 0; a < lrs.size(); ++a)
          for (size_t b = 0; b < d_steps.size(); ++b)
            for (int64_t r = 0; r < seeds; ++r) {
              const double dist = run(kMethods[m], manifold, lrs[a], d_steps[b], s,
                                      flags.seed * 7919 + static_cast<uint64_t>(r));
              const size_t cell = m * columns.size() + a * d_steps.size() + b;
              distance[cell] += dist / static_cast<double>(seeds);
              const bool ok = dist < threshold;
              converged[cell] += (ok ? 1.0 : 0.0) / static_cast<double>(seeds);
              success[m] += ok ? 1.0 : 0.0;
              log.row(++done,
                      {static_cast<double>(k), static_cast<double>(d), static_cast<double>(m),
                       lrs[a], static_cast<double>(d_steps[b]), static_cast<double>(r), dist});
              progress.update(done, [&] {
                return fmt::format("k {} D {} {} lr {:g} d-steps {}: distance {:.3f}", k, d,
                                   kMethods[m].name, lrs[a], d_steps[b], dist);
              });
            }

      // The table, as text and as a figure.
      const std::string where = fmt::format("{} in D = {}", k == 1 ? "line" : "plane", d);
      ex.say("\nmean distance to the data's {} after {} steps (start {}; * converged, < {}):",
             where, s.steps, s.offset, threshold);
      ex.say("{:<11}{}", "lr/D-steps", fmt::format("{:>12}", fmt::join(columns, "  ")));
      for (size_t m = 0; m < kMethods.size(); ++m) {
        std::string row = fmt::format("{:<11}", kMethods[m].name);
        for (size_t c = 0; c < columns.size(); ++c) {
          const size_t cell = m * columns.size() + c;
          row += fmt::format("{:>11.3f}{}", distance[cell], converged[cell] >= 0.5 ? "*" : " ");
        }
        ex.say("{}", row);
      }
      const std::string key = fmt::format("distance_k{}_d{}", k, d);
      metrics.add(key, distance);
      std::vector<std::string> rows(method_names.rbegin(), method_names.rend());  // top to bottom
      tg::examples::plot::HeatMap h{.nx = static_cast<int64_t>(columns.size()),
                                    .ny = static_cast<int64_t>(kMethods.size()),
                                    .vmin = 0,
                                    .vmax = 1,
                                    .label = "converged",
                                    .x_categories = columns,
                                    .y_categories = rows,
                                    .annotate = true};
      for (size_t iy = 0; iy < kMethods.size(); ++iy)
        for (size_t c = 0; c < columns.size(); ++c)
          h.cell_labels.push_back(
              fmt::format("{:.3f}", distance[(kMethods.size() - 1 - iy) * columns.size() + c]));
      for (size_t iy = 0; iy < kMethods.size(); ++iy)  // row iy from the bottom
        for (size_t c = 0; c < columns.size(); ++c)
          h.values.push_back(converged[(kMethods.size() - 1 - iy) * columns.size() + c]);
      maps.push_back({.title = fmt::format("{}: mean distance to the data", where),
                      .xlabel = "learning rate / D steps per G step",
                      .ylabel = "",
                      .heat = h});
    }
  }
  progress.finish("");
  const double runs_per_method = static_cast<double>(total) / static_cast<double>(kMethods.size());
  for (size_t m = 0; m < kMethods.size(); ++m)
    metrics.add("success_" + kMethods[m].name, success[m] / runs_per_method);
  const int columns_of_maps = maps.size() > 1 ? 2 : 1;
  const int rows_of_maps = (static_cast<int>(maps.size()) + columns_of_maps - 1) / columns_of_maps;
  tg::examples::plot::save_png(maps, columns_of_maps, ex.path("success.png"), 900 * columns_of_maps,
                               520 * rows_of_maps);
  ex.picture("success.png", "share of converged runs per method and (learning rate, D-steps)");
  ex.finish(metrics);
  return 0;
}

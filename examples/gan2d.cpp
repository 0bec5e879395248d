// gan2d: a GAN learns eight Gaussians on a ring, in two dimensions.
//
// This is the distinguishability game of docs/estimators.md, played by two small MLPs:
//   discriminator  minimises  E_data softplus(−a(x)) + E_g softplus(a(x))  [+ a penalty]
//   generator      minimises  E_z f(a(G(z)))  with f chosen by --cost
// Every --snapshot steps it saves a picture: the discriminator's D(x) = σ(a(x)) as a
// blue→red background, the data in grey, the generator's samples in black.
//
//   gan2d --steps 3000 --cost ns --penalty gan-gp --lambda 1 --out out/gan2d
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <cmath>
#include <filesystem>
#include <map>

#include "common/canvas.hpp"
#include "common/progress.hpp"
#include "tapegrad.hpp"
#include "tapegrad/autograd/parallel.hpp"

namespace {

struct Config {
  int64_t steps = 3000;
  int64_t batch = 256;
  int64_t hidden = 128;
  std::string cost = "ns";
  std::string penalty = "none";
  double lambda = 1.0;
  double lr = 1e-3;
  uint64_t seed = 0;
  int64_t snapshot = 500;
  int threads = 0;
  std::string out = "out/gan2d";
};

// The data: eight isotropic Gaussians of std `kModeStd` on a circle of radius `kRadius`.
constexpr double kRadius = 2.0;
constexpr double kModeStd = 0.05;

/// Mode coverage, the standard summary for this task: a sample is "high quality" if it lies
/// within 3 std of its nearest mode; a mode is "covered" if it holds at least 1/4 of the
/// samples it would get under the data distribution.
struct Coverage {
  int modes = 0;
  double high_quality = 0;
};

Coverage coverage(const tg::Tensor& samples, const tg::Tensor& means) {
  const auto v = samples.to_vector<double>();
  const auto mu = means.to_vector<double>();
  const int64_t n = samples.size(0);
  std::vector<int64_t> per_mode(8, 0);
  int64_t good = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double x = v[static_cast<size_t>(2 * i)], y = v[static_cast<size_t>(2 * i + 1)];
    int best = 0;
    double best_d = 1e300;
    for (int k = 0; k < 8; ++k) {
      const double d =
          std::hypot(x - mu[static_cast<size_t>(2 * k)], y - mu[static_cast<size_t>(2 * k + 1)]);
      if (d < best_d) best_d = d, best = k;
    }
    if (best_d < 3 * kModeStd) ++good, ++per_mode[static_cast<size_t>(best)];
  }
  Coverage c;
  for (int64_t m : per_mode) c.modes += m >= n / 8 / 4 ? 1 : 0;
  c.high_quality = static_cast<double>(good) / static_cast<double>(n);
  return c;
}

void snapshot(const std::string& path, tg::nn::Module& disc, const tg::Tensor& real,
              const tg::Tensor& fake) {
  tg::examples::Canvas canvas(480, 3.0);
  {
    tg::NoGradGuard no_grad;
    // Evaluate D on the whole pixel grid in one batch.
    const int n = canvas.size();
    std::vector<float> grid;
    grid.reserve(static_cast<size_t>(n) * static_cast<size_t>(n) * 2);
    for (int r = 0; r < n; ++r)
      for (int c = 0; c < n; ++c) {
        grid.push_back(static_cast<float>((c + 0.5) / n * 6.0 - 3.0));
        grid.push_back(static_cast<float>(3.0 - (r + 0.5) / n * 6.0));
      }
    const auto d = tg::sigmoid(disc(tg::from_vector(grid, {int64_t{n} * n, 2}))).to_vector<float>();
    size_t i = 0;
    canvas.shade([&](double, double) { return tg::examples::diverging(d[i++]); });
  }
  canvas.grid();
  auto draw = [&](const tg::Tensor& pts, tg::examples::Rgb colour) {
    const auto v = pts.to_vector<float>();
    for (size_t i = 0; i + 1 < v.size(); i += 2) canvas.dot(v[i], v[i + 1], colour, 2);
  };
  draw(real, {150, 150, 150});
  draw(fake, {20, 20, 20});
  canvas.save_png(path);
}

}  // namespace

int main(int argc, char** argv) {
  Config cfg;
  CLI::App app{"gan2d: a GAN learns eight Gaussians on a ring"};
  app.add_option("--steps", cfg.steps, "training steps (one D and one G update each)")
      ->check(CLI::PositiveNumber);
  app.add_option("--batch", cfg.batch, "samples per batch")->check(CLI::PositiveNumber);
  app.add_option("--hidden", cfg.hidden, "width of both MLPs")->check(CLI::PositiveNumber);
  const std::map<std::string, tg::est::GeneratorCost> costs{
      {"minimax", tg::est::GeneratorCost::Minimax},
      {"ns", tg::est::GeneratorCost::NonSaturating},
      {"ml", tg::est::GeneratorCost::MaximumLikelihood}};
  const std::map<std::string, tg::est::Penalty> penalties{{"none", tg::est::Penalty::None},
                                                          {"wgan-gp", tg::est::Penalty::WganGp},
                                                          {"gan-gp", tg::est::Penalty::GanGp},
                                                          {"dragan", tg::est::Penalty::DraganNs}};
  app.add_option("--cost", cfg.cost, "generator cost")
      ->check(CLI::IsMember({"minimax", "ns", "ml"}));
  app.add_option("--penalty", cfg.penalty, "discriminator gradient penalty")
      ->check(CLI::IsMember({"none", "wgan-gp", "gan-gp", "dragan"}));
  app.add_option("--lambda", cfg.lambda, "penalty weight")->check(CLI::NonNegativeNumber);
  app.add_option("--lr", cfg.lr, "Adam learning rate (betas 0.5, 0.9)")->check(CLI::PositiveNumber);
  app.add_option("--seed", cfg.seed, "random seed");
  app.add_option("--snapshot", cfg.snapshot, "save a picture every N steps (0: only at the end)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--threads", cfg.threads, "worker threads (0: all cores)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--out", cfg.out, "output folder for pictures");
  CLI11_PARSE(app, argc, argv);

  if (cfg.threads > 0) tg::set_num_threads(cfg.threads);
  std::filesystem::create_directories(cfg.out);
  tg::Generator gen(cfg.seed);
  tg::nn::MLP generator({2, cfg.hidden, cfg.hidden, 2}, tg::nn::Activation::ReLU, gen);
  tg::nn::MLP discriminator({2, cfg.hidden, cfg.hidden, 1}, tg::nn::Activation::ReLU, gen);
  tg::optim::Adam opt_g(generator.parameters(), {.lr = cfg.lr, .betas = {0.5, 0.9}});
  tg::optim::Adam opt_d(discriminator.parameters(), {.lr = cfg.lr, .betas = {0.5, 0.9}});
  const auto cost = costs.at(cfg.cost);
  const auto penalty = penalties.at(cfg.penalty);
  const tg::est::Critic critic = [&](const tg::Tensor& x) { return discriminator(x); };
  const auto ring = tg::data::GaussianMixture::ring(8, kRadius, kModeStd);
  auto sample_data = [&](int64_t n) { return ring.sample(n, gen); };

  fmt::print("gan2d: {} steps, batch {}, cost {}, penalty {} (lambda {}), {} threads\n", cfg.steps,
             cfg.batch, cfg.cost, cfg.penalty, cfg.lambda, tg::get_num_threads());
  tg::examples::Progress progress(cfg.steps, "gan2d");
  const tg::Tensor fixed_z = tg::randn({1000, 2}, gen);
  const tg::Tensor shown_data = sample_data(1000);
  double loss_d = 0, loss_g = 0;
  for (int64_t step = 1; step <= cfg.steps; ++step) {
    // Discriminator: one step on −V (plus the penalty, by double backprop).
    tg::Tensor real = sample_data(cfg.batch);
    tg::Tensor fake;
    {
      tg::NoGradGuard no_grad;
      fake = generator(tg::randn({cfg.batch, 2}, gen));
    }
    tg::Tensor d_loss = tg::est::discriminator_loss(discriminator(real), discriminator(fake)) +
                        tg::est::penalty_term(penalty, critic, real, fake, cfg.lambda, gen);
    opt_d.zero_grad();
    d_loss.backward();
    opt_d.step();

    // Generator: one step on E f(a(G(z))).
    tg::Tensor g_cost =
        tg::est::generator_cost(discriminator(generator(tg::randn({cfg.batch, 2}, gen))), cost);
    opt_g.zero_grad();
    g_cost.backward();
    opt_g.step();

    loss_d = d_loss.item<double>();
    loss_g = g_cost.item<double>();
    const bool last = step == cfg.steps;
    if (step % 100 == 0 || last) {
      tg::NoGradGuard no_grad;
      const Coverage c = coverage(generator(fixed_z), ring.means());
      const std::string values =
          fmt::format("D loss {:7.4f}  G cost {:7.4f}  modes {}/8  high-quality {:5.1f}%", loss_d,
                      loss_g, c.modes, 100 * c.high_quality);
      if (last)
        progress.finish(values);
      else
        progress.report(step, values);
    }
    if ((cfg.snapshot > 0 && step % cfg.snapshot == 0) || last) {
      tg::NoGradGuard no_grad;
      const std::string path = fmt::format("{}/step_{:06d}.png", cfg.out, step);
      snapshot(path, discriminator, shown_data, generator(fixed_z));
      if (last)
        fmt::print("pictures: {}/step_*.png (background: D(x), grey: data, black: G(z))\n",
                   cfg.out);
    }
  }
  return 0;
}

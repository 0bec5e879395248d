// gan2d: a GAN learns a mixture of Gaussians in two dimensions: the literature's ring
// (8 modes on a circle of radius 2, std 0.02) or grid (25 modes at 2·{−2..2}², std 0.05).
//
// This is the distinguishability game of docs/estimators.md, played by two small MLPs
// through tg::est::GameDriver (docs/estimators/driver.md):
//   discriminator  minimises  E_data softplus(−a(x)) + E_g softplus(a(x))  [+ a penalty]
//   generator      minimises  E_z f(a(G(z)))  with f chosen by --cost
// or, with --loss wgan, the Wasserstein critic and generator losses. Every 100 steps it
// reports mode coverage as PacGAN/VEEGAN define it (docs/estimators/evaluation.md) on
// --samples generator samples; every --snapshot steps it saves a picture (the
// discriminator's D(x) = σ(a(x)) as a blue→red background, the data in grey, the
// generator's samples in black) and, with --checkpoint, the whole run (--resume continues it).
//
//   gan2d --steps 3000 --cost ns --penalty gan-gp --lambda 1 --out out/gan2d
//   gan2d --dataset grid --loss wgan --penalty wgan-gp --lambda 0.1 --d-steps 5
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
  std::string dataset = "ring";
  int64_t steps = 3000;
  int64_t batch = 256;
  int64_t hidden = 128;
  std::string loss = "gan";
  std::string cost = "ns";
  std::string penalty = "none";
  double lambda = 1.0;
  int64_t d_steps = 1;
  double lr = 1e-3;
  double lr_d = 0;  // 0: the same as --lr
  uint64_t seed = 0;
  int64_t samples = 2500;
  int64_t snapshot = 500;
  int threads = 0;
  std::string out = "out/gan2d";
  std::string checkpoint;
  std::string resume;
};

/// The data and the square of data space the pictures show.
struct Dataset {
  tg::data::GaussianMixture mixture;
  double extent;
};

Dataset make_dataset(const std::string& name) {
  if (name == "grid") return {tg::data::GaussianMixture::grid(5, 2.0, 0.05), 5.5};
  return {tg::data::GaussianMixture::ring(8, 2.0, 0.02), 3.0};
}

std::string describe(const tg::est::ModeCoverage& c, int64_t modes) {
  return fmt::format("modes {}/{}  high-quality {:5.1f}%  reverse KL {}", c.modes_covered, modes,
                     100 * c.high_quality_fraction,
                     c.reverse_kl ? fmt::format("{:.4f}", *c.reverse_kl) : std::string("null"));
}

void snapshot(const std::string& path, double extent, tg::nn::Module& disc, const tg::Tensor& real,
              const tg::Tensor& fake) {
  tg::examples::Canvas canvas(480, extent);
  {
    tg::NoGradGuard no_grad;
    // Evaluate D on the whole pixel grid in one batch.
    const int n = canvas.size();
    std::vector<float> grid;
    grid.reserve(static_cast<size_t>(n) * static_cast<size_t>(n) * 2);
    for (int r = 0; r < n; ++r)
      for (int c = 0; c < n; ++c) {
        grid.push_back(static_cast<float>(((c + 0.5) / n * 2 - 1) * extent));
        grid.push_back(static_cast<float>((1 - (r + 0.5) / n * 2) * extent));
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
  CLI::App app{"gan2d: a GAN learns a mixture of Gaussians (ring or grid)"};
  app.add_option("--dataset", cfg.dataset, "ring (8 modes, std 0.02) or grid (25 modes, std 0.05)")
      ->check(CLI::IsMember({"ring", "grid"}));
  app.add_option("--steps", cfg.steps, "total generator steps (each after --d-steps D steps)")
      ->check(CLI::PositiveNumber);
  app.add_option("--batch", cfg.batch, "samples per batch")->check(CLI::PositiveNumber);
  app.add_option("--hidden", cfg.hidden, "width of both MLPs")->check(CLI::PositiveNumber);
  const std::map<std::string, tg::est::GeneratorCost> costs{
      {"minimax", tg::est::GeneratorCost::Minimax},
      {"ns", tg::est::GeneratorCost::NonSaturating},
      {"ml", tg::est::GeneratorCost::MaximumLikelihood}};
  const std::map<std::string, tg::est::Penalty> penalties{
      {"none", tg::est::Penalty::None},    {"wgan-gp", tg::est::Penalty::WganGp},
      {"gan-gp", tg::est::Penalty::GanGp}, {"dragan", tg::est::Penalty::DraganNs},
      {"r1", tg::est::Penalty::R1},        {"r2", tg::est::Penalty::R2}};
  app.add_option("--loss", cfg.loss, "gan (the value function V) or wgan (Wasserstein)")
      ->check(CLI::IsMember({"gan", "wgan"}));
  app.add_option("--cost", cfg.cost, "generator cost with --loss gan")
      ->check(CLI::IsMember({"minimax", "ns", "ml"}));
  app.add_option("--penalty", cfg.penalty, "discriminator gradient penalty")
      ->check(CLI::IsMember({"none", "wgan-gp", "gan-gp", "dragan", "r1", "r2"}));
  app.add_option("--lambda", cfg.lambda, "penalty weight (γ for r1, r2)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--d-steps", cfg.d_steps, "discriminator steps per generator step")
      ->check(CLI::PositiveNumber);
  app.add_option("--lr", cfg.lr, "Adam learning rate (betas 0.5, 0.9)")->check(CLI::PositiveNumber);
  app.add_option("--lr-d", cfg.lr_d, "the discriminator's learning rate (default: --lr)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--seed", cfg.seed, "random seed");
  app.add_option("--samples", cfg.samples, "generator samples for mode coverage")
      ->check(CLI::PositiveNumber);
  app.add_option("--snapshot", cfg.snapshot, "save a picture every N steps (0: only at the end)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--threads", cfg.threads, "worker threads (0: all cores)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--out", cfg.out, "output folder for pictures");
  app.add_option("--checkpoint", cfg.checkpoint, "save the run here with every picture (.npz)");
  app.add_option("--resume", cfg.resume, "continue the run saved in this checkpoint");
  CLI11_PARSE(app, argc, argv);

  if (cfg.threads > 0) tg::set_num_threads(cfg.threads);
  std::filesystem::create_directories(cfg.out);
  const Dataset data = make_dataset(cfg.dataset);
  const int64_t modes = data.mixture.means().size(0);
  tg::Generator gen(cfg.seed);
  tg::nn::MLP generator({2, cfg.hidden, cfg.hidden, 2}, tg::nn::Activation::ReLU, gen);
  tg::nn::MLP discriminator({2, cfg.hidden, cfg.hidden, 1}, tg::nn::Activation::ReLU, gen);
  tg::optim::Adam opt_g(generator.parameters(), {.lr = cfg.lr, .betas = {0.5, 0.9}});
  tg::optim::Adam opt_d(discriminator.parameters(),
                        {.lr = cfg.lr_d > 0 ? cfg.lr_d : cfg.lr, .betas = {0.5, 0.9}});
  const bool wgan = cfg.loss == "wgan";
  const auto cost = costs.at(cfg.cost);
  tg::est::GameDriver driver(
      {generator, opt_g}, {discriminator, opt_d},
      [&](int64_t n, tg::Generator& g) { return data.mixture.sample(n, g); },
      [](int64_t n, tg::Generator& g) {
        return tg::randn({n, 2}, g);
      },
      gen,
      {.batch_size = cfg.batch,
       .discriminator_steps = cfg.d_steps,
       .discriminator_loss = wgan ? tg::est::DiscriminatorLoss(tg::est::wasserstein_critic_loss)
                                  : tg::est::DiscriminatorLoss(tg::est::discriminator_loss),
       .generator_loss = wgan ? tg::est::GeneratorLoss(tg::est::wasserstein_generator_loss)
                              : tg::est::GeneratorLoss([cost](const tg::Tensor& logits) {
                                  return tg::est::generator_cost(logits, cost);
                                }),
       .penalty = tg::est::penalty(penalties.at(cfg.penalty), cfg.lambda)});
  if (!cfg.resume.empty()) driver.load(cfg.resume);

  // Evaluation draws come from their own generator, so they are the same on a resumed run.
  tg::Generator eval_gen(cfg.seed + 0x9e3779b97f4a7c15ull);
  const tg::Tensor fixed_z = tg::randn({cfg.samples, 2}, eval_gen);
  const tg::Tensor shown_data = data.mixture.sample(1000, eval_gen);
  auto coverage = [&] {
    tg::NoGradGuard no_grad;
    return tg::est::mode_coverage(generator(fixed_z), data.mixture);
  };
  auto picture = [&](int64_t step) {
    tg::NoGradGuard no_grad;
    snapshot(fmt::format("{}/step_{:06d}.png", cfg.out, step), data.extent, discriminator,
             shown_data, generator(fixed_z));
    if (!cfg.checkpoint.empty()) driver.save(cfg.checkpoint);
  };

  fmt::print(
      "gan2d: {} ({} modes), {} steps, batch {}, loss {}{}, penalty {} (lambda {}), "
      "{} D steps per G step, {} threads\n",
      cfg.dataset, modes, cfg.steps, cfg.batch, cfg.loss,
      wgan ? "" : fmt::format(" (cost {})", cfg.cost), cfg.penalty, cfg.lambda, cfg.d_steps,
      tg::get_num_threads());
  tg::examples::Progress progress(cfg.steps, "gan2d");
  tg::est::StepRecord last;
  driver.on_step([&](const tg::est::StepRecord& r) { last = r; });
  auto values = [&](const tg::est::ModeCoverage& c) {
    if (last.discriminator_loss.empty()) return describe(c, modes);  // resumed at the end
    return fmt::format("D loss {:7.4f}  G cost {:7.4f}  {}", last.discriminator_loss.back(),
                       last.generator_loss, describe(c, modes));
  };
  driver.every(100, [&](tg::est::GameDriver& d) {
    if (d.steps_done() != cfg.steps) progress.report(d.steps_done(), values(coverage()));
  });
  if (cfg.snapshot > 0)
    driver.every(cfg.snapshot, [&](tg::est::GameDriver& d) {
      if (d.steps_done() != cfg.steps) picture(d.steps_done());
    });
  driver.run(std::max<int64_t>(0, cfg.steps - driver.steps_done()));

  const tg::est::ModeCoverage c = coverage();
  progress.finish(values(c));
  picture(driver.steps_done());
  fmt::print("pictures: {}/step_*.png (background: D(x), grey: data, black: G(z))\n", cfg.out);
  // One machine-readable line for scripts (examples/gan2d_table.py).
  fmt::print("result dataset={} modes={} of={} high_quality={:.6f} reverse_kl={}\n", cfg.dataset,
             c.modes_covered, modes, c.high_quality_fraction,
             c.reverse_kl ? fmt::format("{:.6f}", *c.reverse_kl) : std::string("null"));
  return 0;
}

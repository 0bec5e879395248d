// gan2d: a GAN learns a mixture of Gaussians in two dimensions: the literature's ring
// (8 modes on a circle of radius 2, std 0.02) or grid (25 modes at 2·{−2..2}², std 0.05).
//
// This is the distinguishability game of docs/estimators.md, played by two small MLPs
// through tg::est::GameDriver (docs/estimators/driver.md):
//   discriminator  minimises  E_data softplus(−a(x)) + E_g softplus(a(x))  [+ a penalty]
//   generator      minimises  E_z f(a(G(z)))  with f chosen by --cost
// or, with --loss wgan, the Wasserstein critic and generator losses. Three choices make it
// cover every mode with sharp samples (examples/gan2d_sweep.py chose them over 5 seeds):
//   - packing (PacGAN, --pack 2): the discriminator judges two samples at once, so a
//     generator that drops a mode is caught by the lack of variety in its pairs;
//   - both learning rates annealed to zero by a cosine (--lr-decay cosine), so the last
//     steps settle on the modes (std 0.02) instead of jittering at Adam's step size;
//   - a long, slow run (75,000 steps at Adam 5e-4): the grid's 25 modes need the thin
//     bridges a continuous generator draws between them made thinner still, and at 1e-3
//     runs that long drop modes.
// Every 100 steps it reports mode coverage as PacGAN/VEEGAN define it
// (docs/estimators/evaluation.md) on --samples generator samples; every --snapshot steps it
// draws the discriminator's D(x) = σ(a(x)) as a heat map with the data (grey) and the
// generator's samples (black) over it, and, with --checkpoint, saves the whole run
// (--resume continues it).
//
//   gan2d --penalty gan-gp --lambda 0.1          (a penalty needs --pack 1, its default then)
//   gan2d --dataset grid --loss wgan --penalty wgan-gp --lambda 0.1 --d-steps 5 --json
#include <fmt/format.h>

#include <cmath>
#include <map>

#include "common/example.hpp"
#include "common/plot.hpp"
#include "tapegrad.hpp"

namespace {

namespace plot = tg::examples::plot;

struct Config {
  std::string dataset = "ring";
  int64_t batch = 256;
  int64_t hidden = 128;
  int64_t layers = 2;
  int64_t pack = 2;  // 1 when a penalty is asked for without --pack
  std::string loss = "gan";
  std::string cost = "ns";
  std::string penalty = "none";
  double lambda = 1.0;
  int64_t d_steps = 1;
  double lr = 5e-4;
  double lr_d = 0;  // 0: the same as --lr
  std::string lr_decay = "cosine";
  int64_t samples = 2500;
  int64_t snapshot = 15000;
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

/// PacGAN's packing (Lin et al. 2018): the discriminator judges m samples at once, rows
/// i·m … i·m + m − 1 of a batch [B, 2] side by side as one input [B/m, 2m]. A generator that
/// drops modes, or puts too many samples on one, shows it in the lack of variety of every
/// packed input, which a single sample cannot show.
class Packed : public tg::nn::Module {
 public:
  Packed(int64_t m, std::shared_ptr<tg::nn::MLP> net)
      : m_(m), net_(register_module("net", std::move(net))) {}
  tg::Tensor forward(const tg::Tensor& x) override {
    if (x.size(0) % m_ != 0)
      throw tg::ShapeError(
          fmt::format("gan2d: packing {} samples per discriminator input needs "
                      "a batch divisible by {}, got [{}, {}]",
                      m_, m_, x.size(0), x.size(1)));
    return (*net_)(x.reshape({x.size(0) / m_, m_ * x.size(1)}));
  }
  int64_t m() const { return m_; }

 private:
  int64_t m_;
  std::shared_ptr<tg::nn::MLP> net_;
};

/// Columns 0 and 1 of points [N, 2] as two vectors.
std::pair<std::vector<double>, std::vector<double>> columns(const tg::Tensor& points) {
  const auto v = points.to_vector<double>();
  std::vector<double> x, y;
  for (size_t i = 0; i + 1 < v.size(); i += 2) {
    x.push_back(v[i]);
    y.push_back(v[i + 1]);
  }
  return {x, y};
}

/// D(x) over the square, with the data and the generator's samples on top.
plot::Panel snapshot(int64_t step, double extent, Packed& disc, const tg::Tensor& real,
                     const tg::Tensor& fake) {
  tg::NoGradGuard no_grad;
  constexpr int64_t n = 160;  // cells per side, evaluated in one batch
  const tg::Tensor axis = tg::linspace(-extent + extent / n, extent - extent / n, n);
  const tg::Tensor xs = axis.reshape({1, n}).expand({n, n}).reshape({n * n, 1});
  const tg::Tensor ys = axis.reshape({n, 1}).expand({n, n}).reshape({n * n, 1});
  // A packed discriminator sees each cell's centre m times over.
  const tg::Tensor cells = tg::cat({xs, ys}, 1).reshape({n * n, 1, 2});
  const tg::Tensor d =
      tg::sigmoid(disc(cells.expand({n * n, disc.m(), 2}).reshape({n * n * disc.m(), 2})));
  plot::Panel p{.title = fmt::format("step {}", step),
                .xlabel = "x₁",
                .ylabel = "x₂",
                .heat = plot::HeatMap{.nx = n,
                                      .ny = n,
                                      .x0 = -extent,
                                      .x1 = extent,
                                      .y0 = -extent,
                                      .y1 = extent,
                                      .values = d.to_vector<double>(),
                                      .vmin = 0,
                                      .vmax = 1,
                                      .colours = plot::ColourMap::Diverging,
                                      .label = "D(x)"}};
  auto [rx, ry] = columns(real);
  auto [fx, fy] = columns(fake);
  p.series.push_back(
      {.x = rx, .y = ry, .label = "data", .mark = plot::Mark::Dots, .colour = plot::kGrey});
  p.series.push_back(
      {.x = fx, .y = fy, .label = "G(z)", .mark = plot::Mark::Dots, .colour = plot::kBlack});
  return p;
}

}  // namespace

int main(int argc, char** argv) {
  tg::examples::Example ex("gan2d", "a GAN learns a mixture of Gaussians (ring or grid)",
                           {.steps = 75000, .full_steps = 150000});
  Config cfg;
  CLI::App& app = ex.cli();
  app.option_defaults()->always_capture_default();  // --help shows every default below
  app.add_option("--dataset", cfg.dataset, "ring (8 modes, std 0.02) or grid (25 modes, std 0.05)")
      ->check(CLI::IsMember({"ring", "grid"}));
  app.add_option("--batch", cfg.batch, "samples per batch")->check(CLI::PositiveNumber);
  app.add_option("--hidden", cfg.hidden, "width of both MLPs")->check(CLI::PositiveNumber);
  app.add_option("--layers", cfg.layers, "hidden layers of both MLPs")->check(CLI::PositiveNumber);
  CLI::Option* pack = app.add_option("--pack", cfg.pack,
                                     "samples per discriminator input (PacGAN's m; 1 with a "
                                     "penalty unless given)")
                          ->check(CLI::PositiveNumber);
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
  app.add_option("--lr-d", cfg.lr_d, "the discriminator's learning rate (0: the same as --lr)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--lr-decay", cfg.lr_decay,
                 "none, or cosine: both learning rates annealed to 0 over --steps")
      ->check(CLI::IsMember({"none", "cosine"}));
  app.add_option("--samples", cfg.samples, "generator samples for mode coverage")
      ->check(CLI::PositiveNumber);
  app.add_option("--snapshot", cfg.snapshot, "draw a picture every N steps (0: only at the end)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--checkpoint", cfg.checkpoint, "save the run here with every picture (.npz)");
  app.add_option("--resume", cfg.resume, "continue the run saved in this checkpoint");
  if (auto rc = ex.parse(argc, argv)) return *rc;
  if (cfg.penalty != "none" && pack->count() == 0) cfg.pack = 1;
  if (cfg.pack > 1 && cfg.penalty != "none") {
    fmt::print(stderr,
               "gan2d: --pack {} needs --penalty none (a penalty's gradient norms are "
               "per sample, a packed discriminator has one logit per {} samples)\n",
               cfg.pack, cfg.pack);
    return 2;
  }
  if (cfg.batch % cfg.pack != 0) {
    fmt::print(stderr, "gan2d: --batch {} is not divisible by --pack {}\n", cfg.batch, cfg.pack);
    return 2;
  }
  const int64_t steps = ex.flags().steps;

  // The game: data, two players, their optimisers, and the costs they minimise.
  const Dataset data = make_dataset(cfg.dataset);
  const int64_t modes = data.mixture.means().size(0);
  tg::Generator gen(ex.flags().seed);
  auto widths = [&](int64_t in, int64_t out) {
    std::vector<int64_t> w(static_cast<size_t>(cfg.layers) + 2, cfg.hidden);
    w.front() = in, w.back() = out;
    return w;
  };
  tg::nn::MLP generator(widths(2, 2), tg::nn::Activation::ReLU, gen);
  Packed discriminator(cfg.pack, std::make_shared<tg::nn::MLP>(widths(2 * cfg.pack, 1),
                                                               tg::nn::Activation::ReLU, gen));
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
  // Annealing both learning rates to zero lets the last steps settle on the modes instead
  // of jittering around them at Adam's step size (the high-quality fraction needs 3σ = 0.06).
  tg::optim::CosineAnnealingLR anneal_g(opt_g, steps), anneal_d(opt_d, steps);
  if (cfg.lr_decay == "cosine")
    driver.on_step([&](const tg::est::StepRecord& r) {
      opt_g.set_lr(anneal_g.lr_at(r.step));
      opt_d.set_lr(anneal_d.lr_at(r.step));
    });

  // Evaluation draws come from their own generator, so they are the same on a resumed run.
  tg::Generator eval_gen(ex.flags().seed + 0x9e3779b97f4a7c15ull);
  const tg::Tensor fixed_z = tg::randn({cfg.samples, 2}, eval_gen);
  const tg::Tensor shown_data = data.mixture.sample(1000, eval_gen);
  auto coverage = [&] {
    tg::NoGradGuard no_grad;
    return tg::est::mode_coverage(generator(fixed_z), data.mixture);
  };
  auto picture = [&](int64_t step) {
    tg::NoGradGuard no_grad;
    const std::string file = fmt::format("step_{:06d}.png", step);
    plot::save_png(snapshot(step, data.extent, discriminator, shown_data, generator(fixed_z)),
                   ex.path(file), 640, 560);
    ex.picture(file, fmt::format("D(x) with data and samples at step {}", step));
    if (!cfg.checkpoint.empty()) driver.save(cfg.checkpoint);
  };

  ex.say(
      "gan2d: {} ({} modes), {} steps, batch {}, loss {}{}, penalty {} (lambda {}), {} D "
      "steps per G step, {} threads",
      cfg.dataset, modes, steps, cfg.batch, cfg.loss,
      wgan ? "" : fmt::format(" (cost {})", cfg.cost), cfg.penalty, cfg.lambda, cfg.d_steps,
      tg::get_num_threads());

  // Training: every loss of every step goes to the CSV log and to the loss curves.
  auto log = ex.csv("losses.csv", {"discriminator_loss", "penalty", "generator_loss"});
  std::vector<double> curve_step, curve_d, curve_g;
  tg::examples::Progress progress = ex.progress(steps, "gan2d");
  std::string status = "starting";
  driver.on_step([&](const tg::est::StepRecord& r) {
    log.row(r.step, {r.discriminator_loss.back(), r.penalty.back(), r.generator_loss});
    curve_step.push_back(static_cast<double>(r.step));
    curve_d.push_back(r.discriminator_loss.back() + r.penalty.back());
    curve_g.push_back(r.generator_loss);
    progress.update(r.step, [&] { return status; });
  });
  driver.every(100, [&](tg::est::GameDriver&) { status = describe(coverage(), modes); });
  if (cfg.snapshot > 0)
    driver.every(cfg.snapshot, [&](tg::est::GameDriver& d) {
      if (d.steps_done() != steps) picture(d.steps_done());
    });
  driver.run(std::max<int64_t>(0, steps - driver.steps_done()));

  // The result: mode coverage, the last picture, the loss curves and the model.
  const tg::est::ModeCoverage c = coverage();
  progress.finish(describe(c, modes));
  picture(driver.steps_done());
  plot::Panel losses{.title = "losses", .xlabel = "generator step", .ylabel = "loss"};
  losses.series.push_back({.x = curve_step, .y = curve_d, .label = "discriminator (+ penalty)"});
  losses.series.push_back({.x = curve_step, .y = curve_g, .label = "generator"});
  if (!curve_step.empty()) {
    plot::save_png(losses, ex.path("losses.png"));
    ex.picture("losses.png", "discriminator and generator losses per step");
  }
  tg::nn::save(generator, ex.path("model.npz"));
  ex.finish(tg::examples::JsonObject()
                .add("dataset", cfg.dataset)
                .add("cost", wgan ? std::string("wgan") : cfg.cost)
                .add("penalty", cfg.penalty)
                .add("steps", driver.steps_done())
                .add("modes_covered", c.modes_covered)
                .add("modes_total", modes)
                .add("high_quality_fraction", c.high_quality_fraction)
                .add("reverse_kl", c.reverse_kl.value_or(std::nan(""))));
  return 0;
}

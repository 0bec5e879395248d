// score_matching: fit an energy-based model p(x) ∝ exp(−E(x)) to a 2-D mixture without
// ever computing its normaliser, by matching its score s(x) = −∇ₓE(x) to the data's
// (docs/estimators/score-matching.md derives each form).
//
// The data: 8 Gaussians of std 0.3 on a circle of radius 2 (tg::data::GaussianMixture),
// close enough that the modes touch, whose exact log-density is known.
// The model: an energy MLP 2 → 64 → 64 → 1 with smooth (softplus) activations — a ReLU
// energy has a zero Hessian almost everywhere, so its score-matching trace would be blind.
// Six fits of the same network from the same start, one per estimator:
//
//   exact_forward     (Hyvärinen 2005) J = E[½‖s‖² + tr ∇ₓ s], the score and the trace from
//                     one forward-mode sweep, the forward Laplacian (TraceMethod::Forward,
//                     the library's default and its fastest form)
//   exact_loop        the same J, the trace as D = 2 vector-Jacobian products of the
//                     score's graph (TraceMethod::Loop)
//   exact_replicated  the same J, the trace from one pass on x tiled D times (Replicated)
//   sliced            (Song et al. 2019) J = E_v[½(vᵀs)² + vᵀ(∇ₓ s)v], Rademacher v
//   sliced_vr         SSM-VR: ½‖s‖² in closed form, only the trace projected
//   denoising         (Vincent 2011) J = E ½‖s(x + σε) + ε/σ‖², σ = --sigma: the score
//                     of the data smoothed by N(0, σ²I), no second derivative at all
//
// Each is evaluated on held-out data by
//   - the exact score-matching loss J (the same yardstick for all, lower is better; the
//     truth's own J is printed for reference),
//   - the held-out log-likelihood, with log Z found numerically: E on a fine grid over
//     [−L, L]², log Z ≈ logsumexp(−E) + log(cell area) (the mass outside the box is
//     negligible for a fitted model; the true mixture's value is the ceiling),
// and shown by its density over the grid and by Langevin samples (tg::est::langevin)
// drawn from it, started uniformly over the box.
//
//   score_matching                 # 1500 steps per estimator (≈ 13 s on 2 cores)
//   score_matching --full          # 10000 steps
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

#include "common/example.hpp"
#include "common/grid.hpp"
#include "common/plot.hpp"
#include "tapegrad.hpp"
#include "tapegrad/autograd/parallel.hpp"

namespace {

namespace plot = tg::examples::plot;

// log Z and the pictures: 120 × 120 cells over [−3.5, 3.5]².
const tg::examples::Grid2d kGrid{.cells = 120, .extent = 3.5};
constexpr int64_t kBatch = 256;  // training batch

struct Method {
  std::string name, title;
};

struct Fit {
  std::vector<double> loss;    // training loss per step
  double ms_per_step = 0;      // wall time of one step (loss, backward, Adam)
  double heldout_sm = 0;       // exact J on the held-out set
  double heldout_ll = 0;       // mean log p on the held-out set, Z on the grid
  std::vector<double> log_p;   // normalised log p on the grid
  std::vector<double> sx, sy;  // Langevin samples
};

}  // namespace

int main(int argc, char** argv) {
  tg::examples::Example ex("score_matching",
                           "exact, sliced, SSM-VR and denoising score matching of a 2-D mixture",
                           {.steps = 1500, .full_steps = 10000});
  double lr = 1e-2, sigma = 0.2, langevin_step = 0.005;
  int64_t width = 64, langevin_steps = 300, samples = 1000;
  ex.cli()
      .add_option("--lr", lr, "Adam's initial learning rate (cosine-annealed to 0)")
      ->check(CLI::PositiveNumber);
  ex.cli().add_option("--width", width, "hidden units per layer")->check(CLI::PositiveNumber);
  ex.cli()
      .add_option("--sigma", sigma, "denoising score matching's noise level")
      ->check(CLI::PositiveNumber);
  ex.cli()
      .add_option("--samples", samples, "Langevin chains per model (and held-out points ×4)")
      ->check(CLI::PositiveNumber);
  ex.cli()
      .add_option("--langevin-steps", langevin_steps, "Langevin steps per chain")
      ->check(CLI::NonNegativeNumber);
  ex.cli()
      .add_option("--langevin-step-size", langevin_step, "Langevin step size ε")
      ->check(CLI::PositiveNumber);
  if (auto rc = ex.parse(argc, argv)) return *rc;
  const auto& flags = ex.flags();

  // The data and a held-out set from the same mixture.
  const auto data = tg::data::GaussianMixture::ring(8, 2.0, 0.3);
  tg::Generator data_gen(flags.seed);
  const tg::Tensor heldout = data.sample(4 * samples, data_gen);
  const tg::Tensor grid = kGrid.points();

  const std::vector<Method> methods{{"exact_forward", "exact, forward"},
                                    {"exact_loop", "exact, loop"},
                                    {"exact_replicated", "exact, replicated"},
                                    {"sliced", "sliced (Rademacher)"},
                                    {"sliced_vr", "sliced, VR"},
                                    {"denoising", fmt::format("denoising, σ = {}", sigma)}};
  ex.say(
      "score_matching: 8 Gaussians (std 0.3, radius 2), energy MLP 2-{}-{}-1, {} steps of "
      "batch {} per estimator, {} threads",
      width, width, flags.steps, kBatch, tg::get_num_threads());

  auto progress = ex.progress(static_cast<int64_t>(methods.size()) * flags.steps, "score_matching");
  std::vector<std::string> columns;
  for (const auto& m : methods) columns.push_back(m.name);
  auto log = ex.csv("loss.csv", columns);
  std::vector<Fit> fits(methods.size());
  int64_t done = 0;
  for (size_t m = 0; m < methods.size(); ++m) {
    // The same initial network and the same data stream for every estimator.
    tg::Generator gen(flags.seed + 1);
    tg::nn::MLP net({2, width, width, 1}, tg::nn::Activation::Softplus, gen);
    const tg::est::ScoreModel model =
        tg::est::ScoreModel::energy([&](const tg::Tensor& x) { return net(x); });
    auto loss_on = [&](const tg::Tensor& x) {
      const auto& name = methods[m].name;
      if (name == "exact_forward")
        return tg::est::exact_score_matching(model, x, {.method = tg::TraceMethod::Forward});
      if (name == "exact_loop")
        return tg::est::exact_score_matching(model, x, {.method = tg::TraceMethod::Loop});
      if (name == "exact_replicated")
        return tg::est::exact_score_matching(model, x, {.method = tg::TraceMethod::Replicated});
      if (name == "sliced") return tg::est::sliced_score_matching(model, x, gen);
      if (name == "sliced_vr")
        return tg::est::sliced_score_matching(model, x, gen, {.variance_reduced = true});
      return tg::est::denoising_score_matching(model, x, sigma, gen);
    };

    tg::optim::Adam opt(net.parameters(), {.lr = lr});
    tg::optim::CosineAnnealingLR schedule(opt, flags.steps);
    Fit& fit = fits[m];
    const auto start = std::chrono::steady_clock::now();
    for (int64_t step = 1; step <= flags.steps; ++step) {
      const tg::Tensor x = data.sample(kBatch, gen);
      tg::Tensor j = loss_on(x);
      opt.zero_grad();
      j.backward();
      opt.step();
      schedule.step();
      fit.loss.push_back(j.item<double>());
      progress.update(
          ++done, [&] { return fmt::format("{}: J {:.4f}", methods[m].name, fit.loss.back()); });
    }
    fit.ms_per_step =
        1e3 * std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() /
        static_cast<double>(flags.steps);

    // Held-out exact J (the same yardstick for every estimator), unbatched over the set.
    fit.heldout_sm = tg::est::exact_score_matching(model, heldout).item<double>();
    // Held-out log-likelihood with log Z from the grid.
    {
      tg::NoGradGuard no_grad;
      const tg::Tensor minus_energy = -net(grid);
      fit.log_p = kGrid.normalised(minus_energy);
      fit.heldout_ll = -tg::mean(net(heldout)).item<double>() - kGrid.log_normaliser(minus_energy);
    }
    // Langevin samples from uniform starts over the box.
    const tg::Tensor x0 = tg::rand({samples, 2}, gen, tg::kFloat32, -kGrid.extent, kGrid.extent);
    const auto chains = tg::est::langevin([&](const tg::Tensor& x) { return net(x); }, x0, gen,
                                          {.step_size = langevin_step, .steps = langevin_steps});
    const std::vector<double> xy = chains.samples.to_vector<double>();
    for (size_t i = 0; i < xy.size(); i += 2) fit.sx.push_back(xy[i]), fit.sy.push_back(xy[i + 1]);
  }
  progress.finish("");
  for (int64_t step = 0; step < flags.steps; ++step) {
    std::vector<double> row;
    for (const auto& f : fits) row.push_back(f.loss[static_cast<size_t>(step)]);
    log.row(step + 1, row);
  }

  // The references: the true mixture's held-out J and log-likelihood, and its density.
  const double truth_sm =
      tg::est::exact_score_matching(
          tg::est::ScoreModel::energy([&](const tg::Tensor& x) { return -data.log_prob(x); }),
          heldout)
          .item<double>();
  const std::vector<double> truth_log_p = kGrid.normalised(data.log_prob(grid));
  const double truth_ll = tg::mean(data.log_prob(heldout)).item<double>();

  tg::examples::JsonObject metrics;
  metrics.add("steps", flags.steps).add("batch", kBatch).add("sigma", sigma);
  std::vector<std::string> names;
  for (const auto& m : methods) names.push_back(m.name);
  metrics.add("methods", names);
  metrics.add("truth_heldout_sm", truth_sm).add("truth_heldout_ll", truth_ll);
  ex.say("{:<18} {:>9} {:>13} {:>13}", "estimator", "ms/step", "held-out J", "held-out ll");
  ex.say("{:<18} {:>9} {:>13.4f} {:>13.4f}", "(true mixture)", "", truth_sm, truth_ll);
  for (size_t m = 0; m < methods.size(); ++m) {
    const auto& f = fits[m];
    const auto& name = methods[m].name;
    metrics.add("ms_per_step_" + name, f.ms_per_step)
        .add("heldout_sm_" + name, f.heldout_sm)
        .add("heldout_ll_" + name, f.heldout_ll)
        .add("final_loss_" + name, f.loss.back());
    ex.say("{:<18} {:>9.2f} {:>13.4f} {:>13.4f}", name, f.ms_per_step, f.heldout_sm, f.heldout_ll);
  }

  // Pictures. Densities share one colour range: log p from the truth's peak down by 8 nats.
  const double top = *std::max_element(truth_log_p.begin(), truth_log_p.end());
  auto density_panel = [&](const std::string& title, const std::vector<double>& log_p) {
    return kGrid.density_panel(title, log_p, top, 8);
  };
  std::vector<plot::Panel> densities{density_panel("true mixture", truth_log_p)};
  std::vector<plot::Panel> sampled{density_panel("true mixture: held-out data", truth_log_p)};
  {
    const std::vector<double> xy = heldout.to_vector<double>();
    plot::Series s{.label = "", .mark = plot::Mark::Dots, .colour = plot::kBlack, .size = 0.6};
    for (size_t i = 0; i < xy.size() && s.x.size() < static_cast<size_t>(samples); i += 2)
      s.x.push_back(xy[i]), s.y.push_back(xy[i + 1]);
    sampled.back().series.push_back(s);
  }
  for (size_t m = 0; m < methods.size(); ++m) {
    const auto& f = fits[m];
    densities.push_back(density_panel(
        fmt::format("{}: held-out ll {:.3f}", methods[m].title, f.heldout_ll), f.log_p));
    sampled.push_back(density_panel(fmt::format("{}: Langevin", methods[m].title), f.log_p));
    sampled.back().series.push_back(
        {.x = f.sx, .y = f.sy, .mark = plot::Mark::Dots, .colour = plot::kBlack, .size = 0.6});
  }
  plot::save_png(densities, 4, ex.path("density.png"), 2000, 820);
  ex.picture("density.png", "normalised log-density of the truth and of each fit");
  plot::save_png(sampled, 4, ex.path("samples.png"), 2000, 820);
  ex.picture("samples.png", "Langevin samples of each fit over its density");

  std::vector<plot::Panel> curves;
  for (size_t m = 0; m < methods.size(); ++m) {
    std::vector<double> steps(fits[m].loss.size());
    std::iota(steps.begin(), steps.end(), 1.0);
    curves.push_back({.title = methods[m].title,
                      .xlabel = "Adam step",
                      .ylabel = "training loss J",
                      .series = {{.x = steps, .y = fits[m].loss, .colour = plot::palette(m)}}});
  }
  plot::save_png(curves, 3, ex.path("loss.png"), 1350, 700);
  ex.picture("loss.png", "each estimator's training loss per step");
  ex.finish(metrics);
  return 0;
}

// ebm2d: four ways to train an energy-based model p(x) = exp(−E(x)) / Z on 2-D data, side
// by side, none of which ever computes Z (docs/estimators/ has each estimator's maths).
//
// The data sets: the ring (8 Gaussians of std 0.15 on a circle of radius 2), two spirals,
// and a 4 × 4 checkerboard on [−3, 3]². The model for every method: the same energy MLP
// 2 → 64 → 64 → 1 (softplus, smooth for Langevin), from the same start.
//
//   cd           maximum likelihood by persistent contrastive divergence (Tieleman 2008):
//                the loss mean E(data) − mean E(negatives) has the likelihood's gradient
//                when the negatives follow the model; they come from persistent Langevin
//                chains (tg::est::ReplayBuffer, Du & Mordatch 2019), started uniformly
//                over the box, advanced --langevin-steps each step
//   nce          noise-contrastive estimation (Gutmann & Hyvärinen 2010): logistic
//                regression of data against ν = 2 noise points per data point, noise a
//                diagonal Gaussian with the data's mean and 1.5 × its per-axis spread, the
//                log-normaliser c learned as a parameter
//   fce          flow contrastive estimation (Gao et al. 2020): NCE against a normalising
//                flow (tg::est::CouplingFlow) that is itself trained to fool the classifier;
//                the players alternate by the classifier's accuracy
//   variational  the adversarial EBM with a variational sampler (Kim & Bengio 2016): a flow
//                q minimises KL(q ‖ p) − log Z, the energy is trained by CD with the flow's
//                samples as negatives; the flow takes --sampler-steps steps per energy step,
//                since the energy's step is the likelihood's gradient only when q ≈ p, and
//                the energy carries an R1 penalty (γ/2)·E_data ‖∇ₓE‖² (--smoothness): without
//                it the energy digs a well where the flow has not reached and collapses into
//                it (held-out log-likelihood −46 to −189 on the ring at 3 sampler steps)
//
// Each model's held-out log-likelihood is computed with log Z found numerically on a grid
// (tg::examples::Grid2d); for FCE and the variational EBM the flow's own (exact) held-out
// log-likelihood is reported too.
//
//   ebm2d                 # 500 steps per (data set, method) (≈ 40 s on 2 cores)
//   ebm2d --full          # 4000 steps
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <map>
#include <numeric>

#include "common/example.hpp"
#include "common/grid.hpp"
#include "common/plot.hpp"
#include "tapegrad.hpp"
#include "tapegrad/autograd/parallel.hpp"

namespace {

namespace plot = tg::examples::plot;

// Held-out log-likelihood and the pictures: 160 × 160 cells over [−4, 4]².
const tg::examples::Grid2d kGrid{.cells = 160, .extent = 4.0};
constexpr int64_t kBatch = 256;

// ---- the data sets: n points [n, 2] ----

using Sampler = std::function<tg::Tensor(int64_t n, tg::Generator& gen)>;

tg::Tensor ring(int64_t n, tg::Generator& gen) {
  return tg::data::GaussianMixture::ring(8, 2.0, 0.15).sample(n, gen);
}

/// Two interleaved spiral arms: radius and angle t = 3π·√u, (x₁, x₂) = ±(−t cos t, t sin t)/3
/// plus N(0, 0.1²) noise.
tg::Tensor two_spirals(int64_t n, tg::Generator& gen) {
  const std::vector<double> u = tg::rand({n, 2}, gen, tg::kFloat64).to_vector<double>();
  const std::vector<double> noise =
      tg::randn({n, 2}, gen, tg::kFloat64, 0, 0.1).to_vector<double>();
  std::vector<float> xy;
  for (size_t i = 0; i < u.size(); i += 2) {
    const double t = 3 * M_PI * std::sqrt(u[i]);
    const double arm = u[i + 1] < 0.5 ? 1.0 : -1.0;
    xy.push_back(static_cast<float>(arm * -std::cos(t) * t / 3 + noise[i]));
    xy.push_back(static_cast<float>(arm * std::sin(t) * t / 3 + noise[i + 1]));
  }
  return tg::from_vector(xy, {n, 2});
}

/// Uniform on the dark squares of a 4 × 4 board of unit squares over [−2, 2]², scaled by 1.5:
/// x₁ uniform, then x₂ uniform on one of the two squares of x₁'s column with the same
/// parity as it.
tg::Tensor checkerboard(int64_t n, tg::Generator& gen) {
  const std::vector<double> u = tg::rand({n, 3}, gen, tg::kFloat64).to_vector<double>();
  std::vector<float> xy;
  for (size_t i = 0; i < u.size(); i += 3) {
    const double x1 = 4 * u[i] - 2;
    const int64_t column = static_cast<int64_t>(std::floor(x1));
    const int64_t parity = ((column % 2) + 2) % 2;
    const double x2 = u[i + 1] + static_cast<double>(2 * (u[i + 2] < 0.5 ? 0 : 1) - 2 + parity);
    xy.push_back(static_cast<float>(1.5 * x1));
    xy.push_back(static_cast<float>(1.5 * x2));
  }
  return tg::from_vector(xy, {n, 2});
}

struct DataSet {
  std::string name, title;
  Sampler sample;
  uint64_t heldout_stream;  // its held-out set's seed is seed · 7919 + this
};

// ---- one fit ----

struct Settings {
  int64_t steps;
  double lr;
  int64_t width;
  int64_t langevin_steps;
  double langevin_step_size;
  int64_t flow_layers;
  int64_t sampler_steps;
  double smoothness;
};

struct Fit {
  std::vector<double> loss;      // the energy's training loss per step
  double ms_per_step = 0;        // wall time of one step
  std::vector<double> log_p;     // normalised log p on the grid
  double heldout_ll = 0;         // mean log p on the held-out set, Z from the grid
  double flow_heldout_ll = NAN;  // the flow's exact held-out log-likelihood (fce, variational)
};

/// Trains one energy on `data` by `method` and evaluates it on `heldout`.
Fit train(const std::string& method, const DataSet& data, const tg::Tensor& heldout,
          const Settings& s, uint64_t seed, const std::function<void(double)>& on_step) {
  tg::Generator gen(seed);
  tg::nn::MLP net({2, s.width, s.width, 1}, tg::nn::Activation::Softplus, gen);
  const tg::est::Energy energy = [&](const tg::Tensor& x) { return net(x).reshape({-1}); };
  std::vector<tg::Tensor> energy_params = net.parameters();

  // What only some methods use: a learned log-normaliser, a flow, the chains, the noise.
  tg::Tensor log_normaliser = tg::zeros({1});
  log_normaliser.requires_grad_();
  if (method == "nce" || method == "fce") energy_params.push_back(log_normaliser);
  tg::est::CouplingFlow flow(2, s.flow_layers, gen, {.hidden = {32, 32}});
  tg::optim::Adam flow_opt(flow.parameters(), {.lr = s.lr, .betas = {0.5, 0.9}});
  tg::est::ReplayBuffer buffer(
      10'000,
      [](int64_t n, tg::Generator& g) {
        return tg::rand({n, 2}, g, tg::kFloat32, -kGrid.extent, kGrid.extent);
      },
      gen);
  const tg::est::LangevinOptions chain{.step_size = s.langevin_step_size,
                                       .steps = s.langevin_steps};
  const tg::Tensor probe = data.sample(10'000, gen);  // the noise's mean and spread
  const tg::est::DiagonalGaussian noise(
      tg::mean(probe, {0}),
      1.5 * tg::sqrt(tg::mean(tg::square(probe - tg::mean(probe, {0})), {0})));

  tg::optim::Adam opt(energy_params, {.lr = s.lr, .betas = {0.5, 0.9}});
  Fit fit;
  const auto start = std::chrono::steady_clock::now();
  for (int64_t step = 1; step <= s.steps; ++step) {
    const tg::Tensor x = data.sample(kBatch, gen);
    tg::Tensor loss;
    if (method == "cd") {
      loss = tg::est::persistent_contrastive_divergence(energy, x, buffer, gen, chain);
    } else if (method == "nce") {
      loss = tg::est::nce_loss(energy, log_normaliser, x, noise, 2.0, gen);
    } else if (method == "fce") {
      const auto v = tg::est::flow_contrastive_value(energy, log_normaliser, flow, x, gen);
      if (tg::est::fce_player_to_update(v.accuracy) == tg::est::FcePlayer::Flow) {
        flow_opt.zero_grad(), opt.zero_grad();
        v.value.backward();
        flow_opt.step();
        fit.loss.push_back(fit.loss.empty() ? -v.value.item<double>() : fit.loss.back());
        on_step(fit.loss.back());
        continue;
      }
      loss = -v.value;
    } else {  // variational: the flow's steps, then the energy's on fresh samples
      for (int64_t k = 0; k < s.sampler_steps; ++k) {
        const auto sampler = tg::est::variational_ebm_losses(energy, flow, x, gen);
        flow_opt.zero_grad(), opt.zero_grad();
        sampler.sampler_loss.backward();
        flow_opt.step();
      }
      loss = tg::est::variational_ebm_losses(energy, flow, x, gen).energy_loss;
      // R1 on the energy, γ/2 · E_data ‖∇ₓE(x)‖²: no well sharper than the flow can follow.
      if (s.smoothness > 0)
        loss = loss + s.smoothness / 2 * tg::est::zero_centred_penalty(energy, x);
    }
    opt.zero_grad(), flow_opt.zero_grad();
    loss.backward();
    opt.step();
    fit.loss.push_back(loss.item<double>());
    on_step(fit.loss.back());
  }
  fit.ms_per_step =
      1e3 * std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() /
      static_cast<double>(s.steps);

  tg::NoGradGuard no_grad;
  const tg::Tensor minus_energy = -energy(kGrid.points());
  fit.log_p = kGrid.normalised(minus_energy);
  fit.heldout_ll = -tg::mean(energy(heldout)).item<double>() - kGrid.log_normaliser(minus_energy);
  if (method == "fce" || method == "variational")
    fit.flow_heldout_ll = tg::mean(flow.log_prob(heldout)).item<double>();
  return fit;
}

}  // namespace

int main(int argc, char** argv) {
  tg::examples::Example ex("ebm2d", "CD, NCE, FCE and the variational EBM on 2-D data",
                           {.steps = 500, .full_steps = 4000});
  Settings s{.steps = 0,
             .lr = 1e-2,
             .width = 64,
             .langevin_steps = 10,
             .langevin_step_size = 0.02,
             .flow_layers = 4,
             .sampler_steps = 5,
             .smoothness = 1};
  int64_t heldout_size = 2000;
  ex.cli()
      .add_option("--sampler-steps", s.sampler_steps,
                  "variational: flow steps per energy step (the sampler must track the model)")
      ->check(CLI::PositiveNumber);
  ex.cli()
      .add_option("--smoothness", s.smoothness,
                  "variational: γ of the energy's R1 penalty γ/2 · E_data |∇E(x)|²")
      ->check(CLI::NonNegativeNumber);
  ex.cli()
      .add_option("--lr", s.lr, "Adam's learning rate (energy and flow)")
      ->check(CLI::PositiveNumber);
  ex.cli()
      .add_option("--width", s.width, "hidden units per energy layer")
      ->check(CLI::PositiveNumber);
  ex.cli()
      .add_option("--langevin-steps", s.langevin_steps, "CD: Langevin steps per training step")
      ->check(CLI::PositiveNumber);
  ex.cli()
      .add_option("--langevin-step-size", s.langevin_step_size, "CD: Langevin step size ε")
      ->check(CLI::PositiveNumber);
  ex.cli()
      .add_option("--flow-layers", s.flow_layers, "FCE and variational: coupling layers")
      ->check(CLI::PositiveNumber);
  ex.cli()
      .add_option("--heldout", heldout_size, "held-out points per data set")
      ->check(CLI::PositiveNumber);
  const std::map<std::string, DataSet> all_datasets{
      {"ring", {"ring", "ring", ring, 0}},
      {"spirals", {"spirals", "two spirals", two_spirals, 1}},
      {"checkerboard", {"checkerboard", "checkerboard", checkerboard, 2}}};
  const std::map<std::string, std::string> method_titles{
      {"cd", "PCD"}, {"nce", "NCE"}, {"fce", "FCE"}, {"variational", "variational"}};
  std::vector<std::string> dataset_names{"ring", "spirals", "checkerboard"};
  std::vector<std::string> methods{"cd", "nce", "fce", "variational"};
  ex.cli()
      .add_option("--datasets", dataset_names, "the data sets, in order")
      ->delimiter(',')
      ->check(CLI::IsMember(all_datasets));
  ex.cli()
      .add_option("--methods", methods, "the methods, in order")
      ->delimiter(',')
      ->check(CLI::IsMember(method_titles));
  if (auto rc = ex.parse(argc, argv)) return *rc;
  const auto& flags = ex.flags();
  s.steps = flags.steps;

  std::vector<DataSet> datasets;
  for (const auto& name : dataset_names) datasets.push_back(all_datasets.at(name));
  std::vector<std::string> titles;
  for (const auto& m : methods) titles.push_back(method_titles.at(m));
  ex.say("ebm2d: energy MLP 2-{}-{}-1, {} steps of batch {} per (data set, method), {} threads",
         s.width, s.width, s.steps, kBatch, tg::get_num_threads());

  auto progress =
      ex.progress(static_cast<int64_t>(datasets.size() * methods.size()) * s.steps, "ebm2d");
  tg::examples::JsonObject metrics;
  metrics.add("steps", s.steps).add("batch", kBatch);
  metrics.add("datasets", dataset_names).add("methods", methods);

  std::vector<std::string> columns;
  std::vector<std::vector<double>> losses;
  std::vector<plot::Panel> panels;
  std::vector<double> table;  // held-out ll, [dataset][method]
  int64_t done = 0;
  for (size_t d = 0; d < datasets.size(); ++d) {
    const auto& data = datasets[d];
    tg::Generator heldout_gen(flags.seed * 7919 + data.heldout_stream);
    const tg::Tensor heldout = data.sample(heldout_size, heldout_gen);
    {
      const std::vector<double> xy = heldout.to_vector<double>();
      plot::Series dots{.mark = plot::Mark::Dots, .colour = plot::kBlack, .size = 0.6};
      for (size_t i = 0; i < xy.size(); i += 2)
        dots.x.push_back(xy[i]), dots.y.push_back(xy[i + 1]);
      panels.push_back({.title = fmt::format("{} (held-out)", data.title),
                        .xlabel = "x₁",
                        .ylabel = "x₂",
                        .xmin = -kGrid.extent,
                        .xmax = kGrid.extent,
                        .ymin = -kGrid.extent,
                        .ymax = kGrid.extent,
                        .series = {dots}});
    }
    for (size_t m = 0; m < methods.size(); ++m) {
      const Fit fit = train(methods[m], data, heldout, s, flags.seed + 1, [&](double loss) {
        progress.update(
            ++done, [&] { return fmt::format("{} {}: loss {:.4f}", data.name, methods[m], loss); });
      });
      const std::string key = data.name + "_" + methods[m];
      columns.push_back(key);
      losses.push_back(fit.loss);
      table.push_back(fit.heldout_ll);
      metrics.add("heldout_ll_" + key, fit.heldout_ll).add("ms_per_step_" + key, fit.ms_per_step);
      if (!std::isnan(fit.flow_heldout_ll))
        metrics.add("flow_heldout_ll_" + key, fit.flow_heldout_ll);
      const double top = *std::max_element(fit.log_p.begin(), fit.log_p.end());
      panels.push_back(kGrid.density_panel(fmt::format("{}: ll {:.3f}", titles[m], fit.heldout_ll),
                                           fit.log_p, top, 8));
    }
  }
  progress.finish("");

  auto log = ex.csv("loss.csv", columns);
  for (int64_t step = 0; step < s.steps; ++step) {
    std::vector<double> row;
    for (const auto& l : losses) row.push_back(l[static_cast<size_t>(step)]);
    log.row(step + 1, row);
  }

  ex.say("held-out log-likelihood (Z on a {}² grid over [−{}, {}]²):", kGrid.cells, kGrid.extent,
         kGrid.extent);
  ex.say("{:<14}{}", "", fmt::format("{:>16}", fmt::join(methods, "")));
  for (size_t d = 0; d < datasets.size(); ++d) {
    std::string row = fmt::format("{:<14}", datasets[d].name);
    for (size_t m = 0; m < methods.size(); ++m)
      row += fmt::format("{:>16.3f}", table[d * methods.size() + m]);
    ex.say("{}", row);
  }

  const int panel_columns = static_cast<int>(methods.size()) + 1;
  plot::save_png(panels, panel_columns, ex.path("density.png"), 400 * panel_columns,
                 300 * static_cast<int>(datasets.size()));
  ex.picture("density.png", "held-out data and each method's normalised log-density");

  // The table as a figure: rows data sets (top to bottom), columns methods; colours over the
  // 4 nats below the best fit, so that one diverged fit does not wash out the others.
  const double best = *std::max_element(table.begin(), table.end());
  plot::HeatMap h{.nx = static_cast<int64_t>(methods.size()),
                  .ny = static_cast<int64_t>(datasets.size()),
                  .vmin = best - 4,
                  .vmax = best,
                  .label = "ll",
                  .x_categories = titles,
                  .annotate = true};
  for (size_t iy = 0; iy < datasets.size(); ++iy) {  // row iy from the bottom
    const size_t d = datasets.size() - 1 - iy;
    h.y_categories.push_back(datasets[d].title);
    for (size_t m = 0; m < methods.size(); ++m) {
      h.values.push_back(std::max(table[d * methods.size() + m], best - 4));
      h.cell_labels.push_back(fmt::format("{:.3f}", table[d * methods.size() + m]));
    }
  }
  plot::save_png(
      plot::Panel{.title = "held-out log-likelihood, Z on a grid (higher is better)", .heat = h},
      ex.path("heldout_ll.png"), 900, 420);
  ex.picture("heldout_ll.png", "held-out log-likelihood per data set and method");
  ex.finish(metrics);
  return 0;
}

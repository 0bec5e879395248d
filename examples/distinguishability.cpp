// distinguishability: three claims of "On distinguishability criteria for estimating
// generative models" (Goodfellow 2014) and of the convergence literature, checked with
// numbers on the smallest models where they can be seen.
//
// (i) Dynamic NCE is maximum likelihood. NCE whose noise is a frozen copy of the model
//     (tg::est::dynamic_nce_loss) has, in expectation over the model's samples, exactly
//     ½ the gradient of the negative log-likelihood (tg::est::nll): the ½ is σ(0), the
//     classifier's output when noise = model (docs/estimators/nce.md). Model N(μ, 1), data
//     N(0, 1): we compare 2·∇_μ(dynamic NCE), averaged over draws, with ∇_μ nll = μ − x̄.
//
// (ii) Which generator cost is maximum likelihood. The generator N(μ, 1) (x = μ + z)
//     minimises E_z f(a(x)) with the discriminator's logit a held fixed. At the optimal
//     discriminator a*(x) = log p_data(x) − log p_g(x) = −μx + μ²/2, the gradient is
//     ∂_μ = −μ·E_z f'(a*(μ + z)), which for
//        minimax      f = −softplus(a)   is  μ·E σ(a*)      (vanishes as the supports part)
//        non-sat.     f = softplus(−a)   is  μ·E σ(−a*)     (not the MLE gradient either)
//        −exp(a)      f = −exp(a)        is  μ·E p_d/p_g = μ,  the MLE gradient ∂_μ KL(p_d‖p_g).
//     The curves come from quadrature; the dots from a logistic discriminator trained on
//     samples, through tapegrad's backward. The −exp(a) estimate's per-sample variance is
//     μ²·(E_g (p_d/p_g)² − 1) = μ²·(exp(μ²) − 1): a few samples with huge weights p_d/p_g.
//
// (iii) The Dirac GAN (Mescheder et al. 2018): data δ₀, generator δ_θ, linear
//     discriminator a(x) = ψ·x. The only equilibrium is (θ, ψ) = (0, 0), and its Jacobian
//     has purely imaginary eigenvalues, so with the minimax or non-saturating cost
//     simultaneous gradient steps spiral out and alternating steps circle; the R1 penalty
//     (γ/2)·ψ² makes both converge. GAN-GP λ(‖∇a‖ − 1)² does not: its pull on |ψ| towards
//     1 balances the loss's θ/2 at θ = 4λ, ψ ≈ 0, where the generator's gradient vanishes
//     away from the data.
//
//   distinguishability            # all three, ≈ 3 s
#include <fmt/format.h>

#include <cmath>
#include <map>

#include "common/example.hpp"
#include "common/plot.hpp"
#include "tapegrad.hpp"

namespace {

namespace plot = tg::examples::plot;
using Cost = tg::est::GeneratorCost;

double sigmoid(double a) { return 1 / (1 + std::exp(-a)); }

std::vector<double> grid(double lo, double hi, int n) {
  std::vector<double> v;
  for (int i = 0; i < n; ++i) v.push_back(lo + (hi - lo) * i / (n - 1));
  return v;
}

tg::Tensor scalar_param(double v) {
  return tg::from_vector(std::vector<double>{v}, {1}).requires_grad_();
}

// ---- (i) dynamic NCE against MLE ----

struct DynamicNceResult {
  std::vector<double> mu, mle, twice_nce, twice_nce_stderr;
  double max_abs_z = 0;  ///< max over μ of |2·NCE − MLE| / its standard error
};

DynamicNceResult dynamic_nce_vs_mle(int64_t n_data, int64_t draws, tg::Generator& gen) {
  const tg::Tensor data = tg::randn({n_data, 1}, gen, tg::kFloat64);
  DynamicNceResult r;
  for (double mu : grid(-2, 2, 9)) {
    tg::est::DiagonalGaussian model(tg::from_vector(std::vector<double>{mu}, {1}),
                                    tg::from_vector(std::vector<double>{1.0}, {1}));
    const double mle = tg::grad({tg::est::nll(model, data)}, {model.mean})[0].item<double>();
    double sum = 0, sum_sq = 0;
    for (int64_t k = 0; k < draws; ++k) {
      const double g =
          2 *
          tg::grad({tg::est::dynamic_nce_loss(model, data, gen)}, {model.mean})[0].item<double>();
      sum += g, sum_sq += g * g;
    }
    const double mean = sum / static_cast<double>(draws);
    const double var =
        (sum_sq - static_cast<double>(draws) * mean * mean) / static_cast<double>(draws - 1);
    const double stderr_ = std::sqrt(var / static_cast<double>(draws));
    r.mu.push_back(mu), r.mle.push_back(mle), r.twice_nce.push_back(mean);
    r.twice_nce_stderr.push_back(stderr_);
    r.max_abs_z = std::max(r.max_abs_z, std::abs(mean - mle) / stderr_);
  }
  return r;
}

// ---- (ii) generator gradients ----

/// −μ·E_z f'(a*(μ + z)) by the trapezoid rule over z ∈ [−12, 12] (the optimal D's logit
/// is a*(x) = −μx + μ²/2).
double optimal_gradient(Cost cost, double mu) {
  const int n = 4801;
  const double lo = -12, dz = 24.0 / (n - 1);
  double sum = 0;
  for (int i = 0; i < n; ++i) {
    const double z = lo + i * dz, x = mu + z, a = -mu * x + mu * mu / 2;
    const double f_prime = cost == Cost::Minimax         ? -sigmoid(a)
                           : cost == Cost::NonSaturating ? -sigmoid(-a)
                                                         : -std::exp(a);
    const double w = (i == 0 || i == n - 1) ? 0.5 : 1.0;
    sum += w * f_prime * std::exp(-z * z / 2) / std::sqrt(2 * M_PI) * dz;
  }
  return -mu * sum;
}

/// A logistic discriminator a(x) = w·x + b trained by Adam on −V (discriminator_loss)
/// with fresh samples of p_data = N(0, 1) and p_g = N(μ, 1) at every step.
struct LinearDiscriminator {
  tg::Tensor w = scalar_param(0), b = scalar_param(0);
  tg::Tensor operator()(const tg::Tensor& x) const { return x * w + b; }
};

LinearDiscriminator train_discriminator(double mu, int64_t steps, int64_t batch,
                                        tg::Generator& gen) {
  LinearDiscriminator d;
  tg::optim::Adam opt({d.w, d.b}, {.lr = 0.05});
  for (int64_t s = 0; s < steps; ++s) {
    const tg::Tensor real = tg::randn({batch}, gen, tg::kFloat64);
    const tg::Tensor fake = tg::randn({batch}, gen, tg::kFloat64) + mu;
    tg::Tensor loss = tg::est::discriminator_loss(d(real), d(fake));
    opt.zero_grad();
    loss.backward();
    opt.step();
  }
  return d;
}

struct GeneratorGradient {
  double mean = 0;      ///< ∂_μ E f(a(μ + z)), the batch estimate
  double variance = 0;  ///< the variance of one sample's contribution
};

/// ∂_μ of the batch cost with a fixed, and the per-sample variance: the per-sample terms
/// are ∂f(a(x_i))/∂x_i (∂x_i/∂μ = 1), read off one backward pass to x.
GeneratorGradient generator_gradient(Cost cost, double mu,
                                     const std::function<tg::Tensor(const tg::Tensor&)>& logit,
                                     int64_t n, tg::Generator& gen) {
  tg::Tensor x = (tg::randn({n}, gen, tg::kFloat64) + mu).requires_grad_();
  const tg::Tensor per_sample =
      tg::grad({tg::est::generator_cost(logit(x), cost) * static_cast<double>(n)}, {x})[0];
  const auto g = per_sample.to_vector<double>();
  GeneratorGradient r;
  for (double v : g) r.mean += v;
  r.mean /= static_cast<double>(n);
  for (double v : g) r.variance += (v - r.mean) * (v - r.mean);
  r.variance /= static_cast<double>(n - 1);
  return r;
}

// ---- (iii) the Dirac GAN ----

enum class Update { Simultaneous, Alternating };

struct Trajectory {
  std::vector<double> theta, psi;
  double final_radius() const { return std::hypot(theta.back(), psi.back()); }
};

/// Gradient steps of size h on the Dirac GAN from (θ, ψ) = (1, 1): the discriminator
/// descends −V + penalty, the generator its cost, both through the library's losses.
Trajectory dirac_gan(Cost cost, tg::est::Penalty penalty, Update update, int64_t steps, double h,
                     tg::Generator& gen) {
  tg::Tensor theta = tg::from_vector(std::vector<double>{1.0}, {1, 1}).requires_grad_();
  tg::Tensor psi = tg::from_vector(std::vector<double>{1.0}, {1, 1}).requires_grad_();
  const tg::Tensor real = tg::zeros({1, 1}, tg::kFloat64);
  Trajectory t{{1.0}, {1.0}};
  auto step = [&](tg::Tensor& p, const tg::Tensor& loss) {
    const tg::Tensor g = tg::grad({loss}, {p})[0];
    tg::NoGradGuard no_grad;
    p = (p - g * h).detach().requires_grad_();
  };
  for (int64_t s = 0; s < steps; ++s) {
    const tg::est::Critic critic = [&](const tg::Tensor& x) { return tg::matmul(x, psi); };
    auto d_loss = [&] {
      return tg::est::discriminator_loss(critic(real), critic(theta)) +
             tg::est::penalty_term(penalty, critic, real, theta, 1.0, gen);
    };
    auto g_cost = [&] { return tg::est::generator_cost(critic(theta), cost); };
    if (update == Update::Simultaneous) {
      const tg::Tensor dl = d_loss(), gc = g_cost();  // both at the current point
      step(psi, dl);
      step(theta, gc);
    } else {
      step(psi, d_loss());
      step(theta, g_cost());  // with the new ψ
    }
    t.theta.push_back(theta.item<double>()), t.psi.push_back(psi.item<double>());
  }
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  tg::examples::Example ex("distinguishability",
                           "dynamic NCE = MLE, which generator cost is MLE, the Dirac GAN",
                           {.steps = 1000, .full_steps = 5000});
  int64_t samples = 4000;
  double step_size = 0.1;
  ex.cli()
      .add_option("--samples", samples, "Monte Carlo samples per gradient estimate")
      ->check(CLI::Range(int64_t{2}, int64_t{10'000'000}));
  ex.cli()
      .add_option("--step-size", step_size, "the Dirac GAN's gradient step h")
      ->check(CLI::PositiveNumber);
  if (auto rc = ex.parse(argc, argv)) return *rc;
  const auto& flags = ex.flags();
  tg::Generator gen(flags.seed);
  tg::examples::JsonObject metrics;
  metrics.add("steps", flags.steps).add("samples", samples);

  // (i)
  const int64_t draws = flags.full ? 400 : 100;
  const DynamicNceResult nce = dynamic_nce_vs_mle(samples, draws, gen);
  ex.say(
      "(i) dynamic NCE: 2·gradient against the MLE gradient over μ in [−2, 2], {} draws: "
      "max |difference| / standard error = {:.2f}",
      draws, nce.max_abs_z);
  metrics.add("dynamic_nce_max_abs_z", nce.max_abs_z).add("dynamic_nce_draws", draws);
  {
    plot::Panel p{.title = "(i) dynamic NCE = ½ MLE gradient (model N(μ,1), data N(0,1))",
                  .xlabel = "model mean μ",
                  .ylabel = "gradient with respect to μ"};
    p.series.push_back(
        {.x = nce.mu, .y = nce.mle, .label = "MLE: ∂ nll / ∂μ = μ − x̄", .colour = plot::kBlack});
    p.series.push_back({.x = nce.mu,
                        .y = nce.twice_nce,
                        .label = "2 × dynamic NCE (mean of draws)",
                        .mark = plot::Mark::Dots,
                        .colour = plot::palette(3),
                        .size = 2.5});
    p.legend_bottom = true;
    plot::save_png(p, ex.path("dynamic_nce.png"));
    ex.picture("dynamic_nce.png", "2 × dynamic NCE gradient against the MLE gradient");
  }

  // (ii)
  const std::vector<std::pair<Cost, std::string>> costs{
      {Cost::Minimax, "minimax"}, {Cost::NonSaturating, "ns"}, {Cost::MaximumLikelihood, "exp"}};
  const std::map<std::string, std::string> cost_label{{"minimax", "minimax −softplus(a)"},
                                                      {"ns", "non-saturating softplus(−a)"},
                                                      {"exp", "−exp(a)"}};
  const auto dense = grid(-3, 3, 121);
  const auto coarse = grid(-3, 3, 13);
  plot::Panel grads{.title = "(ii) generator gradients, data N(0,1), generator N(μ,1)",
                    .xlabel = "generator mean μ",
                    .ylabel = "∂ cost / ∂μ",
                    .ymin = -6.5};  // room for the legend below the curves
  grads.series.push_back({.x = dense,
                          .y = dense,
                          .label = "MLE gradient μ",
                          .mark = plot::Mark::DashedLine,
                          .colour = plot::kBlack,
                          .size = 1.5});
  plot::Panel variance{.title = "(ii) per-sample variance of the gradient, trained D",
                       .xlabel = "generator mean μ",
                       .ylabel = "variance of one sample's term",
                       .ymin = 1e-3,
                       .ymax = 1e8,
                       .logy = true};
  std::vector<double> exp_error, exp_stderr;  // the −exp(a) dots: gradient − μ, standard error
  for (size_t c = 0; c < costs.size(); ++c) {
    const auto& [cost, name] = costs[c];
    std::vector<double> curve, dots, var;
    for (double mu : dense) curve.push_back(optimal_gradient(cost, mu));
    for (double mu : coarse) {
      const LinearDiscriminator d = train_discriminator(mu, 300, 512, gen);
      const auto g = generator_gradient(cost, mu, d, samples, gen);
      dots.push_back(g.mean), var.push_back(g.variance);
      if (cost == Cost::MaximumLikelihood) {
        exp_error.push_back(g.mean - mu);
        exp_stderr.push_back(std::sqrt(g.variance / static_cast<double>(samples)));
      }
    }
    const auto colour = plot::palette(c);
    grads.series.push_back(
        {.x = dense, .y = curve, .label = cost_label.at(name) + ", optimal D", .colour = colour});
    grads.series.push_back({.x = coarse,
                            .y = dots,
                            .label = "trained D",
                            .mark = plot::Mark::Dots,
                            .colour = colour,
                            .size = 2.5});
    variance.series.push_back({.x = coarse,
                               .y = var,
                               .label = cost_label.at(name),
                               .mark = plot::Mark::Dots,
                               .colour = colour,
                               .size = 2.5});
    metrics.add("gradient_optimal_" + name,
                std::vector<double>{optimal_gradient(cost, 1.0), optimal_gradient(cost, 3.0)});
  }
  std::vector<double> closed_variance;
  for (double mu : dense) closed_variance.push_back(mu * mu * std::expm1(mu * mu));
  variance.series.push_back({.x = dense,
                             .y = closed_variance,
                             .label = "−exp(a), optimal D: μ²(exp(μ²) − 1)",
                             .colour = plot::palette(2)});
  grads.legend_bottom = true;
  double max_z = 0;
  for (size_t i = 0; i < exp_error.size(); ++i)
    max_z = std::max(max_z, std::abs(exp_error[i]) / exp_stderr[i]);
  ex.say(
      "(ii) at μ = 1 with the optimal D: minimax {:.4f}, non-saturating {:.4f}, −exp(a) {:.4f}, "
      "MLE 1",
      optimal_gradient(Cost::Minimax, 1), optimal_gradient(Cost::NonSaturating, 1),
      optimal_gradient(Cost::MaximumLikelihood, 1));
  ex.say("     −exp(a), trained D: gradient − μ = {:.3f} (standard errors {:.3f}) at μ = {}",
         fmt::join(exp_error, " "), fmt::join(exp_stderr, " "), fmt::join(coarse, " "));
  metrics.add("mu_grid", coarse).add("exp_cost_trained_error", exp_error);
  metrics.add("exp_cost_trained_stderr", exp_stderr);
  metrics.add("exp_cost_variance_mu_1_2_3",
              std::vector<double>{closed_variance[80], closed_variance[100], closed_variance[120]});
  plot::save_png(grads, ex.path("generator_gradients.png"));
  ex.picture("generator_gradients.png",
             "generator gradient against μ for each cost, optimal and trained D");
  plot::save_png(variance, ex.path("gradient_variance.png"));
  ex.picture("gradient_variance.png", "per-sample variance of each cost's gradient against μ");

  // (iii)
  const std::vector<std::pair<tg::est::Penalty, std::string>> penalties{
      {tg::est::Penalty::None, "none"},
      {tg::est::Penalty::R1, "r1"},
      {tg::est::Penalty::GanGp, "gan-gp"}};
  std::vector<plot::Panel> portraits;
  auto progress = ex.progress(4, "Dirac GAN");
  int64_t done = 0;
  auto log = ex.csv("dirac.csv", {"cost", "update", "penalty", "theta", "psi"});
  for (size_t c = 0; c < 2; ++c) {
    for (const Update update : {Update::Simultaneous, Update::Alternating}) {
      const std::string update_name =
          update == Update::Simultaneous ? "simultaneous" : "alternating";
      plot::Panel p{.title = fmt::format("Dirac GAN, {}, {} steps",
                                         c == 0 ? "minimax" : "non-saturating", update_name),
                    .xlabel = "generator θ",
                    .ylabel = "discriminator ψ"};
      for (size_t k = 0; k < penalties.size(); ++k) {
        const Trajectory t =
            dirac_gan(costs[c].first, penalties[k].first, update, flags.steps, step_size, gen);
        for (size_t s = 0; s < t.theta.size(); ++s)
          log.row(static_cast<int64_t>(s),
                  {static_cast<double>(c), static_cast<double>(update == Update::Alternating),
                   static_cast<double>(k), t.theta[s], t.psi[s]});
        const std::string key =
            fmt::format("dirac_radius_{}_{}_{}", costs[c].second, update_name, penalties[k].second);
        metrics.add(key, t.final_radius());
        ex.say("(iii) {:<40} final ‖(θ, ψ)‖ = {:.3g} (start 1.41)", key, t.final_radius());
        p.series.push_back(
            {.x = t.theta,
             .y = t.psi,
             .label = penalties[k].second == "none" ? "no penalty" : penalties[k].second,
             .colour = plot::palette(k),
             .size = 0.7});
      }
      p.series.push_back({.x = {1.0},
                          .y = {1.0},
                          .label = "start",
                          .mark = plot::Mark::Dots,
                          .colour = plot::kBlack,
                          .size = 3});
      portraits.push_back(std::move(p));
      progress.update(++done, [] { return std::string(); });
    }
  }
  progress.finish("");
  plot::save_png(portraits, 2, ex.path("dirac_gan.png"), 1200, 1000);
  ex.picture("dirac_gan.png",
             "Dirac GAN (θ, ψ) trajectories, minimax and NS, simultaneous and alternating");
  ex.finish(metrics);
  return 0;
}

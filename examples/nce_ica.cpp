// nce_ica: noise-contrastive estimation recovers an ICA model as fast as maximum
// likelihood does — its error falls as 1/T (Gutmann & Hyvärinen, AISTATS 2010, §3).
//
// The data: x = A·s in D = 4 dimensions, with independent Laplacian sources of unit
// variance, p(s) = (1/√2)·exp(−√2·|s|), and a fixed random mixing matrix A.
//
// The model, with demixing matrix B (the estimate of A⁻¹):
//   log p(x; B) = −√2 Σ_i |(B·x)_i| + log |det B| − (D/2)·log 2.
// Two estimators fit B to T data points:
//   MLE   minimises tg::est::nll, the normalised log-likelihood above (tractable here:
//         log |det B| is the whole normaliser);
//   NCE   never sees the normaliser: the unnormalised model log p_m = −E(x) − c, with the
//         energy E(x) = √2 Σ_i |(B·x)_i| and c a learned scalar, is fitted by
//         tg::est::nce_loss, telling the T data points from ν·T points of Gaussian noise
//         whose mean and covariance match the data's (tg::est::FullCovarianceGaussian).
// Both are consistent and asymptotically normal, so the mean squared error of the
// estimated mixing matrix Â = B̂⁻¹ falls as 1/T: slope −1 on a log-log plot, NCE's line
// above MLE's by a factor that shrinks as ν grows (the paper's Fig. 1).
//
// Â is only defined up to the order and signs of its columns (the sources are symmetric
// and exchangeable), so each estimate is matched to A over the 4! orders and the signs
// before its error is taken.
//
//   nce_ica                      # T = 500…8000, ν = 1 and 5, 6 repeats (≈ 50 s)
//   nce_ica --full               # T up to 32000, ν = 0.5, 1, 5, 10, 10 repeats
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include "common/example.hpp"
#include "common/plot.hpp"
#include "common/stats.hpp"
#include "tapegrad.hpp"
#include "tapegrad/autograd/parallel.hpp"

namespace {

constexpr int64_t kDim = 4;
const double kSqrt2 = std::sqrt(2.0);

// ---- small dense algebra in doubles, for the truth and the error (row-major D×D) ----
using Matrix = std::vector<double>;

double& at(Matrix& m, int64_t r, int64_t c) { return m[static_cast<size_t>(r * kDim + c)]; }
double at(const Matrix& m, int64_t r, int64_t c) { return m[static_cast<size_t>(r * kDim + c)]; }

/// M⁻¹ by Gauss–Jordan elimination with partial pivoting.
Matrix inverse(Matrix m) {
  Matrix inv(kDim * kDim, 0.0);
  for (int64_t i = 0; i < kDim; ++i) at(inv, i, i) = 1;
  for (int64_t k = 0; k < kDim; ++k) {
    int64_t p = k;
    for (int64_t i = k + 1; i < kDim; ++i)
      if (std::abs(at(m, i, k)) > std::abs(at(m, p, k))) p = i;
    for (int64_t c = 0; c < kDim; ++c)
      std::swap(at(m, k, c), at(m, p, c)), std::swap(at(inv, k, c), at(inv, p, c));
    const double pivot = at(m, k, k);
    for (int64_t c = 0; c < kDim; ++c) at(m, k, c) /= pivot, at(inv, k, c) /= pivot;
    for (int64_t i = 0; i < kDim; ++i) {
      if (i == k) continue;
      const double f = at(m, i, k);
      for (int64_t c = 0; c < kDim; ++c)
        at(m, i, c) -= f * at(m, k, c), at(inv, i, c) -= f * at(inv, k, c);
    }
  }
  return inv;
}

/// The lower-triangular Cholesky factor L of a symmetric positive-definite S = L·Lᵀ.
Matrix cholesky(const Matrix& s) {
  Matrix l(kDim * kDim, 0.0);
  for (int64_t i = 0; i < kDim; ++i)
    for (int64_t j = 0; j <= i; ++j) {
      double v = at(s, i, j);
      for (int64_t k = 0; k < j; ++k) v -= at(l, i, k) * at(l, j, k);
      at(l, i, j) = i == j ? std::sqrt(v) : v / at(l, j, j);
    }
  return l;
}

/// Mean squared error over the D² entries of Â against A, at the best order and signs of
/// Â's columns.
double matched_mse(const Matrix& a_hat, const Matrix& a) {
  std::vector<int64_t> order(kDim);
  std::iota(order.begin(), order.end(), 0);
  double best = INFINITY;
  do {
    double err = 0;
    for (int64_t j = 0; j < kDim; ++j) {  // column order[j] of Â against column j of A
      double plus = 0, minus = 0;
      for (int64_t i = 0; i < kDim; ++i) {
        const double e = at(a_hat, i, order[static_cast<size_t>(j)]), t = at(a, i, j);
        plus += (e - t) * (e - t), minus += (e + t) * (e + t);
      }
      err += std::min(plus, minus);
    }
    best = std::min(best, err);
  } while (std::next_permutation(order.begin(), order.end()));
  return best / (kDim * kDim);
}

// ---- the model ----

/// log |det B| by Gaussian elimination on B's rows, recorded so it can be differentiated
/// (its gradient is B⁻ᵀ); the pivot order is chosen from the values.
tg::Tensor log_abs_det(const tg::Tensor& b) {
  std::vector<tg::Tensor> rows;
  for (int64_t i = 0; i < kDim; ++i) rows.push_back(tg::slice(b, 0, i, i + 1).reshape({kDim}));
  tg::Tensor total = tg::scalar_tensor(0.0, b.dtype());
  for (int64_t k = 0; k < kDim; ++k) {
    int64_t p = k;
    double largest = 0;
    for (int64_t i = k; i < kDim; ++i) {
      const double v =
          std::abs(rows[static_cast<size_t>(i)].to_vector<double>()[static_cast<size_t>(k)]);
      if (v > largest) largest = v, p = i;
    }
    std::swap(rows[static_cast<size_t>(k)], rows[static_cast<size_t>(p)]);
    const tg::Tensor pivot = tg::slice(rows[static_cast<size_t>(k)], 0, k, k + 1);
    total = total + tg::log(tg::abs(pivot)).sum();
    for (int64_t i = k + 1; i < kDim; ++i) {
      auto& row = rows[static_cast<size_t>(i)];
      row = row - rows[static_cast<size_t>(k)] * (tg::slice(row, 0, k, k + 1) / pivot);
    }
  }
  return total;
}

/// The ICA model as a normalised Distribution (for MLE and for drawing the data). B is
/// parametrised as B = W·P with a fixed preconditioner P (the data's whitening matrix
/// when fitting, so that W starts at I and only has to rotate; I for the truth): the same
/// model and estimators, on a better-scaled problem for the optimiser.
class IcaModel : public tg::est::Distribution {
 public:
  IcaModel(tg::Tensor w, tg::Tensor preconditioner)
      : w(std::move(w)), p_(std::move(preconditioner)) {}

  tg::Tensor demixing() const { return tg::matmul(w, p_); }
  /// E(x) = √2 Σ_i |(B·x)_i|: the unnormalised negative log-density, [T, D] -> [T].
  tg::Tensor energy(const tg::Tensor& x) const {
    return tg::abs(tg::matmul(x, demixing().t())).sum(1) * kSqrt2;
  }
  tg::Tensor log_prob(const tg::Tensor& x) const override {
    return -energy(x) + log_abs_det(demixing()) - 0.5 * kDim * std::log(2.0);
  }
  /// x = B⁻¹·s with Laplacian s (inverse CDF of a uniform on (−½, ½)).
  tg::Tensor sample(int64_t n, tg::Generator& gen) const override {
    const tg::Tensor u = tg::rand({n, kDim}, gen, tg::kFloat64, -0.5, 0.5);
    const tg::Tensor s = -tg::sign(u) * tg::log1p(-2.0 * tg::abs(u)) / kSqrt2;
    return tg::matmul(s,
                      tg::from_vector(inverse(demixing().to_vector<double>()), {kDim, kDim}).t());
  }
  int64_t dim() const override { return kDim; }

  tg::Tensor w;  ///< the trained factor of B, [D, D]

 private:
  tg::Tensor p_;
};

// ---- one fit ----

struct FitSettings {
  int64_t steps;
  double lr;
};

/// Minimises `loss` over `params` by full-batch Adam with a cosine-annealed rate,
/// reporting every step's loss.
template <class Loss, class Report>
void minimise(const Loss& loss, std::vector<tg::Tensor> params, const FitSettings& fit,
              const Report& report) {
  tg::optim::Adam opt(std::move(params), {.lr = fit.lr});
  tg::optim::CosineAnnealingLR schedule(opt, fit.steps);
  for (int64_t step = 1; step <= fit.steps; ++step) {
    tg::Tensor j = loss();
    opt.zero_grad();
    j.backward();
    opt.step();
    schedule.step();
    report(step, j.item<double>());
  }
}

}  // namespace

int main(int argc, char** argv) {
  tg::examples::Example ex("nce_ica", "NCE against MLE for a 4-D ICA model, error against T",
                           {.steps = 300, .full_steps = 1000});
  std::vector<int64_t> sizes{500, 1000, 2000, 4000, 8000};
  std::vector<double> nus{1, 5};
  int64_t repeats = 6;
  double lr = 0.05;
  ex.cli().add_option("--sizes", sizes, "sample sizes T")->check(CLI::PositiveNumber);
  ex.cli().add_option("--nu", nus, "NCE noise ratios ν = T_noise / T")->check(CLI::PositiveNumber);
  ex.cli()
      .add_option("--repeats", repeats, "fits per (method, T), each on fresh data")
      ->check(CLI::PositiveNumber);
  ex.cli()
      .add_option("--lr", lr, "Adam's initial learning rate (cosine-annealed to 0)")
      ->check(CLI::PositiveNumber);
  if (auto rc = ex.parse(argc, argv)) return *rc;
  const auto& flags = ex.flags();
  if (flags.full && ex.cli().count("--sizes") == 0)
    sizes = {500, 1000, 2000, 4000, 8000, 16000, 32000};
  if (flags.full && ex.cli().count("--nu") == 0) nus = {0.5, 1, 5, 10};
  if (flags.full && ex.cli().count("--repeats") == 0) repeats = 10;

  // The truth: a random mixing matrix (seeded, fixed across T and repeats).
  tg::Generator truth_gen(flags.seed);
  const Matrix a_true = tg::randn({kDim, kDim}, truth_gen, tg::kFloat64).to_vector<double>();
  const IcaModel truth(tg::from_vector(inverse(a_true), {kDim, kDim}), tg::eye(kDim, tg::kFloat64));

  // Methods: "mle", then "nce_nu<ν>" per ν.
  std::vector<std::string> methods{"mle"};
  for (double nu : nus) methods.push_back(fmt::format("nce_nu{}", nu));
  const FitSettings fit{flags.steps, lr};
  ex.say("nce_ica: D = {}, T in {}, ν in {}, {} repeats, {} Adam steps per fit, {} threads", kDim,
         fmt::join(sizes, ", "), fmt::join(nus, ", "), repeats, fit.steps, tg::get_num_threads());

  auto progress = ex.progress(
      static_cast<int64_t>(sizes.size() * methods.size()) * repeats * fit.steps, "nce_ica");
  auto log = ex.csv("loss.csv", {"T", "nu", "repeat", "loss"});  // nu = 0: MLE
  // method -> MSE per T: the geometric mean over repeats, robust to the odd slow fit at
  // small T; its log-log slope is the same (−1), since T·MSE has a limiting distribution.
  std::map<std::string, std::vector<double>> mse;
  std::vector<std::vector<double>> last_curves(methods.size());  // loss per step at the largest T
  int64_t done = 0;
  for (const int64_t t : sizes) {
    std::vector<double> sum_log(methods.size(), 0.0);
    for (int64_t r = 0; r < repeats; ++r) {
      // Fresh data for each (T, repeat); the same data for every method.
      tg::Generator gen(flags.seed * 1'000'003 + 7919 * static_cast<uint64_t>(t) +
                        static_cast<uint64_t>(r));
      const tg::Tensor x = truth.sample(t, gen);

      // The noise: a Gaussian with the data's mean and covariance.
      const tg::Tensor mean = tg::mean(x, {0});
      const tg::Tensor centred = x - mean;
      const Matrix cov =
          (tg::matmul(centred.t(), centred) / static_cast<double>(t)).to_vector<double>();
      const Matrix l = cholesky(cov);
      const tg::est::FullCovarianceGaussian noise(mean, tg::from_vector(l, {kDim, kDim}));

      // Every fit starts from the whitening matrix B = L⁻¹ (W = I: a rotation away from a
      // solution), and NCE's c from that start's log-normaliser (D/2)·log 2 − log |det B|.
      const tg::Tensor whitening = tg::from_vector(inverse(l), {kDim, kDim});
      for (size_t m = 0; m < methods.size(); ++m) {
        IcaModel model(tg::eye(kDim, tg::kFloat64), whitening);
        model.w.requires_grad_();
        const double nu = m == 0 ? 0.0 : nus[m - 1];
        auto report = [&](int64_t step, double loss) {
          log.row(step, {static_cast<double>(t), nu, static_cast<double>(r), loss});
          if (t == sizes.back() && r == 0) last_curves[m].push_back(loss);
          progress.update(++done, [&] {
            return fmt::format("T {} {} repeat {}: loss {:.5f}", t, methods[m], r, loss);
          });
        };
        if (m == 0) {
          minimise([&] { return tg::est::nll(model, x); }, {model.w}, fit, report);
        } else {
          tg::Tensor c =
              tg::from_vector(std::vector<double>{0.5 * kDim * std::log(2.0) -
                                                  log_abs_det(model.demixing()).item<double>()},
                              {1});
          c.requires_grad_();
          tg::Tensor noise_samples;
          {
            tg::NoGradGuard no_grad;
            noise_samples = noise.sample(std::llround(nu * static_cast<double>(t)), gen);
          }
          const tg::est::Energy energy = [&](const tg::Tensor& v) { return model.energy(v); };
          minimise([&] { return tg::est::nce_loss(energy, c, x, noise_samples, noise, nu); },
                   {model.w, c}, fit, report);
        }
        sum_log[m] += std::log(matched_mse(inverse(model.demixing().to_vector<double>()), a_true));
      }
    }
    for (size_t m = 0; m < methods.size(); ++m)
      mse[methods[m]].push_back(std::exp(sum_log[m] / static_cast<double>(repeats)));
  }
  progress.finish("");

  // The lesson's number: the slope of log MSE against log T, for each method.
  std::vector<double> log_t;
  for (int64_t t : sizes) log_t.push_back(std::log(static_cast<double>(t)));
  tg::examples::JsonObject metrics;
  metrics.add("steps", flags.steps).add("repeats", repeats);
  metrics.add("sizes", std::vector<double>(sizes.begin(), sizes.end())).add("nus", nus);
  metrics.add("methods", methods);
  namespace plot = tg::examples::plot;
  plot::Panel mse_plot{.title = "ICA, D = 4: error of the mixing matrix against the sample size",
                       .xlabel = "sample size T",
                       .ylabel = "MSE of Â (geometric mean of the repeats)",
                       .logx = true,
                       .logy = true};
  for (size_t m = 0; m < methods.size(); ++m) {
    const auto& name = methods[m];
    std::vector<double> log_mse;
    for (double v : mse[name]) log_mse.push_back(std::log(v));
    const auto fit_line =
        sizes.size() >= 2 ? tg::examples::fit_line(log_t, log_mse) : tg::examples::LineFit{};
    metrics.add("mse_" + name, mse[name]);
    metrics.add("slope_" + name, fit_line.slope).add("slope_stderr_" + name, fit_line.slope_stderr);
    const std::string label = m == 0 ? "MLE" : fmt::format("NCE, ν = {}", nus[m - 1]);
    ex.say("{:<14} MSE {}   slope {:+.3f} ± {:.3f}", label, fmt::join(mse[name], " "),
           fit_line.slope, fit_line.slope_stderr);
    const auto colour = plot::palette(m);
    mse_plot.series.push_back({.x = std::vector<double>(sizes.begin(), sizes.end()),
                               .y = mse[name],
                               .label = label,
                               .mark = plot::Mark::Dots,
                               .colour = colour,
                               .size = 2.0});
    std::vector<double> fitted;
    for (double lt : log_t) fitted.push_back(std::exp(fit_line.intercept + fit_line.slope * lt));
    mse_plot.series.push_back({.x = mse_plot.series.back().x,
                               .y = fitted,
                               .label = fmt::format("fit, slope {:.2f}", fit_line.slope),
                               .mark = plot::Mark::DashedLine,
                               .colour = colour});
  }
  plot::save_png(mse_plot, ex.path("mse_vs_T.png"));
  ex.picture("mse_vs_T.png", "log-log MSE of Â against T, with fitted lines");

  std::vector<plot::Panel> curves;
  for (size_t m = 0; m < methods.size(); ++m) {
    std::vector<double> steps(last_curves[m].size());
    std::iota(steps.begin(), steps.end(), 1.0);
    curves.push_back(
        {.title = fmt::format(
             "{} at T = {}", m == 0 ? "MLE" : fmt::format("NCE, ν = {}", nus[m - 1]), sizes.back()),
         .xlabel = "Adam step",
         .ylabel = m == 0 ? "mean negative log-likelihood" : "NCE loss J",
         .series = {{.x = steps, .y = last_curves[m], .colour = plot::palette(m)}}});
  }
  plot::save_png(curves, static_cast<int>(curves.size()), ex.path("loss.png"),
                 420 * static_cast<int>(curves.size()), 380);
  ex.picture("loss.png", "training loss per step, first repeat at the largest T");
  ex.finish(metrics);
  return 0;
}

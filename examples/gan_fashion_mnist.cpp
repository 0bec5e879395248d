// gan_fashion_mnist: the GAN paper's MNIST experiment (Goodfellow et al. 2014, §5 and
// Table 1) on Fashion-MNIST: 28×28 grey-scale pictures of clothes, shoes and bags.
//
// The set-up is the paper's code (goodfeli/adversarial, mnist.yaml):
//   generator      z ~ N(0, I₁₀₀) → 1200 ReLU → 1200 ReLU → 784 sigmoid (pixel intensities),
//                  the output biases set to logit(mean pixel of the training set);
//   discriminator  784 → maxout 240 units × 5 pieces → maxout 240 × 5 → 1 logit, with
//                  dropout on the input of every layer (drop 0.2 before the first, 0.5 after);
//   the game       tg::est::GameDriver: one discriminator step on −V (docs/estimators.md),
//                  then one generator step on the non-saturating cost −E log D(G(z)) (the
//                  discriminator's dropout stays on, as in the reference), both on batches
//                  of 100, each player with its own Adam (lr 2e-3, betas 0.5, 0.999) in place
//                  of the paper's SGD with momentum, to get clothes within two minutes.
// The data are the 60,000 training images split as the paper split MNIST's: the first
// 50,000 train the GAN, the last 10,000 are the validation set on which σ is chosen.
//
// The measure is Table 1's: the Parzen-window log-likelihood of the test set under a Gaussian
// kernel density fitted to generator samples, σ chosen on the validation set from the
// reference grid, reported with its standard error (tg::est::parzen_log_likelihood,
// docs/estimators/evaluation.md). Along the way it draws 10×10 sample grids from a fixed z.
//
// Data parallelism (tg::dist, docs/distributed.md): started by `mpirun -np P`, every rank
// trains on its own 1/P of each batch of 100, and each player's gradients are averaged over
// the ranks before its optimiser step, so the ranks hold the same parameters throughout.
// Rank 0 alone reports, draws and evaluates.
//
//   gan_fashion_mnist                 # 1,000 steps, Parzen on 1,000 validation / 2,000 test
//   gan_fashion_mnist --full          # 50,000 steps (100 epochs), Parzen on 10,000 / 10,000
//   mpirun -np 2 gan_fashion_mnist --threads 1   # two ranks, one thread each
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "common/example.hpp"
#include "common/plot.hpp"
#include "tapegrad.hpp"
#include "tapegrad/dist.hpp"

namespace {

namespace plot = tg::examples::plot;

constexpr int64_t kNoise = 100;  // z ∈ R¹⁰⁰
constexpr int64_t kSide = 28;    // images are kSide × kSide
constexpr int64_t kPixels = kSide * kSide;

struct Config {
  std::string data = tg::data::kFashionMnistDir;
  int64_t batch = 100;
  double lr = 2e-3;
  int64_t samples = 10000;  // generator samples for the Parzen window (the paper's count)
  int64_t validation = 0;   // validation points that choose σ (0: the default's)
  int64_t test = 0;         // test points the log-likelihood is averaged over (0: the default's)
  int64_t snapshot = 0;     // 0: a quarter of the run
};

/// The paper's discriminator: dropout, maxout, dropout, maxout, dropout, one logit.
std::shared_ptr<tg::nn::Sequential> maxout_discriminator(tg::Generator& gen) {
  auto d = std::make_shared<tg::nn::Sequential>();
  d->emplace_back<tg::nn::Dropout>(0.2, gen);
  d->emplace_back<tg::nn::Maxout>(kPixels, 240, 5, gen);
  d->emplace_back<tg::nn::Dropout>(0.5, gen);
  d->emplace_back<tg::nn::Maxout>(240, 240, 5, gen);
  d->emplace_back<tg::nn::Dropout>(0.5, gen);
  d->emplace_back<tg::nn::Linear>(240, 1, gen);
  return d;
}

/// `n` generator samples, drawn in batches without recording.
tg::Tensor sample(tg::nn::Module& generator, int64_t n, tg::Generator& gen) {
  tg::NoGradGuard no_grad;
  std::vector<tg::Tensor> parts;
  for (int64_t done = 0; done < n; done += 1000)
    parts.push_back(generator(tg::randn({std::min<int64_t>(1000, n - done), kNoise}, gen)));
  return tg::cat(parts, 0);
}

/// Rows of `images` [N, 784] as a grid of ten columns.
plot::ImageGrid image_grid(const tg::Tensor& images, std::string title) {
  const int64_t n = images.size(0);
  return {.title = std::move(title),
          .rows = (n + 9) / 10,
          .columns = 10,
          .height = kSide,
          .width = kSide,
          .pixels = images.to_vector<double>()};
}

}  // namespace

int main(int argc, char** argv) {
  tg::dist::Environment mpi(argc, argv);  // a world of one rank without mpirun
  tg::examples::Example ex("gan_fashion_mnist",
                           "the GAN paper's MNIST set-up on Fashion-MNIST, with its Parzen-window "
                           "log-likelihood",
                           {.steps = 1000, .full_steps = 50000});
  Config cfg;
  CLI::App& app = ex.cli();
  app.add_option("--data", cfg.data, "folder with Fashion-MNIST's four .gz files")
      ->capture_default_str();
  app.add_option("--batch", cfg.batch, "samples per batch")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--lr", cfg.lr, "both players' Adam learning rate (betas 0.5, 0.999)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--samples", cfg.samples, "generator samples for the Parzen window")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--validation", cfg.validation,
                 "validation points that choose sigma (default 1000, 10000 with --full)")
      ->check(CLI::Range(0, 10000));
  app.add_option("--test", cfg.test,
                 "test points for the log-likelihood (default 2000, 10000 with --full)")
      ->check(CLI::Range(0, 10000));
  app.add_option("--snapshot", cfg.snapshot, "a sample grid every N steps (default: steps / 4)")
      ->check(CLI::NonNegativeNumber);
  if (auto rc = ex.parse(argc, argv)) return *rc;
  const int64_t steps = ex.flags().steps;
  const bool full = ex.flags().full;
  if (cfg.snapshot == 0) cfg.snapshot = std::max<int64_t>(1, steps / 4);
  if (cfg.validation == 0) cfg.validation = full ? 10000 : 1000;
  if (cfg.test == 0) cfg.test = full ? 10000 : 2000;
  const int ranks = tg::dist::world_size();
  const bool main_rank = tg::dist::is_main();
  if (cfg.batch % ranks != 0) {
    fmt::print(stderr, "gan_fashion_mnist: --batch {} does not split evenly over {} ranks\n",
               cfg.batch, ranks);
    return 1;
  }
  const int64_t rank_batch = cfg.batch / ranks;

  // The data: 50,000 training images, 10,000 for validation, and the 10,000 test images.
  tg::data::FashionMnist train_split, test_split;
  try {
    train_split = tg::data::load_fashion_mnist(true, cfg.data);
    test_split = tg::data::load_fashion_mnist(false, cfg.data);
  } catch (const tg::IoError& e) {
    fmt::print(stderr, "gan_fashion_mnist: {}\n(--data {} is the folder it looked in)\n", e.what(),
               cfg.data);
    return 1;
  }
  const tg::Tensor train = tg::slice(train_split.images, 0, 0, 50000);
  const tg::Tensor validation = tg::slice(train_split.images, 0, 50000, 50000 + cfg.validation);
  const tg::Tensor test = tg::slice(test_split.images, 0, 0, cfg.test);

  // The players.
  tg::Generator gen(ex.flags().seed);
  auto generator = std::make_shared<tg::nn::MLP>(
      std::vector<int64_t>{kNoise, 1200, 1200, kPixels}, tg::nn::Activation::ReLU, gen,
      tg::nn::MLPOptions{.output_activation = tg::nn::Activation::Sigmoid});
  {
    // Start every pixel at its mean intensity over the training set (the paper's
    // init_sigmoid_bias_from_marginals), clipped off 0 and 1 so the logit is finite.
    tg::NoGradGuard no_grad;
    const tg::Tensor p = tg::clamp(train.mean({0}), 1e-3, 1 - 1e-3);
    generator->linears().back()->bias.copy_(tg::log(p / (1.0 - p)));
  }
  std::shared_ptr<tg::nn::Sequential> discriminator = maxout_discriminator(gen);
  // Every rank starts from rank 0's parameters; the gradients of each step are averaged
  // over the ranks (buckets all-reduced while backward runs).
  tg::dist::DataParallel parallel_g(generator), parallel_d(discriminator);
  tg::optim::Adam opt_g(generator->parameters(), {.lr = cfg.lr, .betas = {0.5, 0.999}});
  tg::optim::Adam opt_d(discriminator->parameters(), {.lr = cfg.lr, .betas = {0.5, 0.999}});
  // From here on each rank draws its own noise and dropout masks: a new stream per rank
  // (the dropout layers hold `gen`, so they follow it).
  gen = tg::Generator(ex.flags().seed + static_cast<uint64_t>(tg::dist::rank()) * 0x9e37ull);

  // The game: data batches from shuffled epochs of the training images, noise from N(0, I).
  // Every rank shuffles with the same seed and takes its own shard of each epoch.
  tg::data::DataLoader loader(std::make_shared<tg::data::TensorDataset>(train),
                              {.batch_size = rank_batch,
                               .shuffle = true,
                               .drop_last = true,
                               .seed = ex.flags().seed + 1,
                               .num_shards = ranks,
                               .shard = tg::dist::rank()});
  auto next_batch = loader.begin();
  tg::est::GameDriver driver(
      {*generator, opt_g, [&] { parallel_g.synchronize_gradients(); }},
      {*discriminator, opt_d, [&] { parallel_d.synchronize_gradients(); }},
      [&](int64_t /*n = batch*/, tg::Generator&) {
        if (next_batch == loader.end()) next_batch = loader.begin();
        const tg::Tensor x = (*next_batch).x;
        ++next_batch;
        return x;
      },
      [](int64_t n, tg::Generator& g) {
        return tg::randn({n, kNoise}, g);
      },
      gen, {.batch_size = rank_batch});

  // Pictures: 100 samples from one fixed z, so that the grids show the same draws improving.
  tg::Generator eval_gen(ex.flags().seed + 0x9e3779b97f4a7c15ull);
  const tg::Tensor fixed_z = tg::randn({100, kNoise}, eval_gen);
  auto picture = [&](int64_t step) {
    tg::NoGradGuard no_grad;
    const std::string file = fmt::format("samples_{:06d}.png", step);
    plot::save_png(image_grid((*generator)(fixed_z), fmt::format("G(z) after {} steps", step)),
                   ex.path(file));
    ex.picture(file, fmt::format("100 generator samples at step {}", step));
  };
  // The other ranks train and stop; rank 0 also reports, draws and evaluates.
  if (!main_rank) {
    driver.run(steps);
    return 0;
  }
  plot::save_png(image_grid(tg::slice(validation, 0, 0, std::min<int64_t>(100, cfg.validation)),
                            "Fashion-MNIST (validation)"),
                 ex.path("data.png"));
  ex.picture("data.png", "100 validation images, for comparison");

  ex.say("gan_fashion_mnist: {} steps, batch {} ({} rank{} of {}), Adam lr {}, {} threads{}", steps,
         cfg.batch, ranks, ranks == 1 ? "" : "s", rank_batch, cfg.lr, tg::get_num_threads(),
         ranks == 1 ? "" : " per rank");

  // Training: every loss of every step goes to the CSV log and to the loss curves (rank 0's
  // share of the batch under mpirun).
  auto log = ex.csv("losses.csv", {"discriminator_loss", "generator_loss"});
  std::vector<double> curve_step, curve_d, curve_g;
  tg::examples::Progress progress = ex.progress(steps, "gan_fashion_mnist");
  driver.on_step([&](const tg::est::StepRecord& r) {
    log.row(r.step, {r.discriminator_loss.back(), r.generator_loss});
    curve_step.push_back(static_cast<double>(r.step));
    curve_d.push_back(r.discriminator_loss.back());
    curve_g.push_back(r.generator_loss);
    progress.update(r.step, [&] {
      return fmt::format("D loss {:.3f}  G loss {:.3f}", r.discriminator_loss.back(),
                         r.generator_loss);
    });
  });
  driver.every(cfg.snapshot, [&](tg::est::GameDriver& d) {
    if (d.steps_done() != steps) picture(d.steps_done());
  });
  const double train_start = ex.seconds();
  driver.run(steps);
  const double ms_per_step = 1e3 * (ex.seconds() - train_start) / static_cast<double>(steps);
  progress.finish(fmt::format("D loss {:.3f}  G loss {:.3f}", curve_d.back(), curve_g.back()));
  picture(steps);

  // The measure: Parzen-window log-likelihood of the test images, σ chosen on validation.
  const tg::Tensor centres = sample(*generator, cfg.samples, eval_gen);
  const std::vector<double> sigmas = tg::est::log_spaced(0.1, 1.0, 10);
  const tg::est::ParzenEstimate parzen =
      tg::est::parzen_log_likelihood(centres, validation, test, sigmas);
  ex.say(
      "Parzen log-likelihood of {} test images: {:.1f} ± {:.1f} nats (sigma {:.3f} on {} "
      "validation images, {} samples)",
      test.size(0), parzen.mean, parzen.standard_error, parzen.sigma, validation.size(0),
      cfg.samples);

  plot::Panel losses{.title = "losses", .xlabel = "generator step", .ylabel = "loss"};
  losses.series.push_back({.x = curve_step, .y = curve_d, .label = "discriminator"});
  losses.series.push_back({.x = curve_step, .y = curve_g, .label = "generator"});
  plot::save_png(losses, ex.path("losses.png"));
  ex.picture("losses.png", "discriminator and generator losses per step");
  plot::Panel choice{.title = "choosing the Parzen window on the validation set",
                     .xlabel = "σ",
                     .ylabel = "mean log p̂#dσ#u (nats)",
                     .logx = true,
                     .legend_outside = true};
  choice.series.push_back({.x = sigmas, .y = parzen.validation_means, .label = "validation"});
  choice.series.push_back({.x = {parzen.sigma},
                           .y = {parzen.mean},
                           .label = "test, at the chosen σ",
                           .mark = plot::Mark::Dots,
                           .size = 3});
  plot::save_png(choice, ex.path("parzen.png"), 1000, 600);  // the legend beside the axes
  ex.picture("parzen.png", "validation log-likelihood against sigma");
  tg::nn::save(*generator, ex.path("model.npz"));
  ex.finish(tg::examples::JsonObject()
                .add("steps", driver.steps_done())
                .add("batch", cfg.batch)
                .add("ranks", ranks)
                .add("ms_per_step", ms_per_step)
                .add("parzen_log_likelihood", parzen.mean)
                .add("parzen_stderr", parzen.standard_error)
                .add("parzen_sigma", parzen.sigma)
                .add("parzen_samples", cfg.samples)
                .add("parzen_validation_points", validation.size(0))
                .add("parzen_test_points", test.size(0)));
  return 0;
}

// Long-run memory of a data-parallel GAN: 2,000 GameDriver steps with GAN-GP on two ranks,
// both players under DataParallel, free their graphs (live nodes back to the baseline after
// every step), hold a constant set of live tensor bytes, and do not grow the resident memory
// after warm-up (the buckets are allocated once).
#include <gtest/gtest.h>

#include <cmath>
#include <memory>

#include "resident_memory.hpp"
#include "tapegrad/dist.hpp"
#include "tapegrad/estimators/game.hpp"
#include "tapegrad/nn.hpp"

namespace {

constexpr int kSteps = 2000;
constexpr int kWarmup = 200;
// As tests/reliability/test_long_run.cpp: one leaked [16, 16] float32 buffer per step (1 KiB,
// the loop's smallest activation) would add 1.8 MiB over the measured steps; allocator and
// MPI noise stays within a few pages.
constexpr int64_t kRssSlackBytes = 256 * 1024;

TEST(DataParallelLongRun, TwoThousandStepsHoldNodesBytesAndResidentMemoryFlat) {
  tg::Generator gen(3);
  auto ring = tg::data::GaussianMixture::ring(8);
  auto g = std::make_shared<tg::nn::MLP>(std::vector<int64_t>{2, 16, 16, 2},
                                         tg::nn::Activation::Tanh, gen);
  auto d = std::make_shared<tg::nn::MLP>(std::vector<int64_t>{2, 16, 16, 1},
                                         tg::nn::Activation::Tanh, gen);
  tg::dist::DataParallel parallel_g(g, {.bucket_bytes = 512}), parallel_d(d, {.bucket_bytes = 512});
  tg::optim::Adam opt_g(g->parameters(), {.lr = 1e-4, .betas = {0.5, 0.9}});
  tg::optim::Adam opt_d(d->parameters(), {.lr = 4e-4, .betas = {0.5, 0.9}});
  tg::Generator rng(10 + static_cast<uint64_t>(tg::dist::rank()));
  tg::est::GameDriver driver(
      {*g, opt_g, [&] { parallel_g.synchronize_gradients(); }},
      {*d, opt_d, [&] { parallel_d.synchronize_gradients(); }},
      [&](int64_t n, tg::Generator& r) { return ring.sample(n, r); },
      [](int64_t n, tg::Generator& r) {
        return tg::randn({n, 2}, r);
      },
      rng, {.batch_size = 16, .penalty = tg::est::penalty(tg::est::Penalty::GanGp, 1.0)});
  const int64_t nodes = tg::live_nodes();
  const tg::est::StepRecord first = driver.step();
  ASSERT_EQ(tg::live_nodes(), nodes) << "step 0";
  const int64_t bytes = tg::live_bytes();
  int64_t rss_after_warmup = 0, rss_peak = 0;
  tg::est::StepRecord last = first;
  for (int i = 1; i < kSteps; ++i) {
    last = driver.step();
    ASSERT_EQ(tg::live_nodes(), nodes) << "step " << i;
    ASSERT_EQ(tg::live_bytes(), bytes) << "step " << i;
    ASSERT_TRUE(std::isfinite(last.discriminator_loss.back()) && std::isfinite(last.generator_loss))
        << "step " << i;
    if (i == kWarmup) rss_after_warmup = tgtest::resident_bytes();
    if (i > kWarmup) rss_peak = std::max(rss_peak, tgtest::resident_bytes());
  }
  EXPECT_NE(last.discriminator_loss.back(), first.discriminator_loss.back());
  EXPECT_LE(rss_peak - rss_after_warmup, kRssSlackBytes)
      << "resident memory after warm-up " << rss_after_warmup << " bytes, peak " << rss_peak;
  // The ranks still agree: the same parameters everywhere after 2,000 averaged steps.
  for (const tg::Tensor& p : d->parameters()) {
    tg::Tensor mine = p.detach().clone(), sum = p.detach().clone();
    tg::dist::all_reduce_sum(sum);
    EXPECT_EQ((sum / 2.0).to_vector<double>(), mine.to_vector<double>());
  }
}

}  // namespace

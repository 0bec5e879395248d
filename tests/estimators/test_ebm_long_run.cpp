// Long-run memory of every score-matching and EBM estimator: 2,000 training steps each keep
// live nodes at the baseline after every step, a constant set of live tensor bytes, and the
// resident memory flat after warm-up (the slack as in tests/reliability/test_long_run.cpp).
#include <gtest/gtest.h>

#include <fstream>
#include <functional>

#include "ebm_test_helpers.hpp"
#include "resident_memory.hpp"
#include "tapegrad/estimators/contrastive_divergence.hpp"
#include "tapegrad/estimators/flow_contrastive.hpp"
#include "tapegrad/estimators/score_matching.hpp"
#include "tapegrad/estimators/variational_ebm.hpp"
#include "tapegrad/optim/adam.hpp"

namespace {

using tg::Tensor;
using tg::est::ScoreModel;

constexpr int kSteps = 2000;
constexpr int kWarmup = 200;
// One leaked [8, 8] float64 activation per step would add 0.9 MiB over the measured steps,
// a leaked node ~0.5 MiB; allocator noise stays within a few 4 KiB pages.
constexpr int64_t kRssSlackBytes = 256 * 1024;

/// Runs kSteps Adam steps on loss(gen) for a fresh small energy (and `extra` parameters the
/// loss trains too) and checks memory.
void expect_flat_memory(const char* what,
                        const std::function<Tensor(const tg::est::Energy&, tg::Generator&)>& loss,
                        const tg::TensorList& extra = {}) {
  const tgtest::MlpEnergy net(2, 8, 1);
  tg::TensorList params = net.params();
  params.insert(params.end(), extra.begin(), extra.end());
  tg::optim::Adam opt(params, {.lr = 1e-3});
  tg::Generator gen(2);
  auto step = [&] {
    Tensor l = loss(net.energy(), gen);
    opt.zero_grad();
    l.backward();
    opt.step();
    return l.item<double>();
  };
  const int64_t nodes = tg::live_nodes();
  const double first = step();
  ASSERT_EQ(tg::live_nodes(), nodes) << what << ", step 0";
  const int64_t bytes = tg::live_bytes();
  int64_t rss_after_warmup = 0, rss_peak = 0;
  double last = first;
  for (int i = 1; i < kSteps; ++i) {
    last = step();
    ASSERT_EQ(tg::live_nodes(), nodes) << what << ", step " << i;
    ASSERT_EQ(tg::live_bytes(), bytes) << what << ", step " << i;
    if (i == kWarmup) rss_after_warmup = tgtest::resident_bytes();
    if (i > kWarmup) rss_peak = std::max(rss_peak, tgtest::resident_bytes());
  }
  EXPECT_TRUE(std::isfinite(last)) << what;
  EXPECT_NE(last, first) << what;  // every step did real work
#ifdef TG_TEST_SANITIZED
  (void)rss_after_warmup;
  (void)rss_peak;
#else
  EXPECT_LE(rss_peak - rss_after_warmup, kRssSlackBytes) << what;
#endif
}

const Tensor& data() {
  static const Tensor x = [] {
    tg::Generator gen(3);
    return tg::randn({8, 2}, gen, tg::kFloat64);
  }();
  return x;
}

TEST(EbmLongRun, ScoreMatchingEstimatorsHoldMemoryFlatOver2000Steps) {
  expect_flat_memory("exact SM (forward Laplacian)", [](const tg::est::Energy& e, tg::Generator&) {
    return tg::est::exact_score_matching(ScoreModel::energy(e), data());
  });
  expect_flat_memory("exact SM (loop)", [](const tg::est::Energy& e, tg::Generator&) {
    return tg::est::exact_score_matching(ScoreModel::energy(e), data(),
                                         {.method = tg::TraceMethod::Loop});
  });
  expect_flat_memory("sliced SM", [](const tg::est::Energy& e, tg::Generator& gen) {
    return tg::est::sliced_score_matching(ScoreModel::energy(e), data(), gen);
  });
  expect_flat_memory("denoising SM", [](const tg::est::Energy& e, tg::Generator& gen) {
    return tg::est::denoising_score_matching(ScoreModel::energy(e), data(), 0.1, gen);
  });
}

TEST(EbmLongRun, ContrastiveDivergenceHoldsMemoryFlatOver2000Steps) {
  const tg::est::LangevinOptions chain{.step_size = 0.01, .steps = 2, .metropolis = true};
  expect_flat_memory("CD-2", [&](const tg::est::Energy& e, tg::Generator& gen) {
    return tg::est::contrastive_divergence(e, data(), gen, chain);
  });
  tg::Generator init_gen(4);
  tg::est::ReplayBuffer buffer(
      64,
      [](int64_t n, tg::Generator& g) {
        return tg::randn({n, 2}, g, tg::kFloat64);
      },
      init_gen);
  expect_flat_memory("PCD-2", [&](const tg::est::Energy& e, tg::Generator& gen) {
    return tg::est::persistent_contrastive_divergence(e, data(), buffer, gen, chain);
  });
}

// The flow's and the energy's updates together: one step minimises −V (or, for the
// variational game, the energy loss plus the sampler loss) in all parameters at once.
TEST(EbmLongRun, FlowEstimatorsHoldMemoryFlatOver2000Steps) {
  tg::Generator flow_gen(5);
  tg::est::CouplingFlow flow(2, 2, flow_gen, {.hidden = {4}, .dtype = tg::kFloat64});
  const Tensor c = tg::zeros({1}, tg::kFloat64).requires_grad_();
  tg::TensorList extra = flow.parameters();
  extra.push_back(c);
  expect_flat_memory(
      "FCE",
      [&](const tg::est::Energy& e, tg::Generator& gen) {
        return -tg::est::flow_contrastive_value(e, c, flow, data(), gen).value;
      },
      extra);
  expect_flat_memory(
      "variational EBM",
      [&](const tg::est::Energy& e, tg::Generator& gen) {
        auto l = tg::est::variational_ebm_losses(e, flow, data(), gen);
        return l.energy_loss + l.sampler_loss;
      },
      flow.parameters());
}

}  // namespace

// DataParallel (nn/dist/src/data_parallel.cpp) on two ranks, each with half of a batch,
// against one process: on the whole batch (float32, to rounding), and on the two halves
// in turn with their gradients averaged (float64, bit for bit: the same sums in the same
// order, which is what two ranks compute).
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <numeric>
#include <thread>

#include "checks.hpp"
#include "tapegrad/autograd.hpp"
#include "tapegrad/dist.hpp"
#include "tapegrad/estimators/gradient_penalty.hpp"
#include "tapegrad/nn.hpp"

namespace {

using tg::Tensor;
namespace dist = tg::dist;
namespace nn = tg::nn;

constexpr int64_t kBatch = 32;  // each rank holds half
constexpr int kSteps = 50;

/// How one step's gradient is computed.
enum class Mode {
  WholeBatch,    ///< one process, all kBatch rows
  HalvesInTurn,  ///< one process, each half's gradient in turn, then their mean
  TwoRanks,      ///< DataParallel: this rank's half, then synchronize_gradients()
};

Tensor half(const Tensor& t, int r) {
  return tg::slice(t, 0, r * kBatch / 2, (r + 1) * kBatch / 2);
}

std::shared_ptr<nn::MLP> mlp(const std::vector<int64_t>& sizes, uint64_t seed, tg::Dtype dtype) {
  tg::Generator gen(seed);
  return std::make_shared<nn::MLP>(sizes, nn::Activation::Tanh, gen,
                                   nn::MLPOptions{.dtype = dtype});
}

std::vector<double> flat(const nn::Module& m) {
  std::vector<double> out;
  for (const Tensor& p : m.parameters()) {
    const auto v = p.to_vector<double>();
    out.insert(out.end(), v.begin(), v.end());
  }
  return out;
}

/// One step's gradient of `loss_of(rows)` on `net`, in `mode`; `rows` picks the batch's
/// rows (the whole batch or a half) from the step's data.
template <class LossOf>
void gradient_step(Mode mode, nn::Module& net, dist::DataParallel* ddp, const LossOf& loss_of) {
  net.zero_grad();
  if (mode == Mode::WholeBatch) {
    loss_of(-1).backward();
  } else if (mode == Mode::TwoRanks) {
    loss_of(dist::rank()).backward();
    ddp->synchronize_gradients();
  } else {
    std::vector<Tensor> sum;
    for (int r = 0; r < 2; ++r) {
      net.zero_grad();
      loss_of(r).backward();
      const auto params = net.parameters();
      for (std::size_t i = 0; i < params.size(); ++i)
        if (r == 0)
          sum.push_back(params[i].grad().clone());
        else
          sum[i] = (sum[i] + params[i].grad()) / 2.0;
    }
    auto params = net.parameters();
    for (std::size_t i = 0; i < params.size(); ++i) params[i].set_grad(sum[i]);
  }
}

/// MLP regression, SGD with momentum: the parameters after kSteps.
std::vector<double> regression(Mode mode, tg::Dtype dtype,
                               const dist::DataParallelOptions& options = {}) {
  auto net = mlp({3, 16, 16, 1}, 11, dtype);
  std::unique_ptr<dist::DataParallel> ddp;
  if (mode == Mode::TwoRanks) ddp = std::make_unique<dist::DataParallel>(net, options);
  tg::optim::SGD opt(net->parameters(), {.lr = 0.05, .momentum = 0.9});
  tg::Generator data(5);
  const Tensor x = tg::randn({kBatch, 3}, data, dtype);
  const Tensor y = tg::sin(x.sum({1}, true));
  for (int step = 0; step < kSteps; ++step) {
    gradient_step(mode, *net, ddp.get(), [&](int r) {
      const Tensor xs = r < 0 ? x : half(x, r), ys = r < 0 ? y : half(y, r);
      const Tensor d = (*net)(xs)-ys;
      return (d * d).mean();
    });
    opt.step();
  }
  return flat(*net);
}

// The float32 tolerance: the whole-batch mean and the mean of two half means differ by a
// few roundings per gradient element (relative 2⁻²³ ≈ 1.2e-7 each); 50 momentum steps
// carry such differences forward without growing them much on this contracting problem.
// 2e-5 absolute on parameters of order 0.1-1 is about 100 such roundings per step's worth.
constexpr double kFloat32Tolerance = 2e-5;

TEST(DataParallel, TwoRanksMatchOneProcessOnTheWholeBatch) {
  const auto ranks = regression(Mode::TwoRanks, tg::kFloat32);
  const auto one = regression(Mode::WholeBatch, tg::kFloat32);
  ASSERT_EQ(ranks.size(), one.size());
  double worst = 0;
  for (std::size_t i = 0; i < one.size(); ++i) worst = std::max(worst, std::abs(ranks[i] - one[i]));
  EXPECT_LT(worst, kFloat32Tolerance);
  // The training moved the parameters: the comparison is not of two initial states.
  EXPECT_GT(std::abs(one[0] - flat(*mlp({3, 16, 16, 1}, 11, tg::kFloat32))[0]) +
                std::abs(one.back() - flat(*mlp({3, 16, 16, 1}, 11, tg::kFloat32)).back()),
            1e-3);
}

TEST(DataParallel, TwoRanksAreExactlyTheHalvesInFloat64) {
  EXPECT_EQ(regression(Mode::TwoRanks, tg::kFloat64), regression(Mode::HalvesInTurn, tg::kFloat64));
}

TEST(DataParallel, BucketSizeDoesNotChangeTheResult) {
  const auto one_bucket = regression(Mode::TwoRanks, tg::kFloat32);
  const auto per_parameter = regression(Mode::TwoRanks, tg::kFloat32, {.bucket_bytes = 1});
  const auto middling = regression(Mode::TwoRanks, tg::kFloat32, {.bucket_bytes = 300});
  EXPECT_EQ(one_bucket, per_parameter);
  EXPECT_EQ(one_bucket, middling);
}

TEST(DataParallel, BucketsStartInLayoutOrderDuringBackwardOnEveryRank) {
  auto net = mlp({3, 16, 16, 1}, 11, tg::kFloat32);
  dist::DataParallel ddp(net, {.bucket_bytes = 300});
  // Reverse registration order, in buckets of at most 300 bytes: 4 + 64 + 64 bytes; the
  // 1,024 bytes of 2.weight alone; then 64 + 192.
  const auto names = ddp.bucket_names();
  ASSERT_EQ(names.size(), 3u);
  EXPECT_EQ(names[0], (std::vector<std::string>{"4.bias", "4.weight", "2.bias"}));
  EXPECT_EQ(names[1], (std::vector<std::string>{"2.weight"}));
  EXPECT_EQ(names[2], (std::vector<std::string>{"0.bias", "0.weight"}));
  std::string layout;
  for (const auto& bucket : names)
    for (const auto& n : bucket) layout += n + (n == bucket.back() ? " | " : ", ");
  EXPECT_EQ(dist::broadcast_string(layout), layout);  // rank 0's layout is every rank's

  tg::Generator gen(3);
  const Tensor x = tg::randn({8, 3}, gen);
  net->zero_grad();
  (*net)(x).sum().backward();
  ddp.synchronize_gradients();
  std::vector<std::size_t> in_order(names.size());
  std::iota(in_order.begin(), in_order.end(), std::size_t{0});
  // Every parameter was reached, so backward itself started every bucket, in order.
  EXPECT_EQ(ddp.started_during_backward(), in_order);
}

TEST(DataParallel, ParametersReachedOnSomeRanksAverageTheirGradients) {
  // a is used on every rank, b only on rank 0, c nowhere.
  struct Heads : nn::Module {
    Tensor a = register_parameter("a", tg::full({2}, 1.0, tg::kFloat64));
    Tensor b = register_parameter("b", tg::full({2}, 1.0, tg::kFloat64));
    Tensor c = register_parameter("c", tg::full({2}, 1.0, tg::kFloat64));
    Tensor forward(const Tensor& x) override { return x * a; }
  };
  auto heads = std::make_shared<Heads>();
  dist::DataParallel ddp(heads, {.bucket_bytes = 16});
  const double r = dist::rank();
  const Tensor x = tg::from_vector(std::vector<double>{1 + r, 2 + r}, {2}, tg::kFloat64);
  Tensor loss = (*heads)(x).sum();
  if (dist::rank() == 0) loss = loss + (heads->b * 3.0).sum();
  loss.backward();
  ddp.synchronize_gradients();
  EXPECT_EQ(heads->a.grad().to_vector<double>(), (std::vector<double>{1.5, 2.5}));  // mean of x
  EXPECT_EQ(heads->b.grad().to_vector<double>(), (std::vector<double>{1.5, 1.5}));  // (3 + 0)/2
  EXPECT_FALSE(heads->c.grad().defined());  // as in one process
}

TEST(DataParallel, ASecondBackwardBeforeSynchronizingIsAnError) {
  auto net = mlp({2, 4, 1}, 1, tg::kFloat32);
  dist::DataParallel ddp(net);
  const Tensor x = tg::ones({3, 2});
  (*net)(x).sum().backward();
  EXPECT_TRUE(tgtest::throws<dist::DistError>(
      [&] { (*net)(x).sum().backward(); },
      {"DataParallel: parameter '2.bias' accumulated a second gradient before "
       "synchronize_gradients()",
       "Call backward once per step"}));
  ddp.synchronize_gradients();  // the first backward's buckets are all started: it completes
  net->zero_grad();
  (*net)(x).sum().backward();
  ddp.synchronize_gradients();
  EXPECT_TRUE(net->parameters()[0].grad().defined());
}

// Note [Abandoned collectives]: rank 1 joins late, so rank 0's sums are still in flight
// when its wrapper is destroyed without synchronize_gradients(). Their buffers must outlive
// the wrapper, and the ranks' collectives stay matched afterwards.
TEST(DataParallel, AWrapperDestroyedMidStepKeepsItsSumsAliveAndTheWorldGoesOn) {
  auto net = mlp({3, 16, 16, 1}, 11, tg::kFloat32);
  const Tensor x = tg::ones({4, 3});
  testing::internal::CaptureStderr();
  {
    dist::DataParallel ddp(net, {.bucket_bytes = 300});  // three buckets
    if (dist::rank() == 1) std::this_thread::sleep_for(std::chrono::milliseconds(300));
    net->zero_grad();
    (*net)(x).sum().backward();  // starts every bucket
  }
  const std::string err = testing::internal::GetCapturedStderr();
  if (dist::rank() == 0) {
    EXPECT_NE(err.find("rank 0 of 2: DataParallel destroyed with 3 all-reduces in flight"),
              std::string::npos)
        << err;
  }
  Tensor t = tg::full({5}, 1.0 + dist::rank());
  dist::all_reduce_sum(t);
  EXPECT_EQ(t.to_vector<float>(), std::vector<float>(5, 3.0f));
  dist::DataParallel again(net, {.bucket_bytes = 300});
  // The abandoned step's gradient, local and never averaged: the same on both ranks.
  const auto local = net->parameters()[0].grad().to_vector<float>();
  net->zero_grad();
  ((*net)(x).sum() * (1.0f + static_cast<float>(dist::rank()))).backward();
  again.synchronize_gradients();
  // The mean over ranks of (1 + r)·g is 1.5·g.
  const auto mean = net->parameters()[0].grad().to_vector<float>();
  ASSERT_EQ(mean.size(), local.size());
  for (std::size_t i = 0; i < mean.size(); ++i) EXPECT_FLOAT_EQ(mean[i], 1.5f * local[i]) << i;
}

TEST(DataParallel, ABackwardThatRecordsItselfIsAveragedLikeAnyOther) {
  // backward(create_graph = true), which PyTorch's DDP refuses (its issue 63812): the
  // accumulated .grad() never carries a graph here, so its mean over ranks is a plain value.
  auto net = mlp({2, 4, 1}, 1, tg::kFloat64);
  dist::DataParallel ddp(net);
  const Tensor x = tg::full({3, 2}, 1.0 + dist::rank(), tg::kFloat64);
  std::vector<std::vector<double>> plain, recorded;
  for (bool create_graph : {false, true}) {
    net->zero_grad();
    (*net)(x).sum().backward({.create_graph = create_graph});
    ddp.synchronize_gradients();
    auto& out = create_graph ? recorded : plain;
    for (const Tensor& p : net->parameters()) {
      EXPECT_FALSE(p.grad().requires_grad());
      out.push_back(p.grad().to_vector<double>());
    }
  }
  EXPECT_EQ(recorded, plain);
}

TEST(DataParallel, DifferentModulesOnTheRanksAreRefused) {
  auto net = mlp({3, dist::rank() == 0 ? 8 : 9, 1}, 1, tg::kFloat32);
  EXPECT_TRUE(tgtest::throws<dist::DistError>(
      [&] { dist::DataParallel ddp(net); },
      {"DataParallel: the parameters (names, shapes, dtypes) or the bucket size differ between "
       "ranks (rank 0: 4 parameters in 1 buckets",
       "rank 1: 4 parameters in 1 buckets"}));
}

TEST(DataParallel, BroadcastsRankZerosParameters) {
  auto net = mlp({3, 4, 1}, 100 + static_cast<uint64_t>(dist::rank()), tg::kFloat32);
  const auto mine = flat(*net);
  dist::DataParallel ddp(net);
  const auto after = flat(*net);
  EXPECT_EQ(after, flat(*mlp({3, 4, 1}, 100, tg::kFloat32)));
  EXPECT_EQ(dist::rank() == 0, after == mine);
}

// The GAN of the issue with GAN-GP: the penalty's inner gradient is taken per rank on its
// own samples and never all-reduced (Note [Penalties stay local]); only the final backward
// of loss + λ·penalty is.
struct GanRun {
  std::vector<double> d, g;
};

GanRun gan_with_gan_gp(Mode mode, tg::Dtype dtype) {
  auto G = mlp({2, 16, 2}, 21, dtype);
  auto D = mlp({2, 16, 1}, 22, dtype);
  std::unique_ptr<dist::DataParallel> ddp_g, ddp_d;
  if (mode == Mode::TwoRanks) {
    ddp_g = std::make_unique<dist::DataParallel>(G);
    ddp_d = std::make_unique<dist::DataParallel>(D);
  }
  tg::optim::Adam opt_g(G->parameters(), {.lr = 1e-2, .betas = {0.5, 0.9}});
  tg::optim::Adam opt_d(D->parameters(), {.lr = 1e-2, .betas = {0.5, 0.9}});
  const double lambda = 10;
  tg::Generator gen(9);
  const Tensor real = tg::randn({kBatch, 2}, gen, dtype) * 0.5 + 1.0;
  const auto critic = [&](const Tensor& x) { return (*D)(x); };
  for (int step = 0; step < kSteps; ++step) {
    // The step's noise and interpolation weights for the whole batch; a rank takes its half.
    const Tensor z = tg::randn({kBatch, 2}, gen, dtype);
    const Tensor alpha = tg::rand({kBatch, 1}, gen, dtype);
    const Tensor z2 = tg::randn({kBatch, 2}, gen, dtype);
    auto rows = [](const Tensor& t, int r) { return r < 0 ? t : half(t, r); };
    gradient_step(mode, *D, ddp_d.get(), [&](int r) {
      const Tensor xr = rows(real, r);
      const Tensor xf = (*G)(rows(z, r)).detach();
      const Tensor a = rows(alpha, r);
      const Tensor points = (a * xr + (1.0 - a) * xf).detach();
      return tg::softplus(-(*D)(xr)).mean() + tg::softplus((*D)(xf)).mean() +
             tg::est::gradient_penalty(critic, points) * lambda;
    });
    opt_d.step();
    D->requires_grad_(false);
    gradient_step(mode, *G, ddp_g.get(),
                  [&](int r) { return tg::softplus(-(*D)((*G)(rows(z2, r)))).mean(); });
    opt_g.step();
    D->requires_grad_(true);
  }
  return {flat(*D), flat(*G)};
}

TEST(DataParallel, GanGpOnTwoRanksIsExactlyTheHalvesInFloat64) {
  const GanRun ranks = gan_with_gan_gp(Mode::TwoRanks, tg::kFloat64);
  const GanRun halves = gan_with_gan_gp(Mode::HalvesInTurn, tg::kFloat64);
  EXPECT_EQ(ranks.d, halves.d);
  EXPECT_EQ(ranks.g, halves.g);
}

TEST(DataParallel, GanGpOnTwoRanksMatchesTheWholeBatch) {
  const GanRun ranks = gan_with_gan_gp(Mode::TwoRanks, tg::kFloat32);
  const GanRun one = gan_with_gan_gp(Mode::WholeBatch, tg::kFloat32);
  double worst = 0;
  for (std::size_t i = 0; i < one.d.size(); ++i)
    worst = std::max(worst, std::abs(ranks.d[i] - one.d[i]));
  for (std::size_t i = 0; i < one.g.size(); ++i)
    worst = std::max(worst, std::abs(ranks.g[i] - one.g[i]));
  EXPECT_LT(worst, kFloat32Tolerance);
}

}  // namespace

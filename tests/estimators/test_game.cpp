// The game driver: k discriminator steps per generator step with separate optimisers, no
// gradient into the frozen discriminator, records and callbacks, and checkpoint/resume,
// including a bit-identical continuation in a fresh process.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "checks.hpp"
#include "flat_parameters.hpp"
#include "small_game.hpp"
#include "tapegrad/nn/npz.hpp"
#include "temp_dir.hpp"

namespace {

using tgtest::SmallGame;

/// Every entry of a driver's state as float64 values (float32 converts exactly).
std::vector<std::pair<std::string, std::vector<double>>> values_of(const tg::est::GameDriver& d) {
  std::vector<std::pair<std::string, std::vector<double>>> out;
  for (const auto& [name, t] : d.state()) out.emplace_back(name, t.to_vector<double>());
  return out;
}

/// Bit-for-bit equality of two states (== on doubles would accept -0.0 == 0.0).
void expect_bit_identical(const tg::est::GameDriver& a, const tg::est::GameDriver& b) {
  const auto va = values_of(a), vb = values_of(b);
  ASSERT_EQ(va.size(), vb.size());
  for (std::size_t i = 0; i < va.size(); ++i) {
    ASSERT_EQ(va[i].first, vb[i].first);
    ASSERT_EQ(va[i].second.size(), vb[i].second.size()) << va[i].first;
    EXPECT_EQ(
        std::memcmp(va[i].second.data(), vb[i].second.data(), va[i].second.size() * sizeof(double)),
        0)
        << va[i].first << " differs";
  }
}

std::vector<char> bytes_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(GameDriver, TwoHundredStepsEqualOneHundredSaveFreshProcessLoadOneHundred) {
  tgtest::TempDir dir;
  SmallGame straight(7);
  straight.driver.run(200);

  SmallGame first_half(7);
  first_half.driver.run(100);
  const std::string half = dir.file("half.npz"), resumed = dir.file("resumed.npz");
  first_half.driver.save(half);
  // A fresh process (the game_resume helper, built with this test) loads, runs 100 more
  // steps and saves.
  const std::string command =
      std::string("'") + TG_GAME_RESUME_EXE + "' '" + half + "' 100 '" + resumed + "'";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;

  SmallGame reloaded(99);  // another seed: only the checkpoint can make it match
  reloaded.driver.load(resumed);
  EXPECT_EQ(reloaded.driver.steps_done(), 200);
  expect_bit_identical(reloaded.driver, straight.driver);
  // The comparison is not between constants: the run moved the parameters after step 100.
  EXPECT_NE(tgtest::flat_parameters(first_half.g), tgtest::flat_parameters(straight.g));
}

TEST(GameDriver, RunsKDiscriminatorStepsPerGeneratorStepEachWithItsOwnOptimiser) {
  SmallGame game(1);
  game.driver.run(5);
  EXPECT_EQ(game.opt_d.step_count(0), 10);  // k = 2
  EXPECT_EQ(game.opt_g.step_count(0), 5);
  EXPECT_EQ(game.opt_d.lr(), 4e-4);  // two time-scale: each player keeps its own rate
  EXPECT_EQ(game.opt_g.lr(), 1e-4);
  EXPECT_EQ(game.driver.steps_done(), 5);
}

TEST(GameDriver, TheGeneratorStepWritesNoGradientIntoTheDiscriminator) {
  SmallGame game(2);
  // A parameter the user froze stays frozen; the others get their flag back.
  game.d.parameters()[1].requires_grad_(false);
  game.driver.step();
  const auto d_params = game.d.parameters();
  for (std::size_t i = 0; i < d_params.size(); ++i) {
    EXPECT_FALSE(d_params[i].grad().defined()) << "discriminator parameter " << i;
    EXPECT_EQ(d_params[i].requires_grad(), i != 1) << "discriminator parameter " << i;
  }
  for (const auto& p : game.g.parameters()) EXPECT_TRUE(p.grad().defined());
}

TEST(GameDriver, BeforeStepRunsBetweenEachBackwardAndItsOptimiserStep) {
  // Where a data-parallel run averages gradients: each call must see this backward's
  // gradients and the optimiser not yet stepped.
  tg::Generator rng(4);
  auto ring = tg::data::GaussianMixture::ring(8);
  tg::nn::MLP g({2, 8, 2}, tg::nn::Activation::Tanh, rng),
      d({2, 8, 1}, tg::nn::Activation::Tanh, rng);
  tg::optim::Adam opt_g(g.parameters()), opt_d(d.parameters());
  std::vector<std::string> calls;
  auto seen = [&](const char* who, tg::nn::Module& m, tg::optim::Adam& opt) {
    return [&, who] {
      calls.push_back(fmt::format("{} grad={} steps={}", who, m.parameters()[0].grad().defined(),
                                  opt.step_count(0)));
    };
  };
  tg::est::GameDriver driver(
      {g, opt_g, seen("G", g, opt_g)}, {d, opt_d, seen("D", d, opt_d)},
      [&](int64_t n, tg::Generator& gen) { return ring.sample(n, gen); },
      [](int64_t n, tg::Generator& gen) {
        return tg::randn({n, 2}, gen);
      },
      rng, {.batch_size = 8, .discriminator_steps = 2});
  driver.run(2);
  EXPECT_EQ(calls, (std::vector<std::string>{"D grad=true steps=0", "D grad=true steps=1",
                                             "G grad=true steps=0", "D grad=true steps=2",
                                             "D grad=true steps=3", "G grad=true steps=1"}));
}

TEST(GameDriver, RecordsEveryLossAndThePluggablePenalty) {
  SmallGame game(3);
  tg::est::GameDriver driver(
      {game.g, game.opt_g}, {game.d, game.opt_d},
      [&](int64_t n, tg::Generator& gen) { return game.ring.sample(n, gen); },
      [](int64_t n, tg::Generator& gen) {
        return tg::randn({n, 2}, gen);
      },
      game.rng,
      {.batch_size = 16,
       .discriminator_steps = 3,
       .penalty = [](const tg::est::Critic& critic, const tg::Tensor& real, const tg::Tensor&,
                     tg::Generator&) { return tg::mean(critic(real)) * 0.0 + 0.25; }});
  std::vector<tg::est::StepRecord> records;
  driver.on_step([&](const tg::est::StepRecord& r) { records.push_back(r); });
  driver.run(2);
  ASSERT_EQ(records.size(), 2u);
  for (std::size_t s = 0; s < 2; ++s) {
    EXPECT_EQ(records[s].step, static_cast<int64_t>(s + 1));
    EXPECT_EQ(records[s].penalty, (std::vector<double>{0.25, 0.25, 0.25}));
    ASSERT_EQ(records[s].discriminator_loss.size(), 3u);
    // Near chance at the start: −V ≈ 2 log 2 = 1.386 for a fresh discriminator.
    for (double l : records[s].discriminator_loss) EXPECT_NEAR(l, 1.386, 0.2);
    EXPECT_GT(records[s].generator_loss, 0);
  }
  // Without a penalty the record holds zeros.
  SmallGame plain(4, tg::est::Penalty::None);
  EXPECT_EQ(plain.driver.step().penalty, (std::vector<double>{0.0, 0.0}));
}

TEST(GameDriver, ThePenaltyAdapterIsPenaltyTermWithItsOptions) {
  SmallGame game(12);
  const tg::est::Critic critic = [&](const tg::Tensor& x) { return game.d(x); };
  tg::Generator draw(3);
  const tg::Tensor real = game.ring.sample(16, draw), fake = tg::randn({16, 2}, draw);
  const tg::est::PenaltyOptions paper{.dragan_noise = tg::est::DraganNoise::PaperGaussian,
                                      .dragan_c = 0.1};
  for (auto kind : {tg::est::Penalty::WganGp, tg::est::Penalty::DraganNs, tg::est::Penalty::R1}) {
    tg::Generator a(5), b(5);
    const double adapted = tg::est::penalty(kind, 2.0, paper)(critic, real, fake, a).item<double>();
    const double direct =
        tg::est::penalty_term(kind, critic, real, fake, 2.0, b, paper).item<double>();
    EXPECT_EQ(adapted, direct) << static_cast<int>(kind);
    EXPECT_GT(adapted, 0) << static_cast<int>(kind);
  }
  EXPECT_FALSE(tg::est::penalty(tg::est::Penalty::None, 1.0));
}

TEST(GameDriver, CallbacksRunEveryNStepsCountedFromTheStartOfTheRun) {
  SmallGame game(5);
  std::vector<int64_t> evaluated;
  game.driver.every(3, [&](tg::est::GameDriver& d) { evaluated.push_back(d.steps_done()); });
  game.driver.run(4);
  game.driver.run(6);
  EXPECT_EQ(evaluated, (std::vector<int64_t>{3, 6, 9}));
}

TEST(GameDriver, TracksExtraGeneratorsInTheCheckpoint) {
  tgtest::TempDir dir;
  SmallGame game(6);
  // A small (seed, offset) and one above 2^53, which float64 storage must keep exact.
  const std::pair<uint64_t, uint64_t> states[] = {{41, 17},
                                                  {0xfedcba9876543210ull, 0x123456789abcdefull}};
  tg::Generator small(states[0].first), big(states[1].first);
  small.advance(states[0].second);
  big.advance(states[1].second);
  game.driver.track("evaluation", small);
  game.driver.track("big", big);
  game.driver.save(dir.file("c.npz"));
  small = tg::Generator(0);
  big = tg::Generator(1);
  game.driver.load(dir.file("c.npz"));
  EXPECT_EQ(std::make_pair(small.seed(), small.offset()), states[0]);
  EXPECT_EQ(std::make_pair(big.seed(), big.offset()), states[1]);
}

TEST(GameDriver, LoadingACheckpointOfADifferentModelRaisesAndChangesNothing) {
  tgtest::TempDir dir;
  // Another game: an 8-wide discriminator.
  tg::Generator rng(8);
  auto ring = tg::data::GaussianMixture::ring(8);
  tg::nn::MLP g({2, 16, 16, 2}, tg::nn::Activation::Tanh, rng);
  tg::nn::MLP d({2, 8, 1}, tg::nn::Activation::Tanh, rng);
  tg::optim::Adam opt_g(g.parameters()), opt_d(d.parameters());
  tg::est::GameDriver other(
      {g, opt_g}, {d, opt_d}, [&](int64_t n, tg::Generator& gen) { return ring.sample(n, gen); },
      [](int64_t n, tg::Generator& gen) {
        return tg::randn({n, 2}, gen);
      },
      rng);
  other.save(dir.file("other.npz"));

  SmallGame game(9);
  game.driver.run(2);
  const auto before = values_of(game.driver);
  const std::string msg =
      tgtest::error_message<tg::IoError>([&] { game.driver.load(dir.file("other.npz")); });
  EXPECT_NE(msg.find("GameDriver::load"), std::string::npos) << msg;
  EXPECT_NE(msg.find("not of this game"), std::string::npos) << msg;
  EXPECT_NE(msg.find("discriminator.0.weight (file [8, 2], module [16, 2])"), std::string::npos)
      << msg;
  EXPECT_NE(msg.find("missing keys: discriminator.4.weight"), std::string::npos) << msg;
  EXPECT_EQ(values_of(game.driver), before);
}

TEST(GameDriver, AFailedSaveLeavesThePreviousCheckpointIntact) {
  tgtest::TempDir dir;
  SmallGame game(10);
  game.driver.run(1);
  const std::string path = dir.file("game.npz");
  game.driver.save(path);
  const std::vector<char> good = bytes_of(path);
  const auto saved = values_of(game.driver);
  game.driver.run(1);
  for (int64_t after : {int64_t{0}, int64_t{200}, static_cast<int64_t>(good.size() / 2)}) {
    tg::nn::testing::fail_writes_after(after);
    EXPECT_THROW(game.driver.save(path), tg::IoError) << "failing after " << after << " bytes";
    tg::nn::testing::fail_writes_after(-1);
    EXPECT_EQ(bytes_of(path), good) << "failing after " << after << " bytes";
    EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()),
                            std::filesystem::directory_iterator()),
              1)
        << "a temporary file was left behind";
  }
  game.driver.load(path);
  EXPECT_EQ(values_of(game.driver), saved);
}

TEST(GameDriver, BadInputNamesTheDriverAndTheValues) {
  using tgtest::error_message;
  SmallGame game(11);
  auto data = [&](int64_t n, tg::Generator& gen) { return game.ring.sample(n, gen); };
  auto noise = [](int64_t n, tg::Generator& gen) { return tg::randn({n, 2}, gen); };
  auto msg = error_message<tg::ValueError>([&] {
    tg::est::GameDriver({game.g, game.opt_g}, {game.d, game.opt_d}, data, noise, game.rng,
                        {.discriminator_steps = 0});
  });
  EXPECT_NE(msg.find("GameDriver: batch_size 64 and discriminator_steps 0"), std::string::npos)
      << msg;
  msg = error_message<tg::ValueError>([&] { game.driver.every(0, [](tg::est::GameDriver&) {}); });
  EXPECT_NE(msg.find("every: n = 0"), std::string::npos) << msg;
  msg = error_message<tg::ValueError>([&] { game.driver.track("game", game.rng); });
  EXPECT_NE(msg.find("'game' is already tracked"), std::string::npos) << msg;
  msg = error_message<tg::ValueError>([] { tg::est::penalty(tg::est::Penalty::GanGp, -1); });
  EXPECT_NE(msg.find("lambda must be >= 0, got -1"), std::string::npos) << msg;
  tg::est::GameDriver short_real(
      {game.g, game.opt_g}, {game.d, game.opt_d},
      [&](int64_t n, tg::Generator& gen) { return game.ring.sample(n - 1, gen); }, noise, game.rng,
      {.batch_size = 8});
  msg = error_message<tg::ShapeError>([&] { short_real.step(); });
  EXPECT_NE(msg.find("GameDriver::step: a real batch [7, 2] and a fake batch [8, 2]"),
            std::string::npos)
      << msg;
}

}  // namespace

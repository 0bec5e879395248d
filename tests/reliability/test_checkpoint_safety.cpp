// Checkpoint safety (Note [Safe checkpoint writes] in nn/include/tapegrad/nn/npz.hpp): a
// save that fails half-way leaves the previous checkpoint intact and no stray files, and
// loading into a different architecture fails listing every mismatched name and shape,
// changing nothing.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "flat_parameters.hpp"
#include "tapegrad/nn.hpp"
#include "tapegrad/nn/checkpoint.hpp"
#include "tapegrad/nn/npz.hpp"

namespace {

namespace fs = std::filesystem;
using tg::nn::Activation;
using tg::nn::MLP;

/// A fresh, empty directory for one test, removed afterwards.
class CheckpointDir : public testing::Test {
 protected:
  void SetUp() override {
    const auto* info = testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           fmt::format("tapegrad-{}-{}-{}", info->name(), ::getpid(), std::rand());
    fs::create_directories(dir_);
  }
  void TearDown() override {
    tg::nn::testing::fail_writes_after(-1);
    fs::remove_all(dir_);
  }
  std::string path(const char* name) const { return (dir_ / name).string(); }
  std::vector<std::string> files() const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir_)) out.push_back(e.path().filename());
    return out;
  }
  fs::path dir_;
};

std::vector<char> bytes_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST_F(CheckpointDir, ASaveThatFailsAtAnyPointLeavesThePreviousCheckpointIntact) {
  tg::Generator gen_a(1), gen_b(2);
  MLP a({2, 8, 1}, Activation::Tanh, gen_a), b({2, 8, 1}, Activation::Tanh, gen_b);
  const std::string p = path("model.npz");
  tg::nn::save(a, p);
  const std::vector<char> good = bytes_of(p);
  ASSERT_GT(good.size(), 100u);
  ASSERT_NE(tgtest::flat_parameters(a), tgtest::flat_parameters(b));
  // Fail the overwrite after 0 bytes, one byte, a header's worth, half-way, and one byte
  // short of the end.
  for (int64_t after : {int64_t{0}, int64_t{1}, int64_t{64}, static_cast<int64_t>(good.size() / 2),
                        static_cast<int64_t>(good.size()) - 1}) {
    tg::nn::testing::fail_writes_after(after);
    EXPECT_THROW(tg::nn::save(b, p), tg::IoError) << "failing after " << after << " bytes";
    tg::nn::testing::fail_writes_after(-1);
    EXPECT_EQ(bytes_of(p), good) << "failing after " << after << " bytes";
    EXPECT_EQ(files(), std::vector<std::string>{"model.npz"})
        << "a temporary file was left behind, failing after " << after << " bytes";
  }
  tg::Generator gen_c(3);
  MLP c({2, 8, 1}, Activation::Tanh, gen_c);
  tg::nn::load(c, p);
  EXPECT_EQ(tgtest::flat_parameters(c), tgtest::flat_parameters(a));
  // The hook is off again: the same save now succeeds and replaces the file.
  tg::nn::save(b, p);
  tg::nn::load(c, p);
  EXPECT_EQ(tgtest::flat_parameters(c), tgtest::flat_parameters(b));
}

TEST_F(CheckpointDir, AFailedFirstSaveCreatesNoFile) {
  tg::Generator gen(1);
  MLP a({2, 4, 1}, Activation::ReLU, gen);
  tg::nn::testing::fail_writes_after(10);
  EXPECT_THROW(tg::nn::save(a, path("new.npz")), tg::IoError);
  EXPECT_TRUE(files().empty());
}

TEST_F(CheckpointDir, AnOptimiserSaveThatFailsLeavesThePreviousStateIntact) {
  tg::Generator gen(1);
  MLP net({2, 4, 1}, Activation::Tanh, gen);
  tg::optim::Adam opt(net.parameters());
  auto step = [&] {
    opt.zero_grad();
    tg::pow(net(tg::randn({8, 2}, gen)), 2.0).mean().backward();
    opt.step();
  };
  step();
  const std::string p = path("adam.npz");
  tg::nn::save(opt, p);
  const std::vector<char> good = bytes_of(p);
  step();
  tg::nn::testing::fail_writes_after(static_cast<int64_t>(good.size() / 2));
  EXPECT_THROW(tg::nn::save(opt, p), tg::IoError);
  EXPECT_EQ(bytes_of(p), good);
}

/// Loads a 2-3-1 checkpoint into `other`, expects tg::IoError mentioning every string in
/// `mentions`, and checks that `other` kept its parameters.
void expect_mismatch(const std::string& p, MLP& other, const std::vector<std::string>& mentions) {
  const std::vector<float> before = tgtest::flat_parameters(other);
  try {
    tg::nn::load(other, p);
    ADD_FAILURE() << "loading into a different architecture did not throw";
  } catch (const tg::IoError& e) {
    const std::string msg = e.what();
    for (const auto& m : mentions)
      EXPECT_NE(msg.find(m), std::string::npos) << "missing \"" << m << "\" in: " << msg;
  }
  EXPECT_EQ(tgtest::flat_parameters(other), before) << "a failed load changed the module";
}

TEST_F(CheckpointDir, LoadingIntoAWiderNetworkListsEveryMismatchedNameAndShape) {
  tg::Generator gen(1);
  MLP saved({2, 3, 1}, Activation::Tanh, gen), wider({2, 4, 1}, Activation::Tanh, gen);
  const std::string p = path("model.npz");
  tg::nn::save(saved, p);
  expect_mismatch(p, wider,
                  {p, "0.weight (file [3, 2], module [4, 2])", "0.bias (file [3], module [4])",
                   "2.weight (file [1, 3], module [1, 4])"});
}

TEST_F(CheckpointDir, LoadingIntoADeeperNetworkListsMissingAndMismatchedKeys) {
  tg::Generator gen(1);
  MLP saved({2, 3, 1}, Activation::Tanh, gen), deeper({2, 3, 3, 1}, Activation::Tanh, gen);
  const std::string p = path("model.npz");
  tg::nn::save(saved, p);
  expect_mismatch(p, deeper,
                  {"missing keys: 4.weight, 4.bias", "2.weight (file [1, 3], module [3, 3])",
                   "2.bias (file [1], module [3])"});
}

TEST_F(CheckpointDir, LoadingIntoAShallowerNetworkListsUnexpectedKeys) {
  tg::Generator gen(1);
  MLP saved({2, 3, 3, 1}, Activation::Tanh, gen), shallower({2, 3, 1}, Activation::Tanh, gen);
  const std::string p = path("model.npz");
  tg::nn::save(saved, p);
  expect_mismatch(p, shallower,
                  {"unexpected keys: 4.bias, 4.weight", "2.weight (file [3, 3], module [1, 3])"});
}

}  // namespace

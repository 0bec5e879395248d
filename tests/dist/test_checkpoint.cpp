// Rank-0 checkpoints (nn/dist/src/checkpoint.cpp): one writer, every rank a reader, and
// a failure on any rank reported on every rank.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>

#include "checks.hpp"
#include "tapegrad/dist.hpp"
#include "tapegrad/nn.hpp"
#include "temp_dir.hpp"

namespace {

using tg::Tensor;
namespace dist = tg::dist;
namespace nn = tg::nn;
namespace fs = std::filesystem;

std::shared_ptr<nn::MLP> mlp(uint64_t seed) {
  tg::Generator gen(seed);
  return std::make_shared<nn::MLP>(std::vector<int64_t>{3, 5, 2}, nn::Activation::Tanh, gen);
}

/// Rank 0's scratch directory, the same path on every rank.
class SharedDir {
 public:
  SharedDir() : path_(dist::broadcast_string(dist::is_main() ? local_.path().string() : "")) {}
  std::string file(const std::string& name) const { return (fs::path(path_) / name).string(); }
  ~SharedDir() { dist::barrier(); }  // rank 0 removes it only after every rank is done

 private:
  tgtest::TempDir local_;  // made on every rank; only rank 0's is used
  std::string path_;
};

TEST(DistCheckpoint, RankZeroWritesEveryRankReads) {
  SharedDir dir;
  auto net = mlp(1 + static_cast<uint64_t>(dist::rank()));
  const std::string path = dir.file("model.npz");
  dist::save(*net, path);
  EXPECT_TRUE(fs::exists(path));  // complete on return, on every rank
  for (const auto& entry : fs::directory_iterator(fs::path(path).parent_path()))
    EXPECT_EQ(entry.path().filename(), "model.npz");  // no temporary left behind
  auto other = mlp(50);
  dist::load(*other, path);
  const auto expected = mlp(1)->parameters();  // rank 0's values, on every rank
  const auto loaded = other->parameters();
  for (std::size_t i = 0; i < loaded.size(); ++i)
    EXPECT_EQ(loaded[i].to_vector<double>(), expected[i].to_vector<double>());
}

TEST(DistCheckpoint, ARankZeroWriteFailureReachesEveryRank) {
  SharedDir dir;
  auto net = mlp(1);
  const std::string path = dir.file("missing_dir/model.npz");
  EXPECT_TRUE(tgtest::throws<tg::IoError>([&] { dist::save(*net, path); },
                                          {"tg::dist::save: rank 0 could not write", path}));
}

TEST(DistCheckpoint, ALoadFailureOnOneRankReachesEveryRank) {
  SharedDir dir;
  auto net = mlp(1);
  const std::string good = dir.file("good.npz");
  dist::save(*net, good);
  const std::string path = dist::rank() == 1 ? dir.file("absent.npz") : good;
  EXPECT_TRUE(tgtest::throws<tg::IoError>([&] { dist::load(*net, path); },
                                          {"tg::dist::load", "could not be loaded on rank(s) 1"}));
}

}  // namespace

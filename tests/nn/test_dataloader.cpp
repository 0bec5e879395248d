// Dataset and DataLoader: batching, drop_last, and determinism of shuffling for a seed.
#include <gtest/gtest.h>

#include <algorithm>

#include "tapegrad/nn.hpp"

namespace {

std::shared_ptr<tg::data::TensorDataset> numbers(int64_t n) {
  // x[i] = (i, 10 i), y[i] = -i.
  std::vector<float> x, y;
  for (int64_t i = 0; i < n; ++i) {
    x.push_back(static_cast<float>(i));
    x.push_back(static_cast<float>(10 * i));
    y.push_back(static_cast<float>(-i));
  }
  return std::make_shared<tg::data::TensorDataset>(tg::from_vector(x, {n, 2}),
                                                   tg::from_vector(y, {n}));
}

std::vector<std::vector<float>> epoch(tg::data::DataLoader& loader) {
  std::vector<std::vector<float>> out;
  for (const tg::data::Batch& b : loader) {
    EXPECT_EQ(b.x.shape()[0], b.y.shape()[0]);
    const auto xs = b.x.to_vector<float>();
    const auto ys = b.y.to_vector<float>();
    for (std::size_t i = 0; i < ys.size(); ++i) {
      EXPECT_EQ(xs[2 * i + 1], 10 * xs[2 * i]);  // rows stay whole
      EXPECT_EQ(ys[i], -xs[2 * i]);              // and x and y stay paired
    }
    out.push_back(ys);
  }
  return out;
}

}  // namespace

TEST(DataLoader, SequentialBatchesWithRemainder) {
  tg::data::DataLoader loader(numbers(10), {.batch_size = 4});
  EXPECT_EQ(loader.num_batches(), 3);
  const auto batches = epoch(loader);
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[0], (std::vector<float>{0, -1, -2, -3}));
  EXPECT_EQ(batches[2], (std::vector<float>{-8, -9}));
}

TEST(DataLoader, DropLast) {
  tg::data::DataLoader loader(numbers(10), {.batch_size = 4, .drop_last = true});
  EXPECT_EQ(loader.num_batches(), 2);
  EXPECT_EQ(epoch(loader).size(), 2u);
}

TEST(DataLoader, ShuffleIsAPermutationAndDeterministicForASeed) {
  tg::data::DataLoader a(numbers(50), {.batch_size = 8, .shuffle = true, .seed = 7});
  tg::data::DataLoader b(numbers(50), {.batch_size = 8, .shuffle = true, .seed = 7});
  tg::data::DataLoader c(numbers(50), {.batch_size = 8, .shuffle = true, .seed = 8});
  const auto a1 = epoch(a), a2 = epoch(a);
  EXPECT_EQ(a1, epoch(b));  // epoch 1 of both
  EXPECT_EQ(a2, epoch(b));  // epoch 2 of both
  EXPECT_NE(a1, a2);        // a new order every epoch
  EXPECT_NE(a1, epoch(c));  // another seed, another order
  std::vector<float> all;
  for (const auto& batch : a1) all.insert(all.end(), batch.begin(), batch.end());
  std::sort(all.begin(), all.end());
  for (int i = 0; i < 50; ++i)
    EXPECT_EQ(all[static_cast<std::size_t>(i)], static_cast<float>(i - 49));
}

TEST(DataLoader, DatasetWithoutTargetsAndErrors) {
  auto ds = std::make_shared<tg::data::TensorDataset>(tg::zeros({5, 3}));
  tg::data::DataLoader loader(ds, {.batch_size = 2});
  for (const tg::data::Batch& b : loader) EXPECT_FALSE(b.y.defined());
  EXPECT_THROW(tg::data::DataLoader(ds, {.batch_size = 0}), tg::ValueError);
  EXPECT_THROW(tg::data::TensorDataset(tg::zeros({5, 3}), tg::zeros({4})), tg::ShapeError);
  EXPECT_THROW(loader.batch(3), tg::ValueError);
}

TEST(DataLoader, ShardsOfAnEpochCoverTheDatasetExactlyOnce) {
  // Three ranks' loaders, same seed: each epoch's shards are disjoint and their union is the
  // whole dataset (23 examples: shards of 8, 8 and 7).
  std::vector<tg::data::DataLoader> ranks;
  for (int64_t s = 0; s < 3; ++s)
    ranks.emplace_back(
        numbers(23), tg::data::DataLoaderOptions{
                         .batch_size = 4, .shuffle = true, .seed = 3, .num_shards = 3, .shard = s});
  std::vector<float> previous;
  for (int e = 0; e < 3; ++e) {
    std::vector<float> all;
    for (auto& loader : ranks)
      for (const auto& batch : epoch(loader)) all.insert(all.end(), batch.begin(), batch.end());
    std::vector<float> sorted = all;
    std::sort(sorted.begin(), sorted.end());
    ASSERT_EQ(sorted.size(), 23u);
    for (int i = 0; i < 23; ++i)
      EXPECT_EQ(sorted[static_cast<std::size_t>(i)], static_cast<float>(i - 22));
    EXPECT_NE(all, previous);  // a new permutation every epoch
    previous = all;
  }
  EXPECT_EQ(ranks[0].order().size(), 8u);
  EXPECT_EQ(ranks[2].order().size(), 7u);
}

TEST(DataLoader, ShardsAreThePermutationsPositions) {
  // Shard s of an epoch is positions s, s + 2, ... of the unsharded loader's order.
  tg::data::DataLoader whole(numbers(10), {.batch_size = 10, .shuffle = true, .seed = 5});
  tg::data::DataLoader odd(
      numbers(10), {.batch_size = 10, .shuffle = true, .seed = 5, .num_shards = 2, .shard = 1});
  (void)whole.begin();
  (void)odd.begin();
  std::vector<int64_t> expected;
  for (std::size_t i = 1; i < 10; i += 2) expected.push_back(whole.order()[i]);
  EXPECT_EQ(odd.order(), expected);
}

TEST(DataLoader, DropLastGivesEveryShardTheSameBatchCount) {
  // 9 examples on 2 shards (5 and 4) in batches of 2: without drop_last 3 and 2 batches,
  // with it ⌊⌊9/2⌋/2⌋ = 2 on both.
  auto loader = [](int64_t shard, bool drop_last) {
    return tg::data::DataLoader(
        numbers(9), {.batch_size = 2, .drop_last = drop_last, .num_shards = 2, .shard = shard});
  };
  EXPECT_EQ(loader(0, false).num_batches(), 3);
  EXPECT_EQ(loader(1, false).num_batches(), 2);
  EXPECT_EQ(loader(0, true).num_batches(), 2);
  EXPECT_EQ(loader(1, true).num_batches(), 2);
}

TEST(DataLoader, ShardOutOfRangeIsAnError) {
  try {
    tg::data::DataLoader(numbers(4), {.num_shards = 2, .shard = 2});
    FAIL() << "no error";
  } catch (const tg::ValueError& e) {
    EXPECT_STREQ(e.what(),
                 "DataLoader: shard must be in [0, num_shards) with num_shards positive, got "
                 "shard 2 of 2");
  }
  EXPECT_THROW(tg::data::DataLoader(numbers(4), {.num_shards = 0}), tg::ValueError);
}

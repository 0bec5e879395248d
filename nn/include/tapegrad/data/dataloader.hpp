// DataLoader: batches of a dataset, optionally in a shuffled order drawn from its own
// seeded generator, so the same seed gives the same batches on every run.
//
//   tg::data::DataLoader loader(dataset, {.batch_size = 64, .shuffle = true, .seed = 1});
//   for (const tg::data::Batch& b : loader) { ... }   // one epoch
//
// Every `begin()` starts a new epoch with a new permutation (epoch k of two loaders with
// the same seed is the same).
//
// Note [Shards]: for data-parallel training each rank makes its loader with the same seed
// and its own shard, {.num_shards = world_size, .shard = rank}. Epoch k's permutation is
// then the same on every rank (it depends only on the seed and k), and shard s serves its
// positions s, s + num_shards, s + 2·num_shards, ...: the shards of an epoch are disjoint
// and together cover the dataset exactly once. Their sizes differ by at most one example,
// so without drop_last their batch counts can differ by one; with drop_last every shard
// serves ⌊⌊N / num_shards⌋ / batch_size⌋ batches, the same on every rank (a rank with an
// extra batch would wait forever in its all-reduce).
#pragma once
#include <memory>

#include "tapegrad/autograd/random.hpp"
#include "tapegrad/data/dataset.hpp"

namespace tg::data {

struct DataLoaderOptions {
  int64_t batch_size = 1;
  bool shuffle = false;
  /// Drop the last batch if it is smaller than batch_size.
  bool drop_last = false;
  uint64_t seed = 0;
  /// Data-parallel sharding (Note [Shards]): serve shard `shard` of `num_shards`.
  int64_t num_shards = 1;
  int64_t shard = 0;
};

class DataLoader {
 public:
  DataLoader(std::shared_ptr<const Dataset> dataset, const DataLoaderOptions& options = {});

  class Iterator {
   public:
    Iterator(const DataLoader* loader, int64_t batch) : loader_(loader), batch_(batch) {}
    Batch operator*() const { return loader_->batch(batch_); }
    Iterator& operator++() {
      ++batch_;
      return *this;
    }
    bool operator==(const Iterator& o) const { return batch_ == o.batch_; }

   private:
    const DataLoader* loader_;
    int64_t batch_;
  };

  /// Starts an epoch (drawing a new order when shuffling).
  Iterator begin();
  Iterator end() const { return Iterator(this, num_batches()); }
  int64_t num_batches() const;
  /// The current epoch's example order (this shard's part of it).
  const std::vector<int64_t>& order() const { return order_; }
  /// Batch `i` of the current epoch.
  Batch batch(int64_t i) const;

 private:
  std::shared_ptr<const Dataset> dataset_;
  DataLoaderOptions options_;
  Generator gen_;
  std::vector<int64_t> order_;

  void take_shard(const std::vector<int64_t>& permutation);
};

}  // namespace tg::data

#include "tapegrad/data/dataloader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>

#include "tapegrad/autograd/error.hpp"

namespace tg::data {

DataLoader::DataLoader(std::shared_ptr<const Dataset> dataset, const DataLoaderOptions& options)
    : dataset_(std::move(dataset)), options_(options), gen_(options.seed) {
  if (!dataset_) throw ValueError("DataLoader: the dataset is null");
  if (options.batch_size <= 0)
    throw ValueError(
        fmt::format("DataLoader: batch_size must be positive, got {}", options.batch_size));
  if (options.num_shards <= 0 || options.shard < 0 || options.shard >= options.num_shards)
    throw ValueError(fmt::format(
        "DataLoader: shard must be in [0, num_shards) with num_shards positive, got shard {} "
        "of {}",
        options.shard, options.num_shards));
  std::vector<int64_t> identity(static_cast<std::size_t>(dataset_->size()));
  std::iota(identity.begin(), identity.end(), int64_t{0});
  take_shard(identity);
}

void DataLoader::take_shard(const std::vector<int64_t>& permutation) {
  order_.clear();
  for (std::size_t i = static_cast<std::size_t>(options_.shard); i < permutation.size();
       i += static_cast<std::size_t>(options_.num_shards))
    order_.push_back(permutation[i]);
}

DataLoader::Iterator DataLoader::begin() {
  if (options_.shuffle) take_shard(randperm(dataset_->size(), gen_));
  return Iterator(this, 0);
}

int64_t DataLoader::num_batches() const {
  const int64_t b = options_.batch_size;
  if (options_.drop_last) return dataset_->size() / options_.num_shards / b;  // Note [Shards]
  return (static_cast<int64_t>(order_.size()) + b - 1) / b;
}

Batch DataLoader::batch(int64_t i) const {
  if (i < 0 || i >= num_batches())
    throw ValueError(fmt::format("DataLoader: batch {} is out of range [0, {})", i, num_batches()));
  const auto first = order_.begin() + i * options_.batch_size;
  const auto last = order_.begin() + std::min<int64_t>((i + 1) * options_.batch_size,
                                                       static_cast<int64_t>(order_.size()));
  return dataset_->get(std::vector<int64_t>(first, last));
}

}  // namespace tg::data

// Random tensors from an explicit, seedable generator.
//
// Note [Counter-based random numbers]: value i of a draw is a pure function of
// (seed, offset + i), so the numbers do not depend on how the work is split across
// threads: same seed, same numbers, on any thread count. Each draw advances the offset.
#pragma once
#include <cstdint>

#include "tapegrad/autograd/tensor.hpp"

namespace tg {

class Generator {
 public:
  explicit Generator(uint64_t seed = 0) : seed_(seed) {}
  uint64_t seed() const { return seed_; }
  uint64_t offset() const { return offset_; }
  /// Reserves `n` counters and returns the first. (Every draw comes through here, so a
  /// checkpointed forward can tell which generators it drew from: gradient_checkpoint.hpp.)
  uint64_t advance(uint64_t n);
  /// 64 random bits for counter `c` (a SplitMix64-style mix of seed and counter).
  uint64_t bits(uint64_t c) const;
  /// Uniform in [0, 1) for counter `c` (53 random bits).
  double uniform(uint64_t c) const;

 private:
  uint64_t seed_;
  uint64_t offset_ = 0;
};

/// Uniform on [low, high).
Tensor rand(const Shape& shape, Generator& gen, Dtype dtype = kFloat32, double low = 0,
            double high = 1);
/// Normal with the given mean and standard deviation.
Tensor randn(const Shape& shape, Generator& gen, Dtype dtype = kFloat32, double mean = 0,
             double stddev = 1);
/// Integers uniform on [low, high), in any dtype: kInt64 for indices (gather,
/// index_select), a float dtype for arithmetic.
Tensor randint(int64_t low, int64_t high, const Shape& shape, Generator& gen,
               Dtype dtype = kFloat32);
/// 1 with probability p (elementwise, p a tensor of probabilities), else 0.
Tensor bernoulli(const Tensor& p, Generator& gen);
/// 1 with probability p, else 0.
Tensor bernoulli(const Shape& shape, double p, Generator& gen, Dtype dtype = kFloat32);
/// A uniformly random permutation of 0..n-1 (Fisher–Yates).
std::vector<int64_t> randperm(int64_t n, Generator& gen);

}  // namespace tg

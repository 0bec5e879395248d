// Datasets: anything that can hand out a batch of examples by index.
#pragma once
#include <cstdint>
#include <vector>

#include "tapegrad/autograd/tensor.hpp"

namespace tg::data {

/// Inputs and (optionally, may be undefined) targets, batch along the first axis.
struct Batch {
  Tensor x;
  Tensor y;
};

class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual int64_t size() const = 0;
  /// The examples at `indices`, stacked along a new first axis.
  virtual Batch get(const std::vector<int64_t>& indices) const = 0;
};

/// Examples are the rows (first-axis slices) of `x` and, if given, of `y`.
class TensorDataset : public Dataset {
 public:
  explicit TensorDataset(Tensor x, Tensor y = Tensor());
  int64_t size() const override { return x_.shape()[0]; }
  Batch get(const std::vector<int64_t>& indices) const override;

 private:
  Tensor x_;
  Tensor y_;
};

}  // namespace tg::data

// The checkpoint of the kill test (test_checkpoint_kill.cpp) and its saver process
// (checkpoint_saver.cpp): a Linear(1024, 1024) (4 MiB of float32 weights) whose state is a
// pure function of an iteration number, which the bias holds in every entry, so a reader
// can tell which save it is looking at and rebuild the bytes that save wrote.
#pragma once
#include <cstdint>

#include "tapegrad/nn.hpp"

namespace tgtest {

class NumberedCheckpoint {
 public:
  static constexpr int64_t kFeatures = 1024;

  NumberedCheckpoint()
      : net_(kFeatures, kFeatures, init_gen_), base_(tg::rand(net_.weight.shape(), init_gen_)) {}

  /// Sets the weights to a fixed random matrix plus `iteration` and the bias to `iteration`:
  /// different bytes for every iteration, cheap to set, so that a saver's cycle is mostly
  /// the save itself (the kill test aims its kills into saves, sanitizer builds included).
  void set(int64_t iteration) {
    tg::NoGradGuard no_grad;
    net_.weight.copy_(base_ + static_cast<double>(iteration));
    net_.bias.copy_(tg::full(net_.bias.shape(), static_cast<double>(iteration)));
  }
  void save(const std::string& path) const { tg::nn::save(net_, path); }
  /// Loads `path` and returns the iteration it holds (throws tg::IoError if it does not load).
  int64_t load(const std::string& path) {
    tg::nn::load(net_, path);
    return static_cast<int64_t>(net_.bias.data<float>()[0]);
  }

 private:
  tg::Generator init_gen_{0};
  tg::nn::Linear net_;
  tg::Tensor base_;  ///< [kFeatures, kFeatures] uniform values in [0, 1)
};

}  // namespace tgtest

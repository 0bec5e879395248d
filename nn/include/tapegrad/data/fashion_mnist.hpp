// Fashion-MNIST from Debian's dataset-fashion-mnist package, which installs the four
// original gzip IDX files in /usr/share/datasets/fashion-mnist.
#pragma once
#include <string>

#include "tapegrad/autograd/tensor.hpp"

namespace tg::data {

inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

struct FashionMnist {
  Tensor images;  ///< [N, 784] (or [N, 28, 28]), float32 in [0, 1]
  Tensor labels;  ///< [N], float32 class indices 0..9
};

/// The training (60000) or test (10000) split. Throws tg::IoError saying how to install
/// the package when the files are missing.
FashionMnist load_fashion_mnist(bool train = true, const std::string& dir = kFashionMnistDir,
                                bool flatten = true);

}  // namespace tg::data

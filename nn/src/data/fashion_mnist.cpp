#include "tapegrad/data/fashion_mnist.hpp"

#include <fmt/format.h>

#include <filesystem>

#include "tapegrad/autograd/error.hpp"
#include "tapegrad/autograd/grad_mode.hpp"
#include "tapegrad/autograd/ops/elementwise.hpp"
#include "tapegrad/data/idx.hpp"

namespace tg::data {

FashionMnist load_fashion_mnist(bool train, const std::string& dir, bool flatten) {
  const std::string prefix = train ? "train" : "t10k";
  const std::string images = fmt::format("{}/{}-images-idx3-ubyte.gz", dir, prefix);
  const std::string labels = fmt::format("{}/{}-labels-idx1-ubyte.gz", dir, prefix);
  for (const auto& f : {images, labels})
    if (!std::filesystem::exists(f))
      throw IoError(
          fmt::format("load_fashion_mnist: {} not found. Fashion-MNIST comes from Debian's "
                      "dataset-fashion-mnist package: install it with `apt-get install "
                      "dataset-fashion-mnist` (files go to {}), or pass the directory that holds "
                      "{{train,t10k}}-{{images-idx3,labels-idx1}}-ubyte.gz",
                      f, kFashionMnistDir));
  NoGradGuard no_grad;
  FashionMnist out;
  out.images = read_idx(images) / 255.0;
  out.labels = read_idx(labels);
  if (out.images.dim() != 3 || out.labels.dim() != 1 ||
      out.images.shape()[0] != out.labels.shape()[0])
    throw IoError(fmt::format("load_fashion_mnist: images {} and labels {} do not fit together",
                              out.images.shape().str(), out.labels.shape().str()));
  if (flatten) out.images = out.images.reshape({out.images.shape()[0], -1});
  return out;
}

}  // namespace tg::data

// Sequential: modules applied in order, named by their index ("0", "1", ...), so their
// parameters read "0.weight", "2.bias" as in torch.nn.Sequential.
#pragma once
#include <memory>
#include <utility>
#include <vector>

#include "tapegrad/nn/module.hpp"

namespace tg::nn {

class Sequential : public Module {
 public:
  Sequential() = default;
  explicit Sequential(std::vector<std::shared_ptr<Module>> layers);

  Sequential& push_back(std::shared_ptr<Module> layer);
  template <class M, class... Args>
  std::shared_ptr<M> emplace_back(Args&&... args) {
    auto m = std::make_shared<M>(std::forward<Args>(args)...);
    push_back(m);
    return m;
  }

  Tensor forward(const Tensor& x) override;
  std::size_t size() const { return layers_.size(); }
  Module& operator[](std::size_t i) const { return *layers_.at(i); }
  const std::shared_ptr<Module>& layer(std::size_t i) const { return layers_.at(i); }

 private:
  std::vector<std::shared_ptr<Module>> layers_;
};

}  // namespace tg::nn

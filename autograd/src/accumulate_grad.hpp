// AccumulateGrad: the node at the end of every path, one per leaf that requires grad.
// In backward() it adds the incoming gradient into the leaf's `.grad()`; in grad() the
// engine reads the gradient arriving here instead and never runs it.
#pragma once
#include "tapegrad/autograd/node.hpp"

namespace tg {

class AccumulateGrad final : public Node {
 public:
  explicit AccumulateGrad(std::shared_ptr<TensorImpl> leaf) : leaf_(std::move(leaf)) {
    input_meta_.push_back({leaf_->shape, leaf_->dtype});
  }
  std::string_view name() const override { return "AccumulateGrad"; }
  TensorList apply(TensorList&& grads) override;
  const std::shared_ptr<TensorImpl>& leaf() const { return leaf_; }

 private:
  std::shared_ptr<TensorImpl> leaf_;
};

}  // namespace tg

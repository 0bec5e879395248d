#include "tapegrad/nn/linear.hpp"

#include <fmt/format.h>

#include "tapegrad/autograd/error.hpp"
#include "tapegrad/autograd/ops/elementwise.hpp"
#include "tapegrad/autograd/ops/factory.hpp"
#include "tapegrad/autograd/ops/linalg.hpp"

namespace tg::nn {

Linear::Linear(int64_t in_features, int64_t out_features, Generator& gen,
               const LinearOptions& options)
    : in_(in_features), out_(out_features) {
  if (in_features <= 0 || out_features <= 0)
    throw ValueError(fmt::format("Linear: in_features ({}) and out_features ({}) must be positive",
                                 in_features, out_features));
  weight = empty({out_features, in_features}, options.dtype);
  if (options.bias) bias = empty({out_features}, options.dtype);
  init::init_linear_(weight, bias, gen, options.init, options.activation, options.activation_param);
  weight = register_parameter("weight", weight);
  if (options.bias) bias = register_parameter("bias", bias);
}

Tensor Linear::forward(const Tensor& x) {
  if (x.dim() < 1 || x.shape()[x.dim() - 1] != in_)
    throw ShapeError(fmt::format("Linear(in={}, out={}): input of shape {} must have last axis {}",
                                 in_, out_, x.shape().str(), in_));
  if (x.dtype() != weight.dtype())
    throw DtypeError(
        fmt::format("Linear(in={}, out={}): input is {} but the weight is {}; "
                    "cast with .to() or convert the module with .to()",
                    in_, out_, name(x.dtype()), name(weight.dtype())));
  return linear(x, weight, bias);  // y = x·Wᵀ + b, W never transposed in memory
}

}  // namespace tg::nn

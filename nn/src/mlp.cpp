#include "tapegrad/nn/mlp.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "tapegrad/autograd/error.hpp"

namespace tg::nn {

MLP::MLP(const std::vector<int64_t>& sizes, Activation activation, Generator& gen,
         const MLPOptions& options) {
  bool valid = sizes.size() >= 2;
  for (int64_t s : sizes) valid = valid && s > 0;
  if (!valid)
    throw ValueError(fmt::format(
        "MLP: sizes {} must hold at least an input and an output size, all positive", sizes));
  for (std::size_t i = 0; i + 1 < sizes.size(); ++i) {
    const bool last = i + 2 == sizes.size();
    const Activation act = last ? options.output_activation : activation;
    const double param = last ? kDefaultParam : options.activation_param;
    linears_.push_back(emplace_back<Linear>(sizes[i], sizes[i + 1], gen,
                                            LinearOptions{.bias = options.bias,
                                                          .dtype = options.dtype,
                                                          .init = options.init,
                                                          .activation = act,
                                                          .activation_param = param}));
    if (act != Activation::Identity) push_back(make_activation(act, param));
  }
}

}  // namespace tg::nn

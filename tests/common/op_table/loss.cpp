// The op table's loss entries (autograd/include/tapegrad/autograd/ops/loss.hpp).
#include <cmath>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "entries.hpp"

namespace tgtest::entries {

void add_losses(std::vector<OpEntry>& t) {
  using Loss = Tensor (*)(const Tensor&, const Tensor&, tg::Reduction);
  const std::vector<std::pair<std::string, tg::Reduction>> reductions = {
      {"mean", tg::Reduction::Mean}, {"sum", tg::Reduction::Sum}, {"none", tg::Reduction::None}};
  for (const auto& [name, loss, anomaly] : std::vector<std::tuple<std::string, Loss, std::string>>{
           {"binary_cross_entropy_with_logits", tg::binary_cross_entropy_with_logits, "*"},
           {"mse_loss", tg::mse_loss, "sub"}}) {
    OpEntry e{
        .label = name,
        .name = name,
        .fn = [loss](const TensorList& in) { return loss(in[0], in[1], tg::Reduction::Mean); },
        .anomaly_op = anomaly};
    // Logits in [-3, 3); targets in [0, 1) (soft labels included).
    for (const auto& [rname, r] : reductions) {
      e.samples.push_back(
          {rname,
           {{.shape = {2, 3}, .seed = 51, .lo = -3, .hi = 3},
            {.shape = {2, 3}, .seed = 52, .lo = 0, .hi = 1}},
           [l = loss, red = r](const TensorList& in) { return l(in[0], in[1], red); }});
      const Loss l = loss;
      const tg::Reduction red = r;
      e.bad.push_back({"transposed_" + rname, K::Shape, {name, "[2, 3]", "[3, 2]"}, [l, red] {
                         l(tg::ones({2, 3}), tg::ones({3, 2}), red);
                       }});
      e.bad.push_back({"broadcastable_" + rname, K::Shape, {name, "[2, 3]", "[3]"}, [l, red] {
                         l(tg::ones({2, 3}), tg::ones({3}), red);
                       }});
      e.bad.push_back({"mixed_dtypes_" + rname, K::Dtype, {name, "float32", "float64"}, [l, red] {
                         l(tg::ones({2}), tg::ones({2}, tg::kFloat64), red);
                       }});
      e.bad.push_back({"undefined_" + rname, K::Any, {name, "undefined"}, [l, red] {
                         l(Tensor(), tg::ones({2}), red);
                       }});
    }
    e.bad.push_back({"shapes_do_not_fit", K::Shape, {name, "[2, 3]", "[2, 1]"}, [l = loss] {
                       l(f32({2, 3}), f32({2, 1}), tg::Reduction::Mean);
                     }});
    e.bad.push_back(
        {"mixes_float32_and_float64", K::Dtype, {name, "float32", "float64"}, [l = loss] {
           l(f32({3, 3}), f64({3, 3}), tg::Reduction::Mean);
         }});
    e.bad.push_back(nan_operand(e.fn, anomaly));
    t.push_back(std::move(e));
  }
}

}  // namespace tgtest::entries

// The op table's conversion entries (autograd/include/tapegrad/autograd/ops/conversion.hpp).
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "entries.hpp"

namespace tgtest::entries {

void add_conversion(std::vector<OpEntry>& t) {
  t.push_back({.label = "clone",
               .name = "clone",
               .fn = [](const TensorList& in) { return tg::clone(in[0]) * in[0]; },
               .samples = {{"matrix", {{.shape = {3, 4}, .seed = 1}}}},
               .bad = {{"undefined_input", K::Any, {"clone"}, [] { tg::clone(Tensor()); }}}});
  // Through float32 and back: both directions of the rule. Central differences through a
  // float32 rounding err by about ulp(x)/eps = 6e-8/1e-3 relative, so eps is 1e-3 and the
  // tolerances are 1e-3, well above that and far below any wrong rule (off by O(1)).
  t.push_back(
      {.label = "to",
       .name = "to",
       .fn =
           [](const TensorList& in) {
             const Tensor x32 = tg::to(in[0], tg::kFloat32);
             return tg::to(x32 * x32, tg::kFloat64);
           },
       .samples = {{"matrix", {{.shape = {2, 3}, .seed = 4}}}},
       .options = {.eps = 1e-3, .atol = 1e-3, .rtol = 1e-3},
       .bad = {{"undefined_input", K::Any, {"to"}, [] { tg::to(Tensor(), tg::kFloat32); }}}});
}

}  // namespace tgtest::entries

// Every parameter of a module, flattened in registration order: compared before and
// after a failed load to prove the load changed nothing (used by the checkpoint tests and
// the checkpoint fuzz target).
#pragma once
#include <vector>

#include "tapegrad/nn/module.hpp"

namespace tgtest {

inline std::vector<float> flat_parameters(const tg::nn::Module& m) {
  std::vector<float> out;
  for (const auto& p : m.parameters()) {
    auto v = p.to_vector<float>();
    out.insert(out.end(), v.begin(), v.end());
  }
  return out;
}

}  // namespace tgtest

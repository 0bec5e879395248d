// Fuzz target: tg::nn::load(module, path), the checkpoint loader on top of read_npz: key
// matching, shape checks and dtype conversion into a small MLP. Any input must either
// load or raise tg::IoError and leave the module unchanged.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "flat_parameters.hpp"
#include "fuzz_input.hpp"
#include "tapegrad/autograd/error.hpp"
#include "tapegrad/nn/checkpoint.hpp"
#include "tapegrad/nn/mlp.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static tg::fuzz::InputFile file("checkpoint");
  static tg::Generator gen(1);
  // The architecture of tests/fuzz/corpus/checkpoint/*: 2 → 3 → 1.
  static tg::nn::MLP net({2, 3, 1}, tg::nn::Activation::Tanh, gen);
  const std::vector<float> before = tgtest::flat_parameters(net);
  try {
    tg::nn::load(net, file.assign(data, size));
  } catch (const tg::IoError&) {
    // All or nothing: a failed load changes no parameter.
    const std::vector<float> after = tgtest::flat_parameters(net);
    if (after.size() != before.size() ||
        std::memcmp(after.data(), before.data(), after.size() * sizeof(float)) != 0)
      __builtin_trap();
  }
  return 0;
}

// Fuzz target: tg::nn::read_npz, the .npz/.npy checkpoint reader (zip directory, stored
// and deflated members, .npy headers). Any input must either parse or raise tg::IoError;
// any other exception, a crash, a hang or an allocation beyond the libFuzzer limit set by
// tests/fuzz/run-fuzzers is a bug.
#include <cstddef>
#include <cstdint>

#include "fuzz_input.hpp"
#include "tapegrad/autograd/error.hpp"
#include "tapegrad/nn/npz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static tg::fuzz::InputFile file("npz");
  try {
    for (const auto& [name, t] : tg::nn::read_npz(file.assign(data, size))) {
      // A parsed tensor must be whole: its size matches its shape and dtype.
      if (t.nbytes() != static_cast<size_t>(t.numel()) * tg::itemsize(t.dtype())) __builtin_trap();
    }
  } catch (const tg::IoError&) {
  }
  return 0;
}

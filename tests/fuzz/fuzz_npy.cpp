// Fuzz target: the .npy decoder behind tg::nn::read_npz. The input is one .npy file; the
// harness stores it in a valid zip member (correct CRC), so every mutation reaches the
// .npy header parser instead of failing the zip layer's CRC check as in fuzz_npz. Any
// input must either parse or raise tg::IoError.
#include <cstddef>
#include <cstdint>
#include <string>

#include "../reliability/zip_builder.hpp"
#include "fuzz_input.hpp"
#include "tapegrad/autograd/error.hpp"
#include "tapegrad/nn/npz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static tg::fuzz::InputFile file("npy");
  const std::string zip =
      tgtest::zip_stored("x.npy", std::string(reinterpret_cast<const char*>(data), size));
  try {
    const auto tensors =
        tg::nn::read_npz(file.assign(reinterpret_cast<const uint8_t*>(zip.data()), zip.size()));
    // One member in, one tensor out, and its bytes came from the input.
    if (tensors.size() != 1 || tensors[0].second.nbytes() > size) __builtin_trap();
  } catch (const tg::IoError&) {
  }
  return 0;
}

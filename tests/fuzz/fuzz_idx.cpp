// Fuzz target: tg::data::read_idx on raw bytes, plain IDX and gzip-compressed IDX alike
// (the reader detects gzip from the content). Seeds: tests/fuzz/corpus/idx/, both kinds.
// Any input must either parse or raise tg::IoError.
#include <cstddef>
#include <cstdint>

#include "fuzz_input.hpp"
#include "tapegrad/autograd/error.hpp"
#include "tapegrad/data/idx.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static tg::fuzz::InputFile file("idx");
  try {
    const tg::Tensor t = tg::data::read_idx(file.assign(data, size));
    // A plain file holds at least one byte per element after its header.
    if (size >= 2 && data[0] == 0 && data[1] == 0 && static_cast<size_t>(t.numel()) > size)
      __builtin_trap();
  } catch (const tg::IoError&) {
  }
  return 0;
}

// Thread control for the kernel layer, and the instruction set it runs on.
//
// Kernels run TBB parallel loops over contiguous buffers (see docs/kernels.md). The number
// of worker threads defaults to all cores, or to the environment variable
// TAPEGRAD_NUM_THREADS if it is set to a positive integer when the library first runs a
// kernel; set_num_threads() overrides both at any time.
//
// Results do not depend on the thread count: elementwise kernels are bit-identical for
// any count, and reductions split their input into blocks fixed by the shape alone and
// combine the partial results in a fixed order.
//
// The kernels are compiled for several instruction sets and run the highest one the CPU
// supports, or the one the environment variable TAPEGRAD_ISA names ("sse4.2", "avx2",
// "avx512"), read once when the library first runs a kernel (docs/cpu-dispatch.md).
#pragma once
#include <string_view>

namespace tg {

/// Limits the kernels to `n` threads; n <= 0 restores the default (all cores).
void set_num_threads(int n);
/// The number of threads the kernels may use.
int get_num_threads();
/// The instruction set the kernels run on: "avx512" (AVX-512 F/CD/DQ/BW/VL), "avx2"
/// (AVX2 with FMA) or "sse4.2". Throws ValueError, naming the request, what the CPU
/// supports and the accepted names, if TAPEGRAD_ISA is set to an unknown name or to a set
/// this CPU lacks (as does every kernel call then).
std::string_view cpu_capability();

}  // namespace tg

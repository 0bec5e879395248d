// Thread control for the kernel layer.
//
// Kernels run TBB parallel loops over contiguous buffers (see docs/kernels.md). The number
// of worker threads defaults to all cores, or to the environment variable
// TAPEGRAD_NUM_THREADS if it is set to a positive integer when the library first runs a
// kernel; set_num_threads() overrides both at any time.
//
// Results do not depend on the thread count: elementwise kernels are bit-identical for
// any count, and reductions split their input into blocks fixed by the shape alone and
// combine the partial results in a fixed order.
#pragma once

namespace tg {

/// Limits the kernels to `n` threads; n <= 0 restores the default (all cores).
void set_num_threads(int n);
/// The number of threads the kernels may use.
int get_num_threads();

}  // namespace tg

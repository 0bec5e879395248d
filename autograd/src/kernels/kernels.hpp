// The kernel layer: every hot loop of autograd/ runs through these functions, over raw
// contiguous buffers. No Tensor, no graph, no xtensor here — just numbers.
//
// Each function is a template over float/double, explicitly instantiated in its .cpp
// file, so xsimd and TBB stay out of every other translation unit. Kernels run serially
// below a grain size and in parallel (TBB) above it; results never depend on the thread
// count (Note [Deterministic partitioning] in parallel_for.hpp). See docs/kernels.md.
//
// The sources are compiled once per instruction set into tg::kernels::{sse4_2,avx2,avx512};
// the functions of tg::kernels itself forward to the variant chosen at start-up
// (dispatch.cpp, isa.hpp, docs/cpu-dispatch.md).
#pragma once
#include <cstdint>

#include "tapegrad/autograd/shape.hpp"

namespace tg::kernels {

// ---- elementwise, one input ---------------------------------------------------------
enum class Unary {
  Neg,
  Exp,
  Log,
  Log1p,
  Expm1,
  Sqrt,
  Rsqrt,
  Abs,
  Sign,
  Sin,
  Cos,
  Tanh,
  Sigmoid,
  LogSigmoid,
  Softplus,
  Relu,
  Silu,
  Gelu,       // the tanh approximation
  GeluErf,    // x·Φ(x), exact
  NormalCdf,  // Φ(x)
  LeakyRelu,  // a = negative slope
  Elu,        // a = alpha
  Clamp,      // a = lo, b = hi
  PowScalar,  // a = exponent
  AddScalar,  // a = scalar
  MulScalar,  // a = scalar
};
struct UnaryParams {
  double a = 0;
  double b = 0;
};

// ---- elementwise, two inputs with NumPy broadcasting --------------------------------
enum class Binary { Add, Sub, Mul, Div, Pow, Minimum, Maximum, Eq, Ne, Lt, Le, Gt, Ge };

// ---- reductions along one axis, viewing the input as [outer, r, inner] ---------------
enum class Reduce { Sum, Max, Min };

// The dispatched entry points (dispatch.cpp): each forwards to the variant of the
// instruction set chosen at start-up (isa.hpp, docs/cpu-dispatch.md).
#include "kernel_api.inc"

// One variant per instruction set, each compiled from the same sources with its own
// flags (autograd/CMakeLists.txt); only dispatch.cpp calls them.
namespace sse4_2 {
#include "kernel_api.inc"
}  // namespace sse4_2
namespace avx2 {
#include "kernel_api.inc"
}  // namespace avx2
namespace avx512 {
#include "kernel_api.inc"
}  // namespace avx512

}  // namespace tg::kernels

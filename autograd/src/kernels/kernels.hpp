// The kernel layer: every hot loop of autograd/ runs through these functions, over raw
// contiguous buffers. No Tensor, no graph, no xtensor here — just numbers.
//
// Each function is a template over float/double, explicitly instantiated in its .cpp
// file, so xsimd and TBB stay out of every other translation unit. Kernels run serially
// below a grain size and in parallel (TBB) above it; results never depend on the thread
// count (Note [Deterministic partitioning] in parallel_for.hpp). See docs/kernels.md.
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
template <class T>
void unary(Unary op, const T* x, T* y, int64_t n, UnaryParams p = {});

// ---- elementwise, two inputs with NumPy broadcasting --------------------------------
enum class Binary { Add, Sub, Mul, Div, Pow, Minimum, Maximum, Eq, Ne, Lt, Le, Gt, Ge };
/// out has shape `so` = broadcast(sa, sb); comparisons write 1 or 0.
template <class T>
void binary(Binary op, const T* a, const Shape& sa, const T* b, const Shape& sb, T* out,
            const Shape& so);
/// out[i] = cond[i] != 0 ? a[i] : b[i], all three already of the output's shape.
template <class T>
void where(const T* cond, const T* a, const T* b, T* out, int64_t n);

// ---- reductions along one axis, viewing the input as [outer, r, inner] ---------------
enum class Reduce { Sum, Max, Min };
template <class T>
void reduce(Reduce op, const T* x, T* y, int64_t outer, int64_t r, int64_t inner);
/// index[o, j] = the first k < r where x[o, k, j] is the max (is_max) or the min of its
/// column, for x viewed as [outer, r, inner] (r >= 1); a NaN counts as the extreme, so the
/// first NaN wins (torch.argmax's rule).
template <class T>
void arg_extremum(bool is_max, const T* x, int64_t* index, int64_t outer, int64_t r, int64_t inner);
/// Whether any of x[0..n) is NaN or ±Inf (anomaly mode's check).
template <class T>
bool has_non_finite(const T* x, int64_t n);

// ---- data movement --------------------------------------------------------------------
/// y = x broadcast to shape `so` (materialised).
template <class T>
void broadcast_to(const T* x, const Shape& sx, T* y, const Shape& so);
/// y = x with axes permuted: y.shape[i] = x.shape[perm[i]].
template <class T>
void permute(const T* x, const Shape& sx, const Shape& perm, T* y);
/// y = x[..., start : start + len*step : step, ...] along `axis` of [outer, n, inner].
template <class T>
void slice(const T* x, T* y, int64_t outer, int64_t n, int64_t inner, int64_t start, int64_t step,
           int64_t len);
/// y[..., start + i*step, ...] += x[..., i, ...]: the adjoint of slice (y pre-filled).
template <class T>
void slice_add(const T* x, T* y, int64_t outer, int64_t n, int64_t inner, int64_t start,
               int64_t step, int64_t len);
template <class From, class To>
void cast(const From* x, To* y, int64_t n);
template <class T>
void fill(T* y, int64_t n, T value);
/// y = x for n contiguous elements, in parallel above the grain (clone, copy_, and the
/// memory-bandwidth probe of bench/).
template <class T>
void copy(const T* x, T* y, int64_t n);
/// y[i] = start + i·step for i < n (arange, linspace).
template <class T>
void arange(T* y, int64_t n, double start, double step);
/// y[i, i] = value for the [n, n] buffer y, leaving the rest alone (eye).
template <class T>
void fill_diagonal(T* y, int64_t n, T value);

// ---- indexing: gathers and their adjoints -----------------------------------------------
// A gather only reads, so it runs in parallel; its adjoint adds into positions that an
// index may repeat, so it runs serially, in index order (deterministic sums).
/// y[o, i, :] = x[o, index[i], :] for x viewed as [outer, n, inner], i < k.
template <class T>
void index_select(const T* x, T* y, int64_t outer, int64_t n, int64_t inner, const int64_t* index,
                  int64_t k);
/// y[o, index[i], :] += x[o, i, :]: the adjoint of index_select (y pre-filled).
template <class T>
void index_add(const T* x, T* y, int64_t outer, int64_t n, int64_t inner, const int64_t* index,
               int64_t k);
/// y[i] = x[offsets[i]] for i < n.
template <class T>
void gather(const T* x, T* y, const int64_t* offsets, int64_t n);
/// y[offsets[i]] += x[i] for i < n: the adjoint of gather (y pre-filled).
template <class T>
void scatter_add(const T* x, T* y, const int64_t* offsets, int64_t n);

// ---- matrix multiply -----------------------------------------------------------------
/// C[m,n] = alpha * op(A)[m,k] * op(B)[k,n] + beta * C, row-major, op = transpose if
/// trans_*; lda/ldb/ldc are row strides of the stored matrices. beta = 0 ignores C.
template <class T>
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, T alpha, const T* a,
          int64_t lda, const T* b, int64_t ldb, T beta, T* c, int64_t ldc);

}  // namespace tg::kernels

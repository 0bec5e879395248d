// The dispatched kernels: each forwards to the variant of the instruction set chosen once
// by detail::active_isa() (isa.hpp). Compiled with the baseline flags, like everything
// outside the variants; the cost is one relaxed atomic load and a switch per call.
#include "isa.hpp"
#include "kernels.hpp"

namespace tg::kernels {

// Returns `call` (an unqualified kernel call) made in the active variant's namespace.
#define TG_DISPATCH(call)         \
  switch (detail::active_isa()) { \
    case Isa::Avx512:             \
      return avx512::call;        \
    case Isa::Avx2:               \
      return avx2::call;          \
    case Isa::Sse4_2:             \
      break;                      \
  }                               \
  return sse4_2::call

template <class T>
void unary(Unary op, const T* x, T* y, int64_t n, UnaryParams p) {
  TG_DISPATCH(unary(op, x, y, n, p));
}
template <class T>
void binary(Binary op, const T* a, const Shape& sa, const T* b, const Shape& sb, T* out,
            const Shape& so) {
  TG_DISPATCH(binary(op, a, sa, b, sb, out, so));
}
template <class T>
void where(const T* cond, const T* a, const T* b, T* out, int64_t n) {
  TG_DISPATCH(where(cond, a, b, out, n));
}
template <class T>
void reduce(Reduce op, const T* x, T* y, int64_t outer, int64_t r, int64_t inner) {
  TG_DISPATCH(reduce(op, x, y, outer, r, inner));
}
template <class T>
void arg_extremum(bool is_max, const T* x, int64_t* index, int64_t outer, int64_t r,
                  int64_t inner) {
  TG_DISPATCH(arg_extremum(is_max, x, index, outer, r, inner));
}
template <class T>
bool has_non_finite(const T* x, int64_t n) {
  TG_DISPATCH(has_non_finite(x, n));
}
template <class T>
void broadcast_to(const T* x, const Shape& sx, T* y, const Shape& so) {
  TG_DISPATCH(broadcast_to(x, sx, y, so));
}
template <class T>
void permute(const T* x, const Shape& sx, const Shape& perm, T* y) {
  TG_DISPATCH(permute(x, sx, perm, y));
}
template <class T>
void slice(const T* x, T* y, int64_t outer, int64_t n, int64_t inner, int64_t start, int64_t step,
           int64_t len) {
  TG_DISPATCH(slice(x, y, outer, n, inner, start, step, len));
}
template <class T>
void slice_add(const T* x, T* y, int64_t outer, int64_t n, int64_t inner, int64_t start,
               int64_t step, int64_t len) {
  TG_DISPATCH(slice_add(x, y, outer, n, inner, start, step, len));
}
template <class From, class To>
void cast(const From* x, To* y, int64_t n) {
  TG_DISPATCH(cast(x, y, n));
}
template <class T>
void fill(T* y, int64_t n, T value) {
  TG_DISPATCH(fill(y, n, value));
}
template <class T>
void copy(const T* x, T* y, int64_t n) {
  TG_DISPATCH(copy(x, y, n));
}
template <class T>
void arange(T* y, int64_t n, double start, double step) {
  TG_DISPATCH(arange(y, n, start, step));
}
template <class T>
void fill_diagonal(T* y, int64_t n, T value) {
  TG_DISPATCH(fill_diagonal(y, n, value));
}
template <class T>
void index_select(const T* x, T* y, int64_t outer, int64_t n, int64_t inner, const int64_t* index,
                  int64_t k) {
  TG_DISPATCH(index_select(x, y, outer, n, inner, index, k));
}
template <class T>
void index_add(const T* x, T* y, int64_t outer, int64_t n, int64_t inner, const int64_t* index,
               int64_t k) {
  TG_DISPATCH(index_add(x, y, outer, n, inner, index, k));
}
template <class T>
void gather(const T* x, T* y, const int64_t* offsets, int64_t n) {
  TG_DISPATCH(gather(x, y, offsets, n));
}
template <class T>
void scatter_add(const T* x, T* y, const int64_t* offsets, int64_t n) {
  TG_DISPATCH(scatter_add(x, y, offsets, n));
}
template <class T>
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, T alpha, const T* a,
          int64_t lda, const T* b, int64_t ldb, T beta, T* c, int64_t ldc) {
  TG_DISPATCH(gemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc));
}

#undef TG_DISPATCH

// The same instantiations as the variants (unary.cpp ... gemm.cpp).
#define TG_INSTANTIATE(T)                                                                          \
  template void unary<T>(Unary, const T*, T*, int64_t, UnaryParams);                               \
  template void binary<T>(Binary, const T*, const Shape&, const T*, const Shape&, T*,              \
                          const Shape&);                                                           \
  template void where<T>(const T*, const T*, const T*, T*, int64_t);                               \
  template void reduce<T>(Reduce, const T*, T*, int64_t, int64_t, int64_t);                        \
  template void arg_extremum<T>(bool, const T*, int64_t*, int64_t, int64_t, int64_t);              \
  template bool has_non_finite<T>(const T*, int64_t);                                              \
  template void broadcast_to<T>(const T*, const Shape&, T*, const Shape&);                         \
  template void permute<T>(const T*, const Shape&, const Shape&, T*);                              \
  template void slice<T>(const T*, T*, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t);      \
  template void slice_add<T>(const T*, T*, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t);  \
  template void fill<T>(T*, int64_t, T);                                                           \
  template void copy<T>(const T*, T*, int64_t);                                                    \
  template void arange<T>(T*, int64_t, double, double);                                            \
  template void fill_diagonal<T>(T*, int64_t, T);                                                  \
  template void index_select<T>(const T*, T*, int64_t, int64_t, int64_t, const int64_t*, int64_t); \
  template void index_add<T>(const T*, T*, int64_t, int64_t, int64_t, const int64_t*, int64_t);    \
  template void gather<T>(const T*, T*, const int64_t*, int64_t);                                  \
  template void scatter_add<T>(const T*, T*, const int64_t*, int64_t);                             \
  template void cast<T, int64_t>(const T*, int64_t*, int64_t);                                     \
  template void cast<T, float>(const T*, float*, int64_t);                                         \
  template void cast<T, double>(const T*, double*, int64_t);                                       \
  template void gemm<T>(bool, bool, int64_t, int64_t, int64_t, T, const T*, int64_t, const T*,     \
                        int64_t, T, T*, int64_t);
TG_INSTANTIATE(float)
TG_INSTANTIATE(double)
#undef TG_INSTANTIATE
// What int64 tensors need (Note [Int64 tensors] in dtype.hpp): fills, copies and casts.
template void fill<int64_t>(int64_t*, int64_t, int64_t);
template void copy<int64_t>(const int64_t*, int64_t*, int64_t);
template void cast<int64_t, float>(const int64_t*, float*, int64_t);
template void cast<int64_t, double>(const int64_t*, double*, int64_t);
template void cast<int64_t, int64_t>(const int64_t*, int64_t*, int64_t);

}  // namespace tg::kernels

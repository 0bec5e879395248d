// Data movement: permutation, strided slices and their adjoint, casts, fills.
#include <array>

#include "kernels.hpp"

namespace tg::kernels {

template <class T>
void permute(const T* x, const Shape& sx, const Shape& perm, T* y) {
  const int r = sx.rank();
  const int64_t n = sx.numel();
  if (n == 0) return;
  if (r == 0) {
    y[0] = x[0];
    return;
  }
  const auto xs = sx.strides();
  // Output shape and the input stride each output axis walks.
  std::array<int64_t, Shape::kMaxRank> oshape{}, ostride{};
  for (int i = 0; i < r; ++i) {
    oshape[static_cast<size_t>(i)] = sx[static_cast<int>(perm[i])];
    ostride[static_cast<size_t>(i)] = xs[static_cast<size_t>(perm[i])];
  }
  const int64_t inner = oshape[static_cast<size_t>(r - 1)];
  const int64_t is = ostride[static_cast<size_t>(r - 1)];
  std::array<int64_t, Shape::kMaxRank> idx{};
  int64_t off = 0;
  for (int64_t row = 0; row < n / inner; ++row) {
    T* yo = y + row * inner;
    for (int64_t j = 0; j < inner; ++j) yo[j] = x[off + j * is];
    for (int d = r - 2; d >= 0; --d) {
      const auto du = static_cast<size_t>(d);
      off += ostride[du];
      if (++idx[du] < oshape[du]) break;
      off -= ostride[du] * oshape[du];
      idx[du] = 0;
    }
  }
}

template <class T>
void slice(const T* x, T* y, int64_t outer, int64_t n, int64_t inner, int64_t start,
           int64_t step, int64_t len) {
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < len; ++i) {
      const T* src = x + (o * n + start + i * step) * inner;
      T* dst = y + (o * len + i) * inner;
      for (int64_t j = 0; j < inner; ++j) dst[j] = src[j];
    }
}

template <class T>
void slice_add(const T* x, T* y, int64_t outer, int64_t n, int64_t inner, int64_t start,
               int64_t step, int64_t len) {
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < len; ++i) {
      const T* src = x + (o * len + i) * inner;
      T* dst = y + (o * n + start + i * step) * inner;
      for (int64_t j = 0; j < inner; ++j) dst[j] += src[j];
    }
}

template <class From, class To>
void cast(const From* x, To* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = static_cast<To>(x[i]);
}

template <class T>
void fill(T* y, int64_t n, T value) {
  for (int64_t i = 0; i < n; ++i) y[i] = value;
}

#define TG_INSTANTIATE(T)                                                                  \
  template void permute<T>(const T*, const Shape&, const Shape&, T*);                      \
  template void slice<T>(const T*, T*, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t); \
  template void slice_add<T>(const T*, T*, int64_t, int64_t, int64_t, int64_t, int64_t,     \
                             int64_t);                                                     \
  template void fill<T>(T*, int64_t, T);                                                   \
  template void cast<T, float>(const T*, float*, int64_t);                                 \
  template void cast<T, double>(const T*, double*, int64_t);
TG_INSTANTIATE(float)
TG_INSTANTIATE(double)
#undef TG_INSTANTIATE

}  // namespace tg::kernels

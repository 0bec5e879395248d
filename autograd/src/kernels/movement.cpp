// Data movement: permutation, strided slices, gathers and their adjoints, casts, fills. All are
// memory-bound: parallel over rows above kGrainCheap elements, plain loops inside (the
// compiler vectorises them).
#include "parallel_for.hpp"  // first: see the note on GCC 12 there

#include <array>
#include <cstring>

#include "kernels.hpp"

namespace tg::kernels::TG_KERNEL_ISA {
namespace {

/// y = xᵀ for x of shape [rows, cols] with row stride ldx, in 32×32 tiles.
template <class T>
void transpose_2d(const T* x, int64_t rows, int64_t cols, int64_t ldx, T* y, int64_t ldy) {
  constexpr int64_t kTile = 32;
  const int64_t tiles_r = (rows + kTile - 1) / kTile;
  detail::parallel_items(tiles_r, kTile * cols, detail::kGrainCheap, [&](int64_t t) {
    const int64_t i0 = t * kTile, i1 = std::min(rows, i0 + kTile);
    for (int64_t j0 = 0; j0 < cols; j0 += kTile) {
      const int64_t j1 = std::min(cols, j0 + kTile);
      for (int64_t i = i0; i < i1; ++i)
        for (int64_t j = j0; j < j1; ++j) y[j * ldy + i] = x[i * ldx + j];
    }
  });
}

}  // namespace

template <class T>
void permute(const T* x, const Shape& sx, const Shape& perm, T* y) {
  const int r = sx.rank();
  const int64_t n = sx.numel();
  if (n == 0) return;
  if (r == 0) {
    y[0] = x[0];
    return;
  }
  // A swap of the last two axes (over any batch) is a batch of tiled 2-D transposes.
  bool last_two = r >= 2 && perm[r - 1] == r - 2 && perm[r - 2] == r - 1;
  for (int i = 0; i < r - 2 && last_two; ++i) last_two = perm[i] == i;
  if (last_two) {
    const int64_t rows = sx[r - 2], cols = sx[r - 1], mat = rows * cols;
    for (int64_t b = 0; b < n / mat; ++b)
      transpose_2d(x + b * mat, rows, cols, cols, y + b * mat, rows);
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
  detail::parallel_items(n / inner, inner, detail::kGrainCheap, [&](int64_t row) {
    int64_t off = 0, rem = row;
    for (int d = r - 2; d >= 0; --d) {
      const auto du = static_cast<size_t>(d);
      off += (rem % oshape[du]) * ostride[du];
      rem /= oshape[du];
    }
    T* yo = y + row * inner;
    for (int64_t j = 0; j < inner; ++j) yo[j] = x[off + j * is];
  });
}

template <class T>
void slice(const T* x, T* y, int64_t outer, int64_t n, int64_t inner, int64_t start, int64_t step,
           int64_t len) {
  detail::parallel_items(outer * len, inner, detail::kGrainCheap, [&](int64_t row) {
    const int64_t o = row / len, i = row % len;
    std::memcpy(y + row * inner, x + (o * n + start + i * step) * inner,
                static_cast<size_t>(inner) * sizeof(T));
  });
}

template <class T>
void slice_add(const T* x, T* y, int64_t outer, int64_t n, int64_t inner, int64_t start,
               int64_t step, int64_t len) {
  // Distinct source rows land on distinct destination rows (step != 0), so rows are
  // independent.
  detail::parallel_items(outer * len, inner, detail::kGrainCheap, [&](int64_t row) {
    const int64_t o = row / len, i = row % len;
    const T* src = x + row * inner;
    T* dst = y + (o * n + start + i * step) * inner;
    for (int64_t j = 0; j < inner; ++j) dst[j] += src[j];
  });
}

template <class From, class To>
void cast(const From* x, To* y, int64_t n) {
  detail::parallel_range(n, detail::kGrainCheap, [&](int64_t s, int64_t e) {
    for (int64_t i = s; i < e; ++i) y[i] = static_cast<To>(x[i]);
  });
}

template <class T>
void fill(T* y, int64_t n, T value) {
  detail::parallel_range(n, detail::kGrainCheap, [&](int64_t s, int64_t e) {
    for (int64_t i = s; i < e; ++i) y[i] = value;
  });
}

template <class T>
void copy(const T* x, T* y, int64_t n) {
  detail::parallel_range(n, detail::kGrainCheap, [&](int64_t s, int64_t e) {
    std::memcpy(y + s, x + s, static_cast<size_t>(e - s) * sizeof(T));
  });
}

template <class T>
void arange(T* y, int64_t n, double start, double step) {
  detail::parallel_range(n, detail::kGrainCheap, [&](int64_t s, int64_t e) {
    for (int64_t i = s; i < e; ++i) y[i] = T(start + static_cast<double>(i) * step);
  });
}

template <class T>
void fill_diagonal(T* y, int64_t n, T value) {
  for (int64_t i = 0; i < n; ++i) y[i * n + i] = value;
}

template <class T>
void index_select(const T* x, T* y, int64_t outer, int64_t n, int64_t inner, const int64_t* index,
                  int64_t k) {
  detail::parallel_items(outer * k, inner, detail::kGrainCheap, [&](int64_t row) {
    const int64_t o = row / k, i = row % k;
    std::memcpy(y + row * inner, x + (o * n + index[i]) * inner,
                static_cast<size_t>(inner) * sizeof(T));
  });
}

template <class T>
void index_add(const T* x, T* y, int64_t outer, int64_t n, int64_t inner, const int64_t* index,
               int64_t k) {
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < k; ++i) {
      const T* src = x + (o * k + i) * inner;
      T* dst = y + (o * n + index[i]) * inner;
      for (int64_t j = 0; j < inner; ++j) dst[j] += src[j];
    }
}

template <class T>
void gather(const T* x, T* y, const int64_t* offsets, int64_t n) {
  detail::parallel_range(n, detail::kGrainCheap, [&](int64_t s, int64_t e) {
    for (int64_t i = s; i < e; ++i) y[i] = x[offsets[i]];
  });
}

template <class T>
void scatter_add(const T* x, T* y, const int64_t* offsets, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[offsets[i]] += x[i];
}

#define TG_INSTANTIATE(T)                                                                          \
  template void permute<T>(const T*, const Shape&, const Shape&, T*);                              \
  template void slice<T>(const T*, T*, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t);      \
  template void slice_add<T>(const T*, T*, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t);  \
  template void arange<T>(T*, int64_t, double, double);                                            \
  template void fill_diagonal<T>(T*, int64_t, T);                                                  \
  template void index_select<T>(const T*, T*, int64_t, int64_t, int64_t, const int64_t*, int64_t); \
  template void index_add<T>(const T*, T*, int64_t, int64_t, int64_t, const int64_t*, int64_t);    \
  template void gather<T>(const T*, T*, const int64_t*, int64_t);                                  \
  template void scatter_add<T>(const T*, T*, const int64_t*, int64_t);                             \
  TG_INSTANTIATE_COPIES(T)
// What int64 tensors need (Note [Int64 tensors] in dtype.hpp): fills, copies and casts.
#define TG_INSTANTIATE_COPIES(T)                             \
  template void fill<T>(T*, int64_t, T);                     \
  template void copy<T>(const T*, T*, int64_t);              \
  template void cast<T, float>(const T*, float*, int64_t);   \
  template void cast<T, double>(const T*, double*, int64_t); \
  template void cast<T, int64_t>(const T*, int64_t*, int64_t);
TG_INSTANTIATE(float)
TG_INSTANTIATE(double)
TG_INSTANTIATE_COPIES(int64_t)
#undef TG_INSTANTIATE
#undef TG_INSTANTIATE_COPIES

}  // namespace tg::kernels::TG_KERNEL_ISA

// Reductions along one axis of an input viewed as [outer, r, inner].
//
// The work is cut into units (outer index, chunk of inner columns, block of r rows) fixed
// by the shape alone; each unit writes its partial result into its own slot and the slots
// are combined in index order (Note [Deterministic partitioning] in parallel_for.hpp).
// Float sums accumulate short runs in float vectors and the runs in double, so a sum of
// 1e7 floats keeps its digits.
#include "parallel_for.hpp"  // first: see the note on GCC 12 there

#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

#include "kernels.hpp"

namespace tg::kernels::TG_KERNEL_ISA {
namespace {

using detail::Vec;

constexpr int64_t kInnerChunk = 1024;  // columns per unit
constexpr int64_t kUnitElems = 16384;  // elements per unit when r is split
constexpr int64_t kRun = 64;           // rows (or vectors) summed in T before going to Acc

/// Σ x[0..n) of a contiguous run.
template <class T>
double sum_contiguous(const T* x, int64_t n) {
  using V = Vec<T>;
  constexpr int64_t W = detail::kWidth<T>;
  double total = 0;
  int64_t i = 0;
  for (; i + 4 * W * kRun <= n;) {  // runs of 4 * kRun vectors in four accumulators
    V s0(T(0)), s1(T(0)), s2(T(0)), s3(T(0));
    for (int64_t k = 0; k < kRun; ++k, i += 4 * W) {
      s0 += V::load_unaligned(x + i);
      s1 += V::load_unaligned(x + i + W);
      s2 += V::load_unaligned(x + i + 2 * W);
      s3 += V::load_unaligned(x + i + 3 * W);
    }
    total += static_cast<double>(xsimd::hadd((s0 + s1) + (s2 + s3)));
  }
  V s(T(0));
  for (; i + W <= n; i += W) s += V::load_unaligned(x + i);
  total += static_cast<double>(xsimd::hadd(s));
  for (; i < n; ++i) total += static_cast<double>(x[i]);
  return total;
}

/// out[j] = Σ_k x[k * ld + j] for j < w, k < rows.
template <class T>
void sum_columns(const T* x, int64_t rows, int64_t w, int64_t ld, double* out) {
  using V = Vec<T>;
  constexpr int64_t W = detail::kWidth<T>;
  alignas(64) T run[kInnerChunk];
  std::fill(out, out + w, 0.0);
  for (int64_t k0 = 0; k0 < rows; k0 += kRun) {
    const int64_t k1 = std::min(rows, k0 + kRun);
    std::fill(run, run + w, T(0));
    for (int64_t k = k0; k < k1; ++k) {
      const T* xk = x + k * ld;
      int64_t j = 0;
      for (; j + W <= w; j += W)
        (V::load_aligned(run + j) + V::load_unaligned(xk + j)).store_aligned(run + j);
      for (; j < w; ++j) run[j] += xk[j];
    }
    for (int64_t j = 0; j < w; ++j) out[j] += static_cast<double>(run[j]);
  }
}

/// max (or min) with NaN propagation: NaN if any element is NaN.
template <class T>
T pick(bool is_max, T m, T v) {
  if (std::isnan(m) || std::isnan(v)) return std::numeric_limits<T>::quiet_NaN();
  return is_max ? (v > m ? v : m) : (v < m ? v : m);
}

/// out[j] = max/min_k x[k * ld + j] (rows >= 1), NaN-propagating.
template <class T>
void extremum_columns(bool is_max, const T* x, int64_t rows, int64_t w, int64_t ld, T* out) {
  using V = Vec<T>;
  constexpr int64_t W = detail::kWidth<T>;
  int64_t j = 0;
  for (; j + W <= w; j += W) {
    V m = V::load_unaligned(x + j);
    auto nan = xsimd::isnan(m);  // (xsimd's != is ordered: false for NaN)
    for (int64_t k = 1; k < rows; ++k) {
      const V v = V::load_unaligned(x + k * ld + j);
      nan = nan || xsimd::isnan(v);
      m = is_max ? xsimd::select(v > m, v, m) : xsimd::select(v < m, v, m);
    }
    xsimd::select(nan, V(std::numeric_limits<T>::quiet_NaN()), m).store_unaligned(out + j);
  }
  for (; j < w; ++j) {
    T m = x[j];
    for (int64_t k = 1; k < rows; ++k) m = pick(is_max, m, x[k * ld + j]);
    out[j] = m;
  }
}

/// max/min of a contiguous run (n >= 1).
template <class T>
T extremum_contiguous(bool is_max, const T* x, int64_t n) {
  constexpr int64_t W = detail::kWidth<T>;
  if (n < W) {
    T m = x[0];
    for (int64_t i = 1; i < n; ++i) m = pick(is_max, m, x[i]);
    return m;
  }
  alignas(64) T lanes[W];
  extremum_columns(is_max, x, n / W, W, W, lanes);
  T m = lanes[0];
  for (int64_t i = 1; i < W; ++i) m = pick(is_max, m, lanes[i]);
  for (int64_t i = n / W * W; i < n; ++i) m = pick(is_max, m, x[i]);
  return m;
}

}  // namespace

template <class T>
void reduce(Reduce op, const T* x, T* y, int64_t outer, int64_t r, int64_t inner) {
  if (outer * inner == 0) return;
  const bool is_sum = op == Reduce::Sum, is_max = op == Reduce::Max;
  if (r == 0) {  // only sums reach here (the ops reject empty max/min)
    std::fill(y, y + outer * inner, T(0));
    return;
  }
  if (is_sum && outer == 1 && inner == 1 && r <= kUnitElems) {  // what the grid does too
    y[0] = static_cast<T>(sum_contiguous(x, r));
    return;
  }
  // The unit grid (outer, column chunk, row block), a function of the shape alone.
  const int64_t cw = std::min(inner, kInnerChunk);
  const int64_t nc = (inner + cw - 1) / cw;
  int64_t rb = std::max<int64_t>(1, kUnitElems / cw), nb = (r + rb - 1) / rb;
  if (outer * nc >= 64 || nb == 1) rb = r, nb = 1;  // enough units without splitting r
  const int64_t units = outer * nc * nb;
  // One unit: rows [k0, k0 + rows) of columns [j0, j0 + w) of outer slice o, written to
  // sums[0..w) or exts[0..w).
  auto run_unit = [&](int64_t u, double* sums, T* exts) {
    const int64_t b = u % nb, c = (u / nb) % nc, o = u / (nb * nc);
    const int64_t k0 = b * rb, rows = std::min(r, k0 + rb) - k0;
    const int64_t j0 = c * cw, w = std::min(inner, j0 + cw) - j0;
    const T* xs = x + (o * r + k0) * inner + j0;
    if (is_sum && inner == 1)
      sums[0] = sum_contiguous(xs, rows);
    else if (is_sum)
      sum_columns(xs, rows, w, inner, sums);
    else if (inner == 1)
      exts[0] = extremum_contiguous(is_max, xs, rows);
    else
      extremum_columns(is_max, xs, rows, w, inner, exts);
  };
  if (nb == 1) {  // each unit owns its outputs: no partials
    detail::parallel_items(units, rb * cw, detail::kGrainCheap, [&](int64_t u) {
      T* yu = y + (u / nc) * inner + (u % nc) * cw;
      if (!is_sum) return run_unit(u, nullptr, yu);
      double sums[kInnerChunk];
      run_unit(u, sums, nullptr);
      const int64_t w = std::min(inner - (u % nc) * cw, cw);
      for (int64_t j = 0; j < w; ++j) yu[j] = static_cast<T>(sums[j]);
    });
    return;
  }
  // Partial results, one slot row of `inner` per (outer, r-block), combined in order.
  std::vector<double> psum(is_sum ? static_cast<size_t>(outer * nb * inner) : 0);
  std::vector<T> pext(is_sum ? 0 : static_cast<size_t>(outer * nb * inner));
  detail::parallel_items(units, rb * cw, detail::kGrainCheap, [&](int64_t u) {
    const int64_t b = u % nb, c = (u / nb) % nc, o = u / (nb * nc);
    const size_t slot = static_cast<size_t>((o * nb + b) * inner + c * cw);
    run_unit(u, is_sum ? psum.data() + slot : nullptr, is_sum ? nullptr : pext.data() + slot);
  });
  detail::parallel_range(outer * inner, detail::kGrainCheap, [&](int64_t s, int64_t e) {
    for (int64_t i = s; i < e; ++i) {
      const size_t first = static_cast<size_t>((i / inner) * nb * inner + i % inner);
      const auto at = [&](int64_t b) { return first + static_cast<size_t>(b * inner); };
      if (is_sum) {
        double acc = 0;
        for (int64_t b = 0; b < nb; ++b) acc += psum[at(b)];
        y[i] = static_cast<T>(acc);
      } else {
        T m = pext[first];
        for (int64_t b = 1; b < nb; ++b) m = pick(is_max, m, pext[at(b)]);
        y[i] = m;
      }
    }
  });
}

template <class T>
bool has_non_finite(const T* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    if (!std::isfinite(x[i])) return true;
  return false;
}

template <class T>
void arg_extremum(bool is_max, const T* x, int64_t* index, int64_t outer, int64_t r,
                  int64_t inner) {
  detail::parallel_range(outer * inner, detail::kGrainCheap, [&](int64_t s, int64_t e) {
    for (int64_t i = s; i < e; ++i) {
      const T* xs = x + (i / inner) * r * inner + i % inner;
      int64_t best = 0;
      for (int64_t k = 1; k < r && !std::isnan(xs[best * inner]); ++k) {
        const T v = xs[k * inner], m = xs[best * inner];
        if (std::isnan(v) || (is_max ? v > m : v < m)) best = k;
      }
      index[i] = best;
    }
  });
}

template void arg_extremum<float>(bool, const float*, int64_t*, int64_t, int64_t, int64_t);
template void arg_extremum<double>(bool, const double*, int64_t*, int64_t, int64_t, int64_t);
template bool has_non_finite<float>(const float*, int64_t);
template bool has_non_finite<double>(const double*, int64_t);
template void reduce<float>(Reduce, const float*, float*, int64_t, int64_t, int64_t);
template void reduce<double>(Reduce, const double*, double*, int64_t, int64_t, int64_t);

}  // namespace tg::kernels::TG_KERNEL_ISA

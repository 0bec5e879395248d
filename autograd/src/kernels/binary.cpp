// Elementwise kernels with two inputs and NumPy broadcasting. The output is walked row by
// row (last axis innermost); rows whose operands are contiguous or broadcast along the
// last axis (the common cases: same shape, scalar, bias row) run through xsimd.
#include "parallel_for.hpp"  // first: see the note on GCC 12 there

#include <algorithm>
#include <array>
#include <cmath>

#include "kernels.hpp"

namespace tg::kernels::TG_KERNEL_ISA {
namespace {

using detail::Vec;
using Strides = std::array<int64_t, Shape::kMaxRank>;

/// Strides of an operand of shape `s` in the index space of the output shape `so`
/// (0 along broadcast axes).
Strides broadcast_strides(const Shape& s, const Shape& so) {
  Strides st{};
  const auto own = s.strides();
  const int off = so.rank() - s.rank();
  for (int i = 0; i < s.rank(); ++i)
    st[static_cast<size_t>(i + off)] = s[i] == 1 ? 0 : own[static_cast<size_t>(i)];
  return st;
}

/// out = f(a, b) with broadcasting; fv is the vector form of the scalar function fs.
template <class T, class FV, class FS>
void zip(const T* a, const Shape& sa, const T* b, const Shape& sb, T* out, const Shape& so,
         int64_t grain, FV fv, FS fs) {
  const int64_t n = so.numel();
  if (n == 0) return;
  // An operand that broadcasts to `so` with as many elements has so's layout (its extra
  // axes are leading 1s), so element counts decide the fast paths without comparing shapes.
  const int64_t na = sa.numel(), nb = sb.numel();
  if (na == n && (nb == n || nb == 1)) {
    const int64_t sbs = nb == n ? 1 : 0;
    if (n <= grain) return detail::zip_vec(a, 1, b, sbs, out, n, fv);
    detail::parallel_range(n, grain, [&](int64_t s, int64_t e) {
      detail::zip_vec(a + s, 1, b + s * sbs, sbs, out + s, e - s, fv);
    });
    return;
  }
  if (na == 1 && nb == n) {
    detail::parallel_range(n, grain, [&](int64_t s, int64_t e) {
      detail::zip_vec(a, 0, b + s, 1, out + s, e - s, fv);
    });
    return;
  }
  // General case: rows of the last axis, offsets carried by an odometer over the leading
  // axes; each parallel chunk of rows starts its odometer from its first row.
  const int r = so.rank();
  const Strides st_a = broadcast_strides(sa, so), st_b = broadcast_strides(sb, so);
  const int64_t inner = so[r - 1];
  const int64_t ia = st_a[static_cast<size_t>(r - 1)], ib = st_b[static_cast<size_t>(r - 1)];
  const bool vec = (ia == 0 || ia == 1) && (ib == 0 || ib == 1);
  const int64_t rows = n / inner;
  detail::parallel_items(rows, inner, grain, [&](int64_t row) {
    int64_t oa = 0, ob = 0, rem = row;
    for (int d = r - 2; d >= 0; --d) {
      const auto du = static_cast<size_t>(d);
      const int64_t i = rem % so[d];
      rem /= so[d];
      oa += i * st_a[du];
      ob += i * st_b[du];
    }
    T* o = out + row * inner;
    if (vec) {
      detail::zip_vec(a + oa, ia, b + ob, ib, o, inner, fv);
    } else {
      for (int64_t j = 0; j < inner; ++j) o[j] = fs(a[oa + j * ia], b[ob + j * ib]);
    }
  });
}

}  // namespace

template <class T>
void binary(Binary op, const T* a, const Shape& sa, const T* b, const Shape& sb, T* out,
            const Shape& so) {
  using V = Vec<T>;
  const V one(T(1)), zero(T(0));
  constexpr int64_t cheap = detail::kGrainCheap;
  // Comparisons write 1 or 0.
  auto cmp = [&](auto vcmp, auto scmp) {
    zip(
        a, sa, b, sb, out, so, cheap,
        [=](V x, V y) { return xsimd::select(vcmp(x, y), one, zero); },
        [=](T x, T y) { return T(scmp(x, y)); });
  };
  switch (op) {
    case Binary::Add:
      return zip(
          a, sa, b, sb, out, so, cheap, [](V x, V y) { return x + y; },
          [](T x, T y) { return x + y; });
    case Binary::Sub:
      return zip(
          a, sa, b, sb, out, so, cheap, [](V x, V y) { return x - y; },
          [](T x, T y) { return x - y; });
    case Binary::Mul:
      return zip(
          a, sa, b, sb, out, so, cheap, [](V x, V y) { return x * y; },
          [](T x, T y) { return x * y; });
    case Binary::Div:
      return zip(
          a, sa, b, sb, out, so, cheap, [](V x, V y) { return x / y; },
          [](T x, T y) { return x / y; });
    case Binary::Pow: {
      // xsimd::pow is not within a few ulp of std::pow for all inputs: go lane by lane.
      auto vpow = [](V x, V y) {
        alignas(64) T bx[V::size], by[V::size];
        x.store_aligned(bx);
        y.store_aligned(by);
        for (size_t i = 0; i < V::size; ++i) bx[i] = std::pow(bx[i], by[i]);
        return V::load_aligned(bx);
      };
      return zip(a, sa, b, sb, out, so, detail::kGrainHeavy, vpow,
                 [](T x, T y) { return std::pow(x, y); });
    }
    // NaN in either operand propagates (x + y is then NaN), as in PyTorch; otherwise
    // std::min / std::max. (xsimd's != is an ordered compare, false for NaN: use isnan.)
    case Binary::Minimum:
      return zip(
          a, sa, b, sb, out, so, cheap,
          [](V x, V y) {
            return xsimd::select(xsimd::isnan(x) || xsimd::isnan(y), x + y,
                                 xsimd::select(y < x, y, x));
          },
          [](T x, T y) { return std::isnan(x) || std::isnan(y) ? x + y : std::min(x, y); });
    case Binary::Maximum:
      return zip(
          a, sa, b, sb, out, so, cheap,
          [](V x, V y) {
            return xsimd::select(xsimd::isnan(x) || xsimd::isnan(y), x + y,
                                 xsimd::select(x < y, y, x));
          },
          [](T x, T y) { return std::isnan(x) || std::isnan(y) ? x + y : std::max(x, y); });
    case Binary::Eq:
      return cmp([](V x, V y) { return x == y; }, [](T x, T y) { return x == y; });
    case Binary::Ne:  // xsimd's != is an ordered compare, false for NaN: select on ==
      return zip(
          a, sa, b, sb, out, so, cheap, [=](V x, V y) { return xsimd::select(x == y, zero, one); },
          [](T x, T y) { return T(x != y); });
    case Binary::Lt:
      return cmp([](V x, V y) { return x < y; }, [](T x, T y) { return x < y; });
    case Binary::Le:
      return cmp([](V x, V y) { return x <= y; }, [](T x, T y) { return x <= y; });
    case Binary::Gt:
      return cmp([](V x, V y) { return x > y; }, [](T x, T y) { return x > y; });
    case Binary::Ge:
      return cmp([](V x, V y) { return x >= y; }, [](T x, T y) { return x >= y; });
  }
}

template <class T>
void where(const T* cond, const T* a, const T* b, T* out, int64_t n) {
  using V = Vec<T>;
  constexpr int64_t W = detail::kWidth<T>;
  detail::parallel_range(n, detail::kGrainCheap, [&](int64_t s, int64_t e) {
    int64_t i = s;
    for (; i + W <= e; i += W)
      xsimd::select(V::load_unaligned(cond + i) == V(T(0)), V::load_unaligned(b + i),
                    V::load_unaligned(a + i))  // NaN counts as true, as in the scalar loop
          .store_unaligned(out + i);
    for (; i < e; ++i) out[i] = cond[i] != T(0) ? a[i] : b[i];
  });
}

template <class T>
void broadcast_to(const T* x, const Shape& sx, T* y, const Shape& so) {
  // A row repeated down the leading axes (a bias [out] into [rows, out]): row copies.
  const int64_t inner = so.rank() > 0 ? so[so.rank() - 1] : 1;
  if (sx.rank() > 0 && inner > 0 && sx[sx.rank() - 1] == inner && sx.numel() == inner) {
    detail::parallel_items(so.numel() / inner, inner, detail::kGrainCheap,
                           [&](int64_t row) { std::copy_n(x, inner, y + row * inner); });
    return;
  }
  // Otherwise x + 0 with broadcasting is exactly a broadcast copy.
  const T zero = T(0);
  zip(
      x, sx, &zero, Shape{}, y, so, detail::kGrainCheap, [](Vec<T> v, Vec<T>) { return v; },
      [](T v, T) { return v; });
}

#define TG_INSTANTIATE(T)                                                             \
  template void binary<T>(Binary, const T*, const Shape&, const T*, const Shape&, T*, \
                          const Shape&);                                              \
  template void where<T>(const T*, const T*, const T*, T*, int64_t);                  \
  template void broadcast_to<T>(const T*, const Shape&, T*, const Shape&);
TG_INSTANTIATE(float)
TG_INSTANTIATE(double)
#undef TG_INSTANTIATE

}  // namespace tg::kernels::TG_KERNEL_ISA

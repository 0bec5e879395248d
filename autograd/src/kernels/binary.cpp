// Elementwise kernels with two inputs and NumPy broadcasting.
#include <algorithm>
#include <array>
#include <cmath>

#include "kernels.hpp"

namespace tg::kernels {
namespace {

/// Strides of an operand of shape `s` in the index space of the output shape `so`
/// (0 along broadcast axes).
std::array<int64_t, Shape::kMaxRank> broadcast_strides(const Shape& s, const Shape& so) {
  std::array<int64_t, Shape::kMaxRank> st{};
  const auto own = s.strides();
  const int off = so.rank() - s.rank();
  for (int i = 0; i < s.rank(); ++i) st[static_cast<size_t>(i + off)] = s[i] == 1 ? 0 : own[static_cast<size_t>(i)];
  return st;
}

template <class T, class F>
void zip(const T* a, const Shape& sa, const T* b, const Shape& sb, T* out, const Shape& so,
         F f) {
  const int64_t n = so.numel();
  if (n == 0) return;
  if (sa == so && sb == so) {
    for (int64_t i = 0; i < n; ++i) out[i] = f(a[i], b[i]);
    return;
  }
  if (sb.numel() == 1 && sa == so) {
    const T bv = b[0];
    for (int64_t i = 0; i < n; ++i) out[i] = f(a[i], bv);
    return;
  }
  if (sa.numel() == 1 && sb == so) {
    const T av = a[0];
    for (int64_t i = 0; i < n; ++i) out[i] = f(av, b[i]);
    return;
  }
  // General case: walk the output row by row (last axis innermost), carrying the
  // offsets of a and b with an odometer over the leading axes.
  const int r = so.rank();
  const auto st_a = broadcast_strides(sa, so), st_b = broadcast_strides(sb, so);
  const int64_t inner = so[r - 1];
  const int64_t ia = st_a[static_cast<size_t>(r - 1)], ib = st_b[static_cast<size_t>(r - 1)];
  std::array<int64_t, Shape::kMaxRank> idx{};
  int64_t oa = 0, ob = 0;
  for (int64_t row = 0; row < n / inner; ++row) {
    T* o = out + row * inner;
    for (int64_t j = 0; j < inner; ++j) o[j] = f(a[oa + j * ia], b[ob + j * ib]);
    for (int d = r - 2; d >= 0; --d) {  // advance the odometer
      const auto du = static_cast<size_t>(d);
      oa += st_a[du];
      ob += st_b[du];
      if (++idx[du] < so[d]) break;
      oa -= st_a[du] * so[d];
      ob -= st_b[du] * so[d];
      idx[du] = 0;
    }
  }
}

}  // namespace

template <class T>
void binary(Binary op, const T* a, const Shape& sa, const T* b, const Shape& sb, T* out,
            const Shape& so) {
  auto run = [&](auto f) { zip(a, sa, b, sb, out, so, f); };
  switch (op) {
    case Binary::Add: return run([](T x, T y) { return x + y; });
    case Binary::Sub: return run([](T x, T y) { return x - y; });
    case Binary::Mul: return run([](T x, T y) { return x * y; });
    case Binary::Div: return run([](T x, T y) { return x / y; });
    case Binary::Pow: return run([](T x, T y) { return std::pow(x, y); });
    case Binary::Minimum: return run([](T x, T y) { return std::isnan(x) ? x : std::min(x, y); });
    case Binary::Maximum: return run([](T x, T y) { return std::isnan(x) ? x : std::max(x, y); });
    case Binary::Eq: return run([](T x, T y) { return T(x == y); });
    case Binary::Ne: return run([](T x, T y) { return T(x != y); });
    case Binary::Lt: return run([](T x, T y) { return T(x < y); });
    case Binary::Le: return run([](T x, T y) { return T(x <= y); });
    case Binary::Gt: return run([](T x, T y) { return T(x > y); });
    case Binary::Ge: return run([](T x, T y) { return T(x >= y); });
  }
}

template <class T>
void where(const T* cond, const T* a, const T* b, T* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = cond[i] != T(0) ? a[i] : b[i];
}

template <class T>
void broadcast_to(const T* x, const Shape& sx, T* y, const Shape& so) {
  // x + 0 with broadcasting is exactly a broadcast copy.
  const T zero = T(0);
  zip(x, sx, &zero, Shape{}, y, so, [](T v, T) { return v; });
}

#define TG_INSTANTIATE(T)                                                                     \
  template void binary<T>(Binary, const T*, const Shape&, const T*, const Shape&, T*,        \
                          const Shape&);                                                     \
  template void where<T>(const T*, const T*, const T*, T*, int64_t);                          \
  template void broadcast_to<T>(const T*, const Shape&, T*, const Shape&);
TG_INSTANTIATE(float)
TG_INSTANTIATE(double)
#undef TG_INSTANTIATE

}  // namespace tg::kernels

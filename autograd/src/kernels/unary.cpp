// Elementwise kernels with one input: xsimd inner loops, TBB over blocks (Note
// [Deterministic partitioning] in parallel_for.hpp). The vector forms use the same stable
// shapes as scalar_math.hpp.
#include "parallel_for.hpp"  // first: see the note on GCC 12 there

#include <cmath>
#include <limits>
#include <type_traits>

#include "kernels.hpp"

namespace tg::kernels::TG_KERNEL_ISA {
namespace {

using detail::Vec;

/// Runs the vector functor f over x -> y, in parallel above `grain`.
template <class T, class F>
void map(const T* x, T* y, int64_t n, int64_t grain, F f) {
  detail::parallel_range(n, grain, [&](int64_t b, int64_t e) { detail::map_vec(x, y, b, e, f); });
}

/// Runs a scalar function (for ops xsimd has no accurate vector form of).
template <class T, class F>
void map_scalar(const T* x, T* y, int64_t n, F f) {
  detail::parallel_range(n, detail::kGrainHeavy, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) y[i] = f(x[i]);
  });
}

/// Lanes of v outside [lo, hi] recomputed with the scalar function f (rare: a cheap test
/// per vector when every lane is inside).
template <class T, class F>
Vec<T> patch_outside(Vec<T> v, Vec<T> r, T lo, T hi, F f) {
  if (!xsimd::any((v < Vec<T>(lo)) || (v > Vec<T>(hi)))) return r;
  alignas(64) T bv[Vec<T>::size], br[Vec<T>::size];
  v.store_aligned(bv);
  r.store_aligned(br);
  for (size_t i = 0; i < Vec<T>::size; ++i)
    if (bv[i] < lo || bv[i] > hi) br[i] = f(bv[i]);
  return Vec<T>::load_aligned(br);
}

// xsimd's exp and expm1 saturate to inf (and exp to 0) a little inside the range where
// std:: still returns a finite (or subnormal) value: |x| > 88.376 in float, 708.4 in double.
// Those lanes go through std::.
template <class T>
constexpr T kExpHi = std::is_same_v<T, float> ? T(88) : T(709);
template <class T>
constexpr T kExpLo = std::is_same_v<T, float> ? T(-87) : T(-708);

template <class T>
Vec<T> vexp(Vec<T> v) {
  return patch_outside<T>(v, xsimd::exp(v), kExpLo<T>, kExpHi<T>, [](T x) { return std::exp(x); });
}
template <class T>
Vec<T> vexpm1(Vec<T> v) {
  return patch_outside<T>(v, xsimd::expm1(v), -std::numeric_limits<T>::infinity(), kExpHi<T>,
                          [](T x) { return std::expm1(x); });
}

// xsimd's float64 log gives -746.5 for every subnormal input (log(1e-310) is -713.8;
// found by tests/reliability/test_extreme_values.cpp): lanes below the smallest normal
// number (rare) go through std::.
template <class T>
Vec<T> vlog(Vec<T> v) {
  return patch_outside<T>(v, xsimd::log(v), std::numeric_limits<T>::min(),
                          std::numeric_limits<T>::infinity(), [](T x) { return std::log(x); });
}

// sigmoid(x) = 1 / (1 + e^-x) for x >= 0, e^x / (1 + e^x) otherwise: exp never overflows.
template <class T>
Vec<T> vsigmoid(Vec<T> v) {
  const Vec<T> e = vexp<T>(-xsimd::abs(v));
  const Vec<T> r = Vec<T>(T(1)) / (Vec<T>(T(1)) + e);
  return xsimd::select(v >= Vec<T>(T(0)), r, e * r);
}
// log1p(e^-|x|), the shared tail of softplus and log_sigmoid.
template <class T>
Vec<T> vlog1p_exp_neg_abs(Vec<T> v) {
  return xsimd::log1p(vexp<T>(-xsimd::abs(v)));
}
// Φ(x) = ½ erfc(−x/√2), as scalar::normal_cdf.
template <class T>
Vec<T> vnormal_cdf(Vec<T> v) {
  return Vec<T>(T(0.5)) * xsimd::erfc(v * Vec<T>(T(-0.7071067811865476)));
}
// std::max(v, a) and std::min(v, a) exactly, NaN in v included.
template <class T>
Vec<T> vmax(Vec<T> v, Vec<T> a) {
  return xsimd::select(v < a, a, v);
}
template <class T>
Vec<T> vmin(Vec<T> v, Vec<T> a) {
  return xsimd::select(a < v, a, v);
}

}  // namespace

template <class T>
void unary(Unary op, const T* x, T* y, int64_t n, UnaryParams p) {
  using V = Vec<T>;
  const V a(static_cast<T>(p.a)), b(static_cast<T>(p.b)), zero(T(0)), one(T(1));
  constexpr int64_t cheap = detail::kGrainCheap, heavy = detail::kGrainHeavy;
  switch (op) {
    case Unary::Neg:
      return map(x, y, n, cheap, [](V v) { return -v; });
    case Unary::Exp:
      return map(x, y, n, heavy, [](V v) { return vexp<T>(v); });
    case Unary::Log:
      return map(x, y, n, heavy, [](V v) { return vlog<T>(v); });
    case Unary::Log1p:
      return map(x, y, n, heavy, [](V v) { return xsimd::log1p(v); });
    case Unary::Expm1:
      return map(x, y, n, heavy, [](V v) { return vexpm1<T>(v); });
    case Unary::Sqrt:
      return map(x, y, n, cheap, [](V v) { return xsimd::sqrt(v); });
    case Unary::Rsqrt:
      return map(x, y, n, cheap, [one](V v) { return one / xsimd::sqrt(v); });
    case Unary::Abs:
      return map(x, y, n, cheap, [](V v) { return xsimd::abs(v); });
    case Unary::Sign:
      return map(x, y, n, cheap, [zero, one](V v) {
        return xsimd::select(v > zero, one, xsimd::select(v < zero, -one, zero));
      });
    case Unary::Sin:
      return map_scalar(x, y, n, [](T v) { return std::sin(v); });
    case Unary::Cos:
      return map_scalar(x, y, n, [](T v) { return std::cos(v); });
    case Unary::Tanh:
      return map(x, y, n, heavy, [](V v) { return xsimd::tanh(v); });
    case Unary::Sigmoid:
      return map(x, y, n, heavy, [](V v) { return vsigmoid<T>(v); });
    case Unary::LogSigmoid:
      return map(x, y, n, heavy,
                 [zero](V v) { return vmin<T>(v, zero) - vlog1p_exp_neg_abs<T>(v); });
    case Unary::Softplus:
      return map(x, y, n, heavy,
                 [zero](V v) { return vmax<T>(v, zero) + vlog1p_exp_neg_abs<T>(v); });
    case Unary::Relu:
      // v < 0 ? 0 : v, not v > 0 ? v : 0: NaN compares false, so it passes through.
      return map(x, y, n, cheap, [zero](V v) { return xsimd::select(v < zero, zero, v); });
    case Unary::Silu:
      return map(x, y, n, heavy, [](V v) { return v * vsigmoid<T>(v); });
    case Unary::Gelu:
      return map(x, y, n, heavy, [](V v) {  // ½(1 + tanh u) = sigmoid(2u): no cancellation
        const V c2(T(2 * 0.7978845608028654)), k(T(0.044715));
        return v * vsigmoid<T>(c2 * (v + k * v * v * v));
      });
    case Unary::GeluErf:
      return map(x, y, n, heavy, [](V v) { return v * vnormal_cdf<T>(v); });
    case Unary::NormalCdf:
      return map(x, y, n, heavy, [](V v) { return vnormal_cdf<T>(v); });
    case Unary::LeakyRelu:
      return map(x, y, n, cheap, [a, zero](V v) { return xsimd::select(v > zero, v, a * v); });
    case Unary::Elu:
      return map(x, y, n, heavy,
                 [a, zero](V v) { return xsimd::select(v > zero, v, a * vexpm1<T>(v)); });
    case Unary::Clamp:
      return map(x, y, n, cheap, [a, b](V v) { return vmin<T>(vmax<T>(v, a), b); });
    case Unary::PowScalar: {
      if (p.a == 2) return map(x, y, n, cheap, [](V v) { return v * v; });
      const T e = static_cast<T>(p.a);
      return map_scalar(x, y, n, [e](T v) { return std::pow(v, e); });
    }
    case Unary::AddScalar:
      return map(x, y, n, cheap, [a](V v) { return v + a; });
    case Unary::MulScalar:
      return map(x, y, n, cheap, [a](V v) { return v * a; });
  }
}

template void unary<float>(Unary, const float*, float*, int64_t, UnaryParams);
template void unary<double>(Unary, const double*, double*, int64_t, UnaryParams);

}  // namespace tg::kernels::TG_KERNEL_ISA

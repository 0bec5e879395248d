// Elementwise kernels with one input.
#include <algorithm>
#include <cmath>

#include "kernels.hpp"
#include "scalar_math.hpp"

namespace tg::kernels {
namespace {

template <class T, class F>
void map(const T* x, T* y, int64_t n, F f) {
  for (int64_t i = 0; i < n; ++i) y[i] = f(x[i]);
}

}  // namespace

template <class T>
void unary(Unary op, const T* x, T* y, int64_t n, UnaryParams p) {
  const T a = static_cast<T>(p.a), b = static_cast<T>(p.b);
  switch (op) {
    case Unary::Neg: return map(x, y, n, [](T v) { return -v; });
    case Unary::Exp: return map(x, y, n, [](T v) { return std::exp(v); });
    case Unary::Log: return map(x, y, n, [](T v) { return std::log(v); });
    case Unary::Log1p: return map(x, y, n, [](T v) { return std::log1p(v); });
    case Unary::Expm1: return map(x, y, n, [](T v) { return std::expm1(v); });
    case Unary::Sqrt: return map(x, y, n, [](T v) { return std::sqrt(v); });
    case Unary::Rsqrt: return map(x, y, n, [](T v) { return T(1) / std::sqrt(v); });
    case Unary::Abs: return map(x, y, n, [](T v) { return std::abs(v); });
    case Unary::Sign: return map(x, y, n, [](T v) { return scalar::sign(v); });
    case Unary::Sin: return map(x, y, n, [](T v) { return std::sin(v); });
    case Unary::Cos: return map(x, y, n, [](T v) { return std::cos(v); });
    case Unary::Tanh: return map(x, y, n, [](T v) { return std::tanh(v); });
    case Unary::Sigmoid: return map(x, y, n, [](T v) { return scalar::sigmoid(v); });
    case Unary::LogSigmoid: return map(x, y, n, [](T v) { return scalar::log_sigmoid(v); });
    case Unary::Softplus: return map(x, y, n, [](T v) { return scalar::softplus(v); });
    case Unary::Relu: return map(x, y, n, [](T v) { return v > T(0) ? v : T(0); });
    case Unary::Silu: return map(x, y, n, [](T v) { return v * scalar::sigmoid(v); });
    case Unary::Gelu: return map(x, y, n, [](T v) { return scalar::gelu(v); });
    case Unary::LeakyRelu: return map(x, y, n, [a](T v) { return v > T(0) ? v : a * v; });
    case Unary::Elu:
      return map(x, y, n, [a](T v) { return v > T(0) ? v : a * std::expm1(v); });
    case Unary::Clamp: return map(x, y, n, [a, b](T v) { return std::min(std::max(v, a), b); });
    case Unary::PowScalar:
      if (a == T(2)) return map(x, y, n, [](T v) { return v * v; });
      return map(x, y, n, [a](T v) { return std::pow(v, a); });
    case Unary::AddScalar: return map(x, y, n, [a](T v) { return v + a; });
    case Unary::MulScalar: return map(x, y, n, [a](T v) { return v * a; });
  }
}

template void unary<float>(Unary, const float*, float*, int64_t, UnaryParams);
template void unary<double>(Unary, const double*, double*, int64_t, UnaryParams);

}  // namespace tg::kernels

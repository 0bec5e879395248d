// Scalar forms of the elementwise functions, in numerically stable shapes. The
// vectorised kernels must agree with these.
#pragma once
#include <cmath>

namespace tg::kernels::scalar {

template <class T>
T sigmoid(T x) {  // never evaluates exp of a large positive number
  if (x >= T(0)) return T(1) / (T(1) + std::exp(-x));
  T e = std::exp(x);
  return e / (T(1) + e);
}
template <class T>
T softplus(T x) {  // log(1 + e^x) = max(x, 0) + log1p(e^-|x|)
  return std::max(x, T(0)) + std::log1p(std::exp(-std::abs(x)));
}
template <class T>
T log_sigmoid(T x) {  // log sigmoid(x) = -softplus(-x)
  return std::min(x, T(0)) - std::log1p(std::exp(-std::abs(x)));
}
template <class T>
T gelu(T x) {  // tanh approximation ½x(1 + tanh u) = x·sigmoid(2u), which does not cancel
  const T c = T(0.7978845608028654);  // sqrt(2/pi)
  return x * sigmoid(T(2) * c * (x + T(0.044715) * x * x * x));
}
template <class T>
T normal_cdf(T x) {  // Φ(x) = ½ erfc(−x/√2): no cancellation in the lower tail
  return T(0.5) * std::erfc(-x * T(0.7071067811865476));
}
template <class T>
T gelu_erf(T x) {  // x·Φ(x)
  return x * normal_cdf(x);
}
template <class T>
T sign(T x) {
  return T((x > T(0)) - (x < T(0)));
}

}  // namespace tg::kernels::scalar

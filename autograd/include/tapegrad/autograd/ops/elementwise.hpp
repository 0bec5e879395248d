// Elementwise ops. Binary ops broadcast by NumPy rules; scalars may stand on either
// side. Both operands of a binary op must have the same dtype (cast with `.to()`).
#pragma once
#include "tapegrad/autograd/tensor.hpp"

namespace tg {

// ---- arithmetic ----------------------------------------------------------------------
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor neg(const Tensor& x);
Tensor pow(const Tensor& base, const Tensor& exponent);
Tensor pow(const Tensor& base, double exponent);
Tensor minimum(const Tensor& a, const Tensor& b);
Tensor maximum(const Tensor& a, const Tensor& b);

Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& x);
Tensor operator+(const Tensor& a, double s);
Tensor operator+(double s, const Tensor& a);
Tensor operator-(const Tensor& a, double s);
Tensor operator-(double s, const Tensor& a);
Tensor operator*(const Tensor& a, double s);
Tensor operator*(double s, const Tensor& a);
Tensor operator/(const Tensor& a, double s);
Tensor operator/(double s, const Tensor& a);

// ---- unary functions -----------------------------------------------------------------
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor log1p(const Tensor& x);
Tensor expm1(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor rsqrt(const Tensor& x);
Tensor abs(const Tensor& x);
Tensor sign(const Tensor& x);  ///< not differentiable (zero gradient)
Tensor square(const Tensor& x);
Tensor sin(const Tensor& x);
Tensor cos(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor sigmoid(const Tensor& x);
Tensor log_sigmoid(const Tensor& x);
Tensor softplus(const Tensor& x);
Tensor relu(const Tensor& x);
Tensor leaky_relu(const Tensor& x, double negative_slope = 0.01);
Tensor elu(const Tensor& x, double alpha = 1.0);
Tensor silu(const Tensor& x);
/// Which GELU, as torch's `approximate`: None is x·Φ(x) exactly (the default, as in torch),
/// Tanh is ½x(1 + tanh(√(2/π)(x + 0.044715x³))).
enum class GeluApproximate { None, Tanh };
Tensor gelu(const Tensor& x, GeluApproximate approximate = GeluApproximate::None);
/// Φ(x), the standard normal CDF (torch.special.ndtr).
Tensor normal_cdf(const Tensor& x);
Tensor clamp(const Tensor& x, double lo, double hi);

// ---- comparisons: masks of 1 and 0 in the operands' dtype, not differentiable --------
Tensor eq(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Tensor& b);
Tensor operator==(const Tensor& a, const Tensor& b);
Tensor operator!=(const Tensor& a, const Tensor& b);
Tensor operator<(const Tensor& a, const Tensor& b);
Tensor operator<=(const Tensor& a, const Tensor& b);
Tensor operator>(const Tensor& a, const Tensor& b);
Tensor operator>=(const Tensor& a, const Tensor& b);
/// A double on either side is a scalar in the tensor's dtype, as in torch: `x > 0.5`,
/// `0.5 < x` and `gt(x, 0.5)` are one mask.
Tensor eq(const Tensor& a, double s);
Tensor eq(double s, const Tensor& a);
Tensor ne(const Tensor& a, double s);
Tensor ne(double s, const Tensor& a);
Tensor lt(const Tensor& a, double s);
Tensor lt(double s, const Tensor& a);
Tensor le(const Tensor& a, double s);
Tensor le(double s, const Tensor& a);
Tensor gt(const Tensor& a, double s);
Tensor gt(double s, const Tensor& a);
Tensor ge(const Tensor& a, double s);
Tensor ge(double s, const Tensor& a);
Tensor operator==(const Tensor& a, double s);
Tensor operator==(double s, const Tensor& a);
Tensor operator!=(const Tensor& a, double s);
Tensor operator!=(double s, const Tensor& a);
Tensor operator<(const Tensor& a, double s);
Tensor operator<(double s, const Tensor& a);
Tensor operator<=(const Tensor& a, double s);
Tensor operator<=(double s, const Tensor& a);
Tensor operator>(const Tensor& a, double s);
Tensor operator>(double s, const Tensor& a);
Tensor operator>=(const Tensor& a, double s);
Tensor operator>=(double s, const Tensor& a);

/// cond != 0 ? a : b, all three broadcast together. Differentiable in a and b.
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);

/// True if any value is NaN or Inf.
bool has_non_finite(const Tensor& t);

}  // namespace tg

// Elementwise ops: forward through the kernel layer, backward as Tensor expressions.
// Each op states its derivative in a comment above it.
#include "tapegrad/autograd/ops/elementwise.hpp"

#include "../kernels/kernels.hpp"
#include "op_helpers.hpp"
#include "tapegrad/autograd/ops/factory.hpp"
#include "tapegrad/autograd/ops/shape_ops.hpp"
#include "tapegrad/autograd/record.hpp"

namespace tg {
namespace {

using kernels::Binary;
using kernels::Unary;
using kernels::UnaryParams;

Tensor unary_values(std::string_view name, const Tensor& x, Unary op, UnaryParams p = {}) {
  Tensor y = detail::empty_for(name, x.shape(), x.dtype());
  visit_dtype(x.dtype(),
              [&]<class T>() { kernels::unary<T>(op, x.data<T>(), y.data<T>(), x.numel(), p); });
  return y;
}

Tensor binary_values(const char* op, Binary k, const Tensor& a, const Tensor& b) {
  detail::check_float(op, a);
  detail::check_float(op, b);
  detail::check_same_dtype(op, a, b);
  const Shape so = broadcast_shapes(a.shape(), b.shape(), op);
  Tensor out = detail::empty_for(op, so, a.dtype());
  visit_dtype(a.dtype(), [&]<class T>() {
    kernels::binary<T>(k, a.data<T>(), a.shape(), b.data<T>(), b.shape(), out.data<T>(), so);
  });
  return out;
}

/// Records a one-input op whose rule is g * f'(saved...): the common case.
template <class Rule>
Tensor unary_op(std::string_view name, const Tensor& x, Unary k, UnaryParams p, bool save_x,
                bool save_y, Rule rule) {
  detail::check_float(name.data(), x);
  Tensor y = unary_values(name, x, k, p);
  Tensor saved[2];  // the rule's saved(0), saved(1): x first when both are kept
  size_t count = 0;
  if (save_x) saved[count++] = x;
  if (save_y) saved[count++] = y;
  return record(name, {x}, y, std::span<const Tensor>(saved, count), rule);
}

}  // namespace

// ---- arithmetic -------------------------------------------------------------------------

// ∂(a+b)/∂a = 1, ∂(a+b)/∂b = 1
Tensor add(const Tensor& a, const Tensor& b) {
  return record("add", {a, b}, binary_values("add", Binary::Add, a, b), {}, [](BackwardContext& c) {
    return TensorList{c.grad(), c.grad()};
  });
}

// ∂(a−b)/∂a = 1, ∂(a−b)/∂b = −1
Tensor sub(const Tensor& a, const Tensor& b) {
  return record("sub", {a, b}, binary_values("sub", Binary::Sub, a, b), {}, [](BackwardContext& c) {
    return TensorList{c.grad(), c.needs_grad(1) ? -c.grad() : Tensor()};
  });
}

// ∂(ab)/∂a = b, ∂(ab)/∂b = a
Tensor mul(const Tensor& a, const Tensor& b) {
  return record("mul", {a, b}, binary_values("mul", Binary::Mul, a, b), {a, b},
                [](BackwardContext& c) {
                  return TensorList{c.needs_grad(0) ? c.grad() * c.saved(1) : Tensor(),
                                    c.needs_grad(1) ? c.grad() * c.saved(0) : Tensor()};
                });
}

// ∂(a/b)/∂a = 1/b, ∂(a/b)/∂b = −a/b²
Tensor div(const Tensor& a, const Tensor& b) {
  return record("div", {a, b}, binary_values("div", Binary::Div, a, b), {a, b},
                [](BackwardContext& c) {
                  Tensor g = c.grad(), a = c.saved(0), b = c.saved(1);
                  return TensorList{c.needs_grad(0) ? g / b : Tensor(),
                                    // −g·(a/b)/b, not −g·a/b²: b² underflows for tiny b
                                    c.needs_grad(1) ? -g * (a / b) / b : Tensor()};
                });
}

// ∂(−x)/∂x = −1
Tensor neg(const Tensor& x) {
  return unary_op("neg", x, Unary::Neg, {}, false, false,
                  [](BackwardContext& c) { return TensorList{-c.grad()}; });
}

// ∂(x+s)/∂x = 1
static Tensor add_scalar(const Tensor& x, double s) {
  return unary_op("add_scalar", x, Unary::AddScalar, {s, 0}, false, false,
                  [](BackwardContext& c) { return TensorList{c.grad()}; });
}

// ∂(x·s)/∂x = s
static Tensor mul_scalar(const Tensor& x, double s) {
  return unary_op("mul_scalar", x, Unary::MulScalar, {s, 0}, false, false,
                  [s](BackwardContext& c) { return TensorList{c.grad() * s}; });
}

// ∂xᵖ/∂x = p·xᵖ⁻¹ (written so that p = 0, 1, 2 need no pow at all: the second
// derivative of x² at 0 is 2, never NaN)
Tensor pow(const Tensor& x, double p) {
  return unary_op("pow", x, Unary::PowScalar, {p, 0}, true, false, [p](BackwardContext& c) {
    Tensor g = c.grad(), x = c.saved(0);
    if (p == 0) return TensorList{zeros_like(g)};
    if (p == 1) return TensorList{g};
    if (p == 2) return TensorList{g * x * 2.0};
    return TensorList{g * pow(x, p - 1) * p};
  });
}

// ∂aᵇ/∂a = b·aᵇ⁻¹ (taken as 0 where b = 0: a⁰ = 1 is constant in a, and b·aᵇ⁻¹ would be
// 0·∞ = NaN at a = 0; PyTorch does the same), ∂aᵇ/∂b = aᵇ·log a (taken as 0 where a = 0)
Tensor pow(const Tensor& a, const Tensor& b) {
  Tensor y = binary_values("pow", Binary::Pow, a, b);
  return record("pow", {a, b}, y, {a, b, y}, [](BackwardContext& c) {
    Tensor g = c.grad(), a = c.saved(0), b = c.saved(1);
    Tensor ga, gb;
    if (c.needs_grad(0)) ga = where(eq(b, zeros_like(b)), zeros_like(b), g * b * pow(a, b - 1.0));
    if (c.needs_grad(1)) {
      Tensor zero = eq(a, zeros_like(a));
      Tensor safe_a = where(zero, ones_like(a), a);  // keeps log finite in double backward
      gb = where(zero, zeros_like(a), g * c.saved(2) * log(safe_a));
    }
    return TensorList{ga, gb};
  });
}

// ∂min(a,b)/∂a = [a<b] + ½[a=b] (ties share the gradient)
Tensor minimum(const Tensor& a, const Tensor& b) {
  return record("minimum", {a, b}, binary_values("minimum", Binary::Minimum, a, b), {a, b},
                [](BackwardContext& c) {
                  Tensor a = c.saved(0), b = c.saved(1);
                  Tensor wa = lt(a, b) + eq(a, b) * 0.5;
                  return TensorList{c.grad() * wa, c.grad() * (1.0 - wa)};
                });
}

// ∂max(a,b)/∂a = [a>b] + ½[a=b]
Tensor maximum(const Tensor& a, const Tensor& b) {
  return record("maximum", {a, b}, binary_values("maximum", Binary::Maximum, a, b), {a, b},
                [](BackwardContext& c) {
                  Tensor a = c.saved(0), b = c.saved(1);
                  Tensor wa = gt(a, b) + eq(a, b) * 0.5;
                  return TensorList{c.grad() * wa, c.grad() * (1.0 - wa)};
                });
}

Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
Tensor operator-(const Tensor& x) { return neg(x); }
Tensor operator+(const Tensor& a, double s) { return add_scalar(a, s); }
Tensor operator+(double s, const Tensor& a) { return add_scalar(a, s); }
Tensor operator-(const Tensor& a, double s) { return add_scalar(a, -s); }
Tensor operator-(double s, const Tensor& a) { return add_scalar(neg(a), s); }
Tensor operator*(const Tensor& a, double s) { return mul_scalar(a, s); }
Tensor operator*(double s, const Tensor& a) { return mul_scalar(a, s); }
Tensor operator/(const Tensor& a, double s) { return mul_scalar(a, 1.0 / s); }
Tensor operator/(double s, const Tensor& a) { return mul_scalar(pow(a, -1.0), s); }

// ---- unary functions -------------------------------------------------------------------

// ∂eˣ/∂x = eˣ
Tensor exp(const Tensor& x) {
  return unary_op("exp", x, Unary::Exp, {}, false, true,
                  [](BackwardContext& c) { return TensorList{c.grad() * c.saved(0)}; });
}
// ∂log x/∂x = 1/x
Tensor log(const Tensor& x) {
  return unary_op("log", x, Unary::Log, {}, true, false,
                  [](BackwardContext& c) { return TensorList{c.grad() / c.saved(0)}; });
}
// ∂log(1+x)/∂x = 1/(1+x)
Tensor log1p(const Tensor& x) {
  return unary_op("log1p", x, Unary::Log1p, {}, true, false,
                  [](BackwardContext& c) { return TensorList{c.grad() / (c.saved(0) + 1.0)}; });
}
// ∂(eˣ−1)/∂x = eˣ = y + 1
Tensor expm1(const Tensor& x) {
  return unary_op("expm1", x, Unary::Expm1, {}, false, true,
                  [](BackwardContext& c) { return TensorList{c.grad() * (c.saved(0) + 1.0)}; });
}
// ∂√x/∂x = 1/(2√x)
Tensor sqrt(const Tensor& x) {
  return unary_op("sqrt", x, Unary::Sqrt, {}, false, true,
                  [](BackwardContext& c) { return TensorList{c.grad() / c.saved(0) * 0.5}; });
}
// ∂x^(−½)/∂x = −½ x^(−3/2) = −½ y³
Tensor rsqrt(const Tensor& x) {
  return unary_op("rsqrt", x, Unary::Rsqrt, {}, false, true, [](BackwardContext& c) {
    Tensor y = c.saved(0);
    return TensorList{c.grad() * y * y * y * -0.5};
  });
}
// ∂|x|/∂x = sign x (0 at 0)
Tensor abs(const Tensor& x) {
  return unary_op("abs", x, Unary::Abs, {}, true, false,
                  [](BackwardContext& c) { return TensorList{c.grad() * sign(c.saved(0))}; });
}
// sign is piecewise constant: not recorded, so nothing flows through it.
Tensor sign(const Tensor& x) {
  detail::check_float("sign", x);
  return unary_values("sign", x, Unary::Sign);
}
// ∂x²/∂x = 2x
Tensor square(const Tensor& x) {
  detail::check_float("square", x);
  return pow(x, 2.0);
}
// ∂sin x/∂x = cos x
Tensor sin(const Tensor& x) {
  return unary_op("sin", x, Unary::Sin, {}, true, false,
                  [](BackwardContext& c) { return TensorList{c.grad() * cos(c.saved(0))}; });
}
// ∂cos x/∂x = −sin x
Tensor cos(const Tensor& x) {
  return unary_op("cos", x, Unary::Cos, {}, true, false,
                  [](BackwardContext& c) { return TensorList{-c.grad() * sin(c.saved(0))}; });
}
// ∂tanh x/∂x = 1 − tanh² x
Tensor tanh(const Tensor& x) {
  return unary_op("tanh", x, Unary::Tanh, {}, false, true, [](BackwardContext& c) {
    Tensor y = c.saved(0);
    return TensorList{c.grad() * (1.0 - y * y)};
  });
}
// ∂σ(x)/∂x = σ(x)(1 − σ(x))
Tensor sigmoid(const Tensor& x) {
  return unary_op("sigmoid", x, Unary::Sigmoid, {}, false, true, [](BackwardContext& c) {
    Tensor y = c.saved(0);
    return TensorList{c.grad() * y * (1.0 - y)};
  });
}
// log σ(x) = −softplus(−x), computed as min(x, 0) − log1p(exp(−|x|)) so it never
// overflows; ∂log σ(x)/∂x = σ(−x)
Tensor log_sigmoid(const Tensor& x) {
  return unary_op("log_sigmoid", x, Unary::LogSigmoid, {}, true, false,
                  [](BackwardContext& c) { return TensorList{c.grad() * sigmoid(-c.saved(0))}; });
}
// softplus(x) = log(1 + eˣ), computed as max(x, 0) + log1p(exp(−|x|)) so it never
// overflows; ∂softplus(x)/∂x = σ(x)
Tensor softplus(const Tensor& x) {
  return unary_op("softplus", x, Unary::Softplus, {}, true, false,
                  [](BackwardContext& c) { return TensorList{c.grad() * sigmoid(c.saved(0))}; });
}
// ∂relu(x)/∂x = [x > 0]
Tensor relu(const Tensor& x) {
  return unary_op("relu", x, Unary::Relu, {}, false, true,
                  [](BackwardContext& c) { return TensorList{c.grad() * (c.saved(0) > 0.0)}; });
}
// ∂leaky_relu(x)/∂x = 1 if x > 0 else slope
Tensor leaky_relu(const Tensor& x, double slope) {
  return unary_op("leaky_relu", x, Unary::LeakyRelu, {slope, 0}, true, false,
                  [slope](BackwardContext& c) {
                    Tensor pos = c.saved(0) > 0.0;
                    return TensorList{c.grad() * (pos * (1.0 - slope) + slope)};
                  });
}
// ∂elu(x)/∂x = 1 if x > 0 else α eˣ = y + α
Tensor elu(const Tensor& x, double alpha) {
  return unary_op("elu", x, Unary::Elu, {alpha, 0}, true, true, [alpha](BackwardContext& c) {
    Tensor g = c.grad();
    return TensorList{where(c.saved(0) > 0.0, g, g * (c.saved(1) + alpha))};
  });
}
// ∂(x σ(x))/∂x = σ(x)(1 + x(1 − σ(x)))
Tensor silu(const Tensor& x) {
  return unary_op("silu", x, Unary::Silu, {}, true, false, [](BackwardContext& c) {
    Tensor x = c.saved(0), s = sigmoid(x);
    return TensorList{c.grad() * s * (1.0 + x * (1.0 - s))};
  });
}
// ∂Φ(x)/∂x = φ(x) = e^(−x²/2)/√(2π)
Tensor normal_cdf(const Tensor& x) {
  return unary_op("normal_cdf", x, Unary::NormalCdf, {}, true, false, [](BackwardContext& c) {
    Tensor x = c.saved(0);
    return TensorList{c.grad() * exp(x * x * -0.5) * 0.3989422804014327};
  });
}
// gelu(x) = x·Φ(x): ∂/∂x = Φ(x) + x·φ(x)
// gelu_tanh(x) = ½x(1 + tanh u), u = c(x + 0.044715x³):
// ∂/∂x = ½(1 + tanh u) + ½x(1 − tanh² u)·c(1 + 3·0.044715x²)
Tensor gelu(const Tensor& x, GeluApproximate approximate) {
  if (approximate == GeluApproximate::None)
    return unary_op("gelu", x, Unary::GeluErf, {}, true, false, [](BackwardContext& c) {
      Tensor x = c.saved(0);
      return TensorList{c.grad() * (normal_cdf(x) + x * exp(x * x * -0.5) * 0.3989422804014327)};
    });
  return unary_op("gelu_tanh", x, Unary::Gelu, {}, true, false, [](BackwardContext& c) {
    const double k = 0.7978845608028654, a = 0.044715;
    Tensor x = c.saved(0);
    Tensor t = tanh((x + x * x * x * a) * k);
    Tensor du = (x * x * (3 * a) + 1.0) * k;
    return TensorList{c.grad() * ((t + 1.0) * 0.5 + x * (1.0 - t * t) * du * 0.5)};
  });
}
// ∂clamp(x, lo, hi)/∂x = [lo ≤ x ≤ hi]
Tensor clamp(const Tensor& x, double lo, double hi) {
  if (lo > hi) throw ValueError(fmt::format("clamp: lo = {} is greater than hi = {}", lo, hi));
  return unary_op("clamp", x, Unary::Clamp, {lo, hi}, true, false, [lo, hi](BackwardContext& c) {
    Tensor x = c.saved(0);
    Tensor inside = (1.0 - (x < lo)) * (1.0 - (x > hi));
    return TensorList{c.grad() * inside};
  });
}

// ---- comparisons --------------------------------------------------------------------------
// Piecewise constant (1 where true, else 0), so they record nothing: their derivative is 0.

Tensor eq(const Tensor& a, const Tensor& b) { return binary_values("eq", Binary::Eq, a, b); }
Tensor ne(const Tensor& a, const Tensor& b) { return binary_values("ne", Binary::Ne, a, b); }
Tensor lt(const Tensor& a, const Tensor& b) { return binary_values("lt", Binary::Lt, a, b); }
Tensor le(const Tensor& a, const Tensor& b) { return binary_values("le", Binary::Le, a, b); }
Tensor gt(const Tensor& a, const Tensor& b) { return binary_values("gt", Binary::Gt, a, b); }
Tensor ge(const Tensor& a, const Tensor& b) { return binary_values("ge", Binary::Ge, a, b); }
Tensor operator==(const Tensor& a, const Tensor& b) { return eq(a, b); }
Tensor operator!=(const Tensor& a, const Tensor& b) { return ne(a, b); }
Tensor operator<(const Tensor& a, const Tensor& b) { return lt(a, b); }
Tensor operator<=(const Tensor& a, const Tensor& b) { return le(a, b); }
Tensor operator>(const Tensor& a, const Tensor& b) { return gt(a, b); }
Tensor operator>=(const Tensor& a, const Tensor& b) { return ge(a, b); }
// The scalar side of a comparison, in the tensor side's dtype.
static Tensor scalar_like(const char* op, double s, const Tensor& a) {
  detail::check_float(op, a);
  return scalar_tensor(s, a.dtype());
}
Tensor eq(const Tensor& a, double s) { return eq(a, scalar_like("eq", s, a)); }
Tensor eq(double s, const Tensor& a) { return eq(scalar_like("eq", s, a), a); }
Tensor ne(const Tensor& a, double s) { return ne(a, scalar_like("ne", s, a)); }
Tensor ne(double s, const Tensor& a) { return ne(scalar_like("ne", s, a), a); }
Tensor lt(const Tensor& a, double s) { return lt(a, scalar_like("lt", s, a)); }
Tensor lt(double s, const Tensor& a) { return lt(scalar_like("lt", s, a), a); }
Tensor le(const Tensor& a, double s) { return le(a, scalar_like("le", s, a)); }
Tensor le(double s, const Tensor& a) { return le(scalar_like("le", s, a), a); }
Tensor gt(const Tensor& a, double s) { return gt(a, scalar_like("gt", s, a)); }
Tensor gt(double s, const Tensor& a) { return gt(scalar_like("gt", s, a), a); }
Tensor ge(const Tensor& a, double s) { return ge(a, scalar_like("ge", s, a)); }
Tensor ge(double s, const Tensor& a) { return ge(scalar_like("ge", s, a), a); }
Tensor operator==(const Tensor& a, double s) { return eq(a, s); }
Tensor operator==(double s, const Tensor& a) { return eq(s, a); }
Tensor operator!=(const Tensor& a, double s) { return ne(a, s); }
Tensor operator!=(double s, const Tensor& a) { return ne(s, a); }
Tensor operator<(const Tensor& a, double s) { return lt(a, s); }
Tensor operator<(double s, const Tensor& a) { return lt(s, a); }
Tensor operator<=(const Tensor& a, double s) { return le(a, s); }
Tensor operator<=(double s, const Tensor& a) { return le(s, a); }
Tensor operator>(const Tensor& a, double s) { return gt(a, s); }
Tensor operator>(double s, const Tensor& a) { return gt(s, a); }
Tensor operator>=(const Tensor& a, double s) { return ge(a, s); }
Tensor operator>=(double s, const Tensor& a) { return ge(s, a); }

// ∂where(c, a, b)/∂a = [c], ∂/∂b = [¬c]
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  detail::check_float("where", cond);
  detail::check_float("where", a);
  detail::check_float("where", b);
  detail::check_same_dtype("where", a, b);
  detail::check_same_dtype("where", cond, a);
  const Shape so =
      broadcast_shapes(broadcast_shapes(cond.shape(), a.shape(), "where"), b.shape(), "where");
  Tensor out = detail::empty_for("where", so, a.dtype());
  {
    NoGradGuard values_only;
    Tensor c = broadcast_to(cond, so), ea = broadcast_to(a, so), eb = broadcast_to(b, so);
    visit_dtype(a.dtype(), [&]<class T>() {
      kernels::where<T>(c.data<T>(), ea.data<T>(), eb.data<T>(), out.data<T>(), out.numel());
    });
  }
  return record("where", {a, b}, out, {cond}, [](BackwardContext& c) {
    Tensor g = c.grad(), cond = c.saved(0), zero = zeros_like(g);
    return TensorList{c.needs_grad(0) ? where(cond, g, zero) : Tensor(),
                      c.needs_grad(1) ? where(cond, zero, g) : Tensor()};
  });
}

bool has_non_finite(const Tensor& t) {
  return visit_any_dtype(t.dtype(), [&]<class T>() {
    if constexpr (std::is_integral_v<T>)
      return false;  // integers are always finite
    else
      return kernels::has_non_finite<T>(t.data<T>(), t.numel());
  });
}

}  // namespace tg

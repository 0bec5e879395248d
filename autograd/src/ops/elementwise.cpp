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

/// The forward rule of an elementwise y = φ(x) from φ′ and φ″, each a function of x and y:
/// ẏ = φ′·ẋ, and the curvature φ″·Σ_k ẋ_k² for the forward Laplacian.
template <class D1, class D2>
auto chain_rule(D1 d1, D2 d2) {
  return tangent_rule(
      [d1](const ForwardContext& c) { return c.broadcast_tangent(0) * d1(c.input(0), c.output()); },
      [d2](const ForwardContext& c) {
        return d2(c.input(0), c.output()) * sum_of_squares(c.broadcast_tangent(0));
      });
}
/// ẏ = φ′·ẋ for a piecewise-linear φ (φ″ = 0 almost everywhere).
template <class D1>
auto chain_rule(D1 d1) {
  return tangent_rule([d1](const ForwardContext& c) {
    return c.broadcast_tangent(0) * d1(c.input(0), c.output());
  });
}

/// The n-th derivative (n = 1 or 2) of xᵖ, with no pow for p = 0, 1, 2 (see pow's rule).
Tensor pow_derivative(const Tensor& x, double p, int n) {
  const double c = n == 1 ? p : p * (p - 1);  // p, or p(p − 1)
  if (c == 0) return zeros_like(x);
  if (p - n == 0) return full_like(x, c);
  if (p - n == 1) return x * c;
  return pow(x, p - n) * c;
}

/// φ(x) = e^(−x²/2)/√(2π), the standard normal density.
Tensor normal_pdf(const Tensor& x) { return exp(x * x * -0.5) * 0.3989422804014327; }

/// gelu_tanh(x) = ½x(1 + tanh u), u = c(x + a x³): its first and second derivatives,
///   y′ = ½(1 + t) + ½x(1 − t²)u′,   y″ = (1 − t²)(u′ + ½x(u″ − 2t u′²)),
/// with t = tanh u, u′ = c(1 + 3a x²), u″ = 6a c x.
std::pair<Tensor, Tensor> gelu_tanh_derivatives(const Tensor& x) {
  const double k = 0.7978845608028654, a = 0.044715;
  Tensor t = tanh((x + x * x * x * a) * k);
  Tensor du = (x * x * (3 * a) + 1.0) * k;
  Tensor d2u = x * (6 * a * k);
  Tensor sech2 = 1.0 - t * t;
  return {(t + 1.0) * 0.5 + x * sech2 * du * 0.5,
          sech2 * (du + x * (d2u - t * du * du * 2.0) * 0.5)};
}

/// The partial derivatives of y = aᵇ that pow's forward rule needs, zero where a = 0 (the
/// b-derivatives) or b = 0 (the a-derivatives), as in its backward rule.
class PowPartials {
 public:
  PowPartials(const Tensor& a, const Tensor& b, const Tensor& y)
      : a_(a),
        b_(b),
        y_(y),
        a_zero_(eq(a, 0.0)),
        b_zero_(eq(b, 0.0)),
        log_a_(log(where(a_zero_, ones_like(a), a))) {}
  Tensor a() const { return guard(b_zero_, b_ * pow(a_, b_ - 1.0)); }
  Tensor b() const { return guard(a_zero_, y_ * log_a_); }
  Tensor aa() const { return guard(b_zero_, b_ * (b_ - 1.0) * pow(a_, b_ - 2.0)); }
  Tensor ab() const { return guard(a_zero_, pow(a_, b_ - 1.0) * (1.0 + b_ * log_a_)); }
  Tensor bb() const { return guard(a_zero_, y_ * log_a_ * log_a_); }

 private:
  static Tensor guard(const Tensor& zero, const Tensor& v) { return where(zero, zeros_like(v), v); }
  Tensor a_, b_, y_, a_zero_, b_zero_, log_a_;
};

/// w·ȧ + (1 − w)·ḃ: the tangent of minimum and maximum, w their weight on a.
Tensor blend_tangents(const ForwardContext& c, const Tensor& wa) {
  return add_tangents(c.has_tangent(0) ? c.broadcast_tangent(0) * wa : Tensor(),
                      c.has_tangent(1) ? c.broadcast_tangent(1) * (1.0 - wa) : Tensor());
}

/// Records a one-input op whose rule is g * f'(saved...): the common case.
template <class Rule, class Forward>
Tensor unary_op(std::string_view name, const Tensor& x, Unary k, UnaryParams p, bool save_x,
                bool save_y, Rule rule, const Forward& forward) {
  detail::check_float(name.data(), x);
  Tensor y = unary_values(name, x, k, p);
  Tensor saved[2];  // the rule's saved(0), saved(1): x first when both are kept
  size_t count = 0;
  if (save_x) saved[count++] = x;
  if (save_y) saved[count++] = y;
  return record(name, {x}, y, std::span<const Tensor>(saved, count), rule, forward);
}

}  // namespace

// ---- arithmetic -------------------------------------------------------------------------

// ∂(a+b)/∂a = 1, ∂(a+b)/∂b = 1
Tensor add(const Tensor& a, const Tensor& b) {
  return record(
      "add", {a, b}, binary_values("add", Binary::Add, a, b), {},
      [](BackwardContext& c) {
        return TensorList{c.grad(), c.grad()};
      },
      tangent_rule([](const ForwardContext& c) {
        return add_tangents(c.broadcast_tangent(0), c.broadcast_tangent(1));
      }));
}

// ∂(a−b)/∂a = 1, ∂(a−b)/∂b = −1
Tensor sub(const Tensor& a, const Tensor& b) {
  return record(
      "sub", {a, b}, binary_values("sub", Binary::Sub, a, b), {},
      [](BackwardContext& c) {
        return TensorList{c.grad(), c.needs_grad(1) ? -c.grad() : Tensor()};
      },
      tangent_rule([](const ForwardContext& c) {
        if (!c.has_tangent(0)) return -c.broadcast_tangent(1);
        if (!c.has_tangent(1)) return c.broadcast_tangent(0);
        return c.broadcast_tangent(0) - c.broadcast_tangent(1);
      }));
}

// ∂(ab)/∂a = b, ∂(ab)/∂b = a
Tensor mul(const Tensor& a, const Tensor& b) {
  return record(
      "mul", {a, b}, binary_values("mul", Binary::Mul, a, b), {a, b},
      [](BackwardContext& c) {
        return TensorList{c.needs_grad(0) ? c.grad() * c.saved(1) : Tensor(),
                          c.needs_grad(1) ? c.grad() * c.saved(0) : Tensor()};
      },
      // ẏ = ȧb + aḃ; curvature 2Σ_k ȧ_k ḃ_k
      tangent_rule(
          [](const ForwardContext& c) {
            return add_tangents(c.has_tangent(0) ? c.broadcast_tangent(0) * c.input(1) : Tensor(),
                                c.has_tangent(1) ? c.input(0) * c.broadcast_tangent(1) : Tensor());
          },
          [](const ForwardContext& c) {
            if (!c.has_tangent(0) || !c.has_tangent(1)) return Tensor();
            return sum_of_products(c.broadcast_tangent(0), c.broadcast_tangent(1)) * 2.0;
          }));
}

// ∂(a/b)/∂a = 1/b, ∂(a/b)/∂b = −a/b²
Tensor div(const Tensor& a, const Tensor& b) {
  return record(
      "div", {a, b}, binary_values("div", Binary::Div, a, b), {a, b},
      [](BackwardContext& c) {
        Tensor g = c.grad(), a = c.saved(0), b = c.saved(1);
        return TensorList{c.needs_grad(0) ? g / b : Tensor(),
                          // −g·(a/b)/b, not −g·a/b²: b² underflows for tiny b
                          c.needs_grad(1) ? -g * (a / b) / b : Tensor()};
      },
      // ẏ = (ȧ − y·ḃ)/b; curvature 2(y·Σ_k ḃ_k² − Σ_k ȧ_k ḃ_k)/b²
      tangent_rule(
          [](const ForwardContext& c) {
            const Tensor& y = c.output();
            Tensor num = c.has_tangent(1) ? y * c.broadcast_tangent(1) : Tensor();
            if (c.has_tangent(0))
              num = num.defined() ? c.broadcast_tangent(0) - num : c.broadcast_tangent(0);
            else
              num = -num;
            return num / c.input(1);
          },
          [](const ForwardContext& c) {
            if (!c.has_tangent(1)) return Tensor();
            Tensor tb = c.broadcast_tangent(1);
            Tensor num = c.output() * sum_of_squares(tb);
            if (c.has_tangent(0)) num = num - sum_of_products(c.broadcast_tangent(0), tb);
            return num * 2.0 / (c.input(1) * c.input(1));
          }));
}

// ∂(−x)/∂x = −1
Tensor neg(const Tensor& x) {
  return unary_op(
      "neg", x, Unary::Neg, {}, false, false,
      [](BackwardContext& c) { return TensorList{-c.grad()}; },
      tangent_rule([](const ForwardContext& c) { return -c.broadcast_tangent(0); }));
}

// ∂(x+s)/∂x = 1
static Tensor add_scalar(const Tensor& x, double s) {
  return unary_op(
      "add_scalar", x, Unary::AddScalar, {s, 0}, false, false,
      [](BackwardContext& c) { return TensorList{c.grad()}; },
      tangent_rule([](const ForwardContext& c) { return c.broadcast_tangent(0); }));
}

// ∂(x·s)/∂x = s
static Tensor mul_scalar(const Tensor& x, double s) {
  return unary_op(
      "mul_scalar", x, Unary::MulScalar, {s, 0}, false, false,
      [s](BackwardContext& c) { return TensorList{c.grad() * s}; },
      tangent_rule([s](const ForwardContext& c) { return c.broadcast_tangent(0) * s; }));
}

// ∂xᵖ/∂x = p·xᵖ⁻¹ (written so that p = 0, 1, 2 need no pow at all: the second
// derivative of x² at 0 is 2, never NaN)
Tensor pow(const Tensor& x, double p) {
  return unary_op(
      "pow", x, Unary::PowScalar, {p, 0}, true, false,
      [p](BackwardContext& c) {
        Tensor g = c.grad(), x = c.saved(0);
        if (p == 0) return TensorList{zeros_like(g)};
        if (p == 1) return TensorList{g};
        if (p == 2) return TensorList{g * x * 2.0};
        return TensorList{g * pow(x, p - 1) * p};
      },
      chain_rule([p](const Tensor& x, const Tensor&) { return pow_derivative(x, p, 1); },
                 [p](const Tensor& x, const Tensor&) { return pow_derivative(x, p, 2); }));
}

// ∂aᵇ/∂a = b·aᵇ⁻¹ (taken as 0 where b = 0: a⁰ = 1 is constant in a, and b·aᵇ⁻¹ would be
// 0·∞ = NaN at a = 0; PyTorch does the same), ∂aᵇ/∂b = aᵇ·log a (taken as 0 where a = 0)
Tensor pow(const Tensor& a, const Tensor& b) {
  Tensor y = binary_values("pow", Binary::Pow, a, b);
  return record(
      "pow", {a, b}, y, {a, b, y},
      [](BackwardContext& c) {
        Tensor g = c.grad(), a = c.saved(0), b = c.saved(1);
        Tensor ga, gb;
        if (c.needs_grad(0))
          ga = where(eq(b, zeros_like(b)), zeros_like(b), g * b * pow(a, b - 1.0));
        if (c.needs_grad(1)) {
          Tensor zero = eq(a, zeros_like(a));
          Tensor safe_a = where(zero, ones_like(a), a);  // keeps log finite in double backward
          gb = where(zero, zeros_like(a), g * c.saved(2) * log(safe_a));
        }
        return TensorList{ga, gb};
      },
      tangent_rule(
          // ẏ = ∂ₐy·ȧ + ∂_b y·ḃ; curvature Σ_k (∂ₐₐy ȧ_k² + 2∂ₐ_b y ȧ_k ḃ_k + ∂_bb y ḃ_k²), with
          // ∂ₐₐy = b(b−1)aᵇ⁻², ∂ₐ_b y = aᵇ⁻¹(1 + b log a), ∂_bb y = aᵇ log² a (zero where b = 0
          // for the a-derivatives and a = 0 for the b-derivatives, as in backward)
          [](const ForwardContext& c) {
            PowPartials d(c.input(0), c.input(1), c.output());
            return add_tangents(c.has_tangent(0) ? c.broadcast_tangent(0) * d.a() : Tensor(),
                                c.has_tangent(1) ? c.broadcast_tangent(1) * d.b() : Tensor());
          },
          [](const ForwardContext& c) {
            PowPartials d(c.input(0), c.input(1), c.output());
            Tensor ta = c.broadcast_tangent(0), tb = c.broadcast_tangent(1), sum;
            if (ta.defined()) sum = d.aa() * sum_of_squares(ta);
            if (tb.defined()) sum = add_tangents(sum, d.bb() * sum_of_squares(tb));
            if (ta.defined() && tb.defined()) sum = sum + d.ab() * sum_of_products(ta, tb) * 2.0;
            return sum;
          }));
}

namespace {
/// w = [a<b] + ½[a=b] for minimum (is_min), [a>b] + ½[a=b] for maximum: the share of the
/// derivative that goes to a (ties share it), the rest going to b.
Tensor weight_on_a(const Tensor& a, const Tensor& b, bool is_min) {
  return (is_min ? lt(a, b) : gt(a, b)) + eq(a, b) * 0.5;
}

/// minimum and maximum: ∂/∂a = w, ∂/∂b = 1 − w; tangent w·ȧ + (1 − w)·ḃ.
Tensor extreme_of(const char* name, Binary k, bool is_min, const Tensor& a, const Tensor& b) {
  return record(
      name, {a, b}, binary_values(name, k, a, b), {a, b},
      [is_min](BackwardContext& c) {
        Tensor wa = weight_on_a(c.saved(0), c.saved(1), is_min);
        return TensorList{c.grad() * wa, c.grad() * (1.0 - wa)};
      },
      tangent_rule([is_min](const ForwardContext& c) {
        return blend_tangents(c, weight_on_a(c.input(0), c.input(1), is_min));
      }));
}
}  // namespace

// ∂min(a,b)/∂a = [a<b] + ½[a=b] (ties share the gradient)
Tensor minimum(const Tensor& a, const Tensor& b) {
  return extreme_of("minimum", Binary::Minimum, true, a, b);
}

// ∂max(a,b)/∂a = [a>b] + ½[a=b]
Tensor maximum(const Tensor& a, const Tensor& b) {
  return extreme_of("maximum", Binary::Maximum, false, a, b);
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
  return unary_op(
      "exp", x, Unary::Exp, {}, false, true,
      [](BackwardContext& c) { return TensorList{c.grad() * c.saved(0)}; },
      chain_rule([](const Tensor&, const Tensor& y) { return y; },
                 [](const Tensor&, const Tensor& y) { return y; }));
}
// ∂log x/∂x = 1/x
Tensor log(const Tensor& x) {
  return unary_op(
      "log", x, Unary::Log, {}, true, false,
      [](BackwardContext& c) { return TensorList{c.grad() / c.saved(0)}; },
      chain_rule([](const Tensor& x, const Tensor&) { return 1.0 / x; },
                 [](const Tensor& x, const Tensor&) { return -1.0 / (x * x); }));
}
// ∂log(1+x)/∂x = 1/(1+x)
Tensor log1p(const Tensor& x) {
  return unary_op(
      "log1p", x, Unary::Log1p, {}, true, false,
      [](BackwardContext& c) { return TensorList{c.grad() / (c.saved(0) + 1.0)}; },
      chain_rule([](const Tensor& x, const Tensor&) { return 1.0 / (x + 1.0); },
                 [](const Tensor& x, const Tensor&) { return -1.0 / ((x + 1.0) * (x + 1.0)); }));
}
// ∂(eˣ−1)/∂x = eˣ = y + 1
Tensor expm1(const Tensor& x) {
  return unary_op(
      "expm1", x, Unary::Expm1, {}, false, true,
      [](BackwardContext& c) { return TensorList{c.grad() * (c.saved(0) + 1.0)}; },
      chain_rule([](const Tensor&, const Tensor& y) { return y + 1.0; },
                 [](const Tensor&, const Tensor& y) { return y + 1.0; }));
}
// ∂√x/∂x = 1/(2√x)
Tensor sqrt(const Tensor& x) {
  return unary_op(
      "sqrt", x, Unary::Sqrt, {}, false, true,
      [](BackwardContext& c) { return TensorList{c.grad() / c.saved(0) * 0.5}; },
      chain_rule([](const Tensor&, const Tensor& y) { return 0.5 / y; },
                 [](const Tensor&, const Tensor& y) { return -0.25 / (y * y * y); }));
}
// ∂x^(−½)/∂x = −½ x^(−3/2) = −½ y³
Tensor rsqrt(const Tensor& x) {
  return unary_op(
      "rsqrt", x, Unary::Rsqrt, {}, false, true,
      [](BackwardContext& c) {
        Tensor y = c.saved(0);
        return TensorList{c.grad() * y * y * y * -0.5};
      },
      chain_rule([](const Tensor&, const Tensor& y) { return y * y * y * -0.5; },
                 [](const Tensor&, const Tensor& y) { return pow(y, 5.0) * 0.75; }));
}
// ∂|x|/∂x = sign x (0 at 0)
Tensor abs(const Tensor& x) {
  return unary_op(
      "abs", x, Unary::Abs, {}, true, false,
      [](BackwardContext& c) { return TensorList{c.grad() * sign(c.saved(0))}; },
      chain_rule([](const Tensor& x, const Tensor&) { return sign(x); }));
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
  return unary_op(
      "sin", x, Unary::Sin, {}, true, false,
      [](BackwardContext& c) { return TensorList{c.grad() * cos(c.saved(0))}; },
      chain_rule([](const Tensor& x, const Tensor&) { return cos(x); },
                 [](const Tensor&, const Tensor& y) { return -y; }));
}
// ∂cos x/∂x = −sin x
Tensor cos(const Tensor& x) {
  return unary_op(
      "cos", x, Unary::Cos, {}, true, false,
      [](BackwardContext& c) { return TensorList{-c.grad() * sin(c.saved(0))}; },
      chain_rule([](const Tensor& x, const Tensor&) { return -sin(x); },
                 [](const Tensor&, const Tensor& y) { return -y; }));
}
// ∂tanh x/∂x = 1 − tanh² x
Tensor tanh(const Tensor& x) {
  return unary_op(
      "tanh", x, Unary::Tanh, {}, false, true,
      [](BackwardContext& c) {
        Tensor y = c.saved(0);
        return TensorList{c.grad() * (1.0 - y * y)};
      },
      chain_rule([](const Tensor&, const Tensor& y) { return 1.0 - y * y; },
                 [](const Tensor&, const Tensor& y) { return y * (1.0 - y * y) * -2.0; }));
}
// ∂σ(x)/∂x = σ(x)(1 − σ(x))
Tensor sigmoid(const Tensor& x) {
  return unary_op(
      "sigmoid", x, Unary::Sigmoid, {}, false, true,
      [](BackwardContext& c) {
        Tensor y = c.saved(0);
        return TensorList{c.grad() * y * (1.0 - y)};
      },
      chain_rule([](const Tensor&, const Tensor& y) { return y * (1.0 - y); },
                 [](const Tensor&, const Tensor& y) { return y * (1.0 - y) * (1.0 - 2.0 * y); }));
}
// log σ(x) = −softplus(−x), computed as min(x, 0) − log1p(exp(−|x|)) so it never
// overflows; ∂log σ(x)/∂x = σ(−x)
Tensor log_sigmoid(const Tensor& x) {
  return unary_op(
      "log_sigmoid", x, Unary::LogSigmoid, {}, true, false,
      [](BackwardContext& c) { return TensorList{c.grad() * sigmoid(-c.saved(0))}; },
      chain_rule([](const Tensor& x, const Tensor&) { return sigmoid(-x); },
                 [](const Tensor& x, const Tensor&) { return -sigmoid(x) * sigmoid(-x); }));
}
// softplus(x) = log(1 + eˣ), computed as max(x, 0) + log1p(exp(−|x|)) so it never
// overflows; ∂softplus(x)/∂x = σ(x)
Tensor softplus(const Tensor& x) {
  return unary_op(
      "softplus", x, Unary::Softplus, {}, true, false,
      [](BackwardContext& c) { return TensorList{c.grad() * sigmoid(c.saved(0))}; },
      chain_rule([](const Tensor& x, const Tensor&) { return sigmoid(x); },
                 [](const Tensor& x, const Tensor&) {
                   Tensor s = sigmoid(x);
                   return s * (1.0 - s);
                 }));
}
// ∂relu(x)/∂x = [x > 0]
Tensor relu(const Tensor& x) {
  return unary_op(
      "relu", x, Unary::Relu, {}, false, true,
      [](BackwardContext& c) { return TensorList{c.grad() * (c.saved(0) > 0.0)}; },
      chain_rule([](const Tensor&, const Tensor& y) { return y > 0.0; }));
}
// ∂leaky_relu(x)/∂x = 1 if x > 0 else slope
Tensor leaky_relu(const Tensor& x, double slope) {
  return unary_op(
      "leaky_relu", x, Unary::LeakyRelu, {slope, 0}, true, false,
      [slope](BackwardContext& c) {
        Tensor pos = c.saved(0) > 0.0;
        return TensorList{c.grad() * (pos * (1.0 - slope) + slope)};
      },
      chain_rule(
          [slope](const Tensor& x, const Tensor&) { return (x > 0.0) * (1.0 - slope) + slope; }));
}
// ∂elu(x)/∂x = 1 if x > 0 else α eˣ = y + α
Tensor elu(const Tensor& x, double alpha) {
  return unary_op(
      "elu", x, Unary::Elu, {alpha, 0}, true, true,
      [alpha](BackwardContext& c) {
        Tensor g = c.grad();
        return TensorList{where(c.saved(0) > 0.0, g, g * (c.saved(1) + alpha))};
      },
      chain_rule([alpha](const Tensor& x,
                         const Tensor& y) { return where(x > 0.0, ones_like(y), y + alpha); },
                 [alpha](const Tensor& x, const Tensor& y) {
                   return where(x > 0.0, zeros_like(y), y + alpha);
                 }));
}
// ∂(x σ(x))/∂x = σ(x)(1 + x(1 − σ(x)))
Tensor silu(const Tensor& x) {
  return unary_op(
      "silu", x, Unary::Silu, {}, true, false,
      [](BackwardContext& c) {
        Tensor x = c.saved(0), s = sigmoid(x);
        return TensorList{c.grad() * s * (1.0 + x * (1.0 - s))};
      },
      chain_rule(
          [](const Tensor& x, const Tensor&) {
            Tensor s = sigmoid(x);
            return s * (1.0 + x * (1.0 - s));
          },
          [](const Tensor& x, const Tensor&) {
            Tensor s = sigmoid(x);
            return s * (1.0 - s) * (2.0 + x * (1.0 - 2.0 * s));
          }));
}
// ∂Φ(x)/∂x = φ(x) = e^(−x²/2)/√(2π)
Tensor normal_cdf(const Tensor& x) {
  return unary_op(
      "normal_cdf", x, Unary::NormalCdf, {}, true, false,
      [](BackwardContext& c) { return TensorList{c.grad() * normal_pdf(c.saved(0))}; },
      chain_rule([](const Tensor& x, const Tensor&) { return normal_pdf(x); },
                 [](const Tensor& x, const Tensor&) { return -x * normal_pdf(x); }));
}
// gelu(x) = x·Φ(x): ∂/∂x = Φ(x) + x·φ(x)
// gelu_tanh(x) = ½x(1 + tanh u), u = c(x + 0.044715x³):
// ∂/∂x = ½(1 + tanh u) + ½x(1 − tanh² u)·c(1 + 3·0.044715x²)
Tensor gelu(const Tensor& x, GeluApproximate approximate) {
  if (approximate == GeluApproximate::None)
    return unary_op(
        "gelu", x, Unary::GeluErf, {}, true, false,
        [](BackwardContext& c) {
          Tensor x = c.saved(0);
          return TensorList{c.grad() * (normal_cdf(x) + x * normal_pdf(x))};
        },
        chain_rule([](const Tensor& x, const Tensor&) { return normal_cdf(x) + x * normal_pdf(x); },
                   [](const Tensor& x, const Tensor&) { return normal_pdf(x) * (2.0 - x * x); }));
  return unary_op(
      "gelu_tanh", x, Unary::Gelu, {}, true, false,
      [](BackwardContext& c) {
        return TensorList{c.grad() * gelu_tanh_derivatives(c.saved(0)).first};
      },
      chain_rule([](const Tensor& x, const Tensor&) { return gelu_tanh_derivatives(x).first; },
                 [](const Tensor& x, const Tensor&) { return gelu_tanh_derivatives(x).second; }));
}
// ∂clamp(x, lo, hi)/∂x = [lo ≤ x ≤ hi]
Tensor clamp(const Tensor& x, double lo, double hi) {
  if (lo > hi) throw ValueError(fmt::format("clamp: lo = {} is greater than hi = {}", lo, hi));
  return unary_op(
      "clamp", x, Unary::Clamp, {lo, hi}, true, false,
      [lo, hi](BackwardContext& c) {
        Tensor x = c.saved(0);
        Tensor inside = (1.0 - (x < lo)) * (1.0 - (x > hi));
        return TensorList{c.grad() * inside};
      },
      chain_rule([lo, hi](const Tensor& x, const Tensor&) {
        return (1.0 - (x < lo)) * (1.0 - (x > hi));
      }));
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
    // detached: values only, so no tangent is pushed through these helpers either
    Tensor c = broadcast_to(cond.detach(), so), ea = broadcast_to(a.detach(), so),
           eb = broadcast_to(b.detach(), so);
    visit_dtype(a.dtype(), [&]<class T>() {
      kernels::where<T>(c.data<T>(), ea.data<T>(), eb.data<T>(), out.data<T>(), out.numel());
    });
  }
  return record(
      "where", {a, b}, out, {cond},
      [](BackwardContext& c) {
        Tensor g = c.grad(), cond = c.saved(0), zero = zeros_like(g);
        return TensorList{c.needs_grad(0) ? where(cond, g, zero) : Tensor(),
                          c.needs_grad(1) ? where(cond, zero, g) : Tensor()};
      },
      tangent_rule([cond](const ForwardContext& c) {
        Tensor ta = c.broadcast_tangent(0), tb = c.broadcast_tangent(1);
        return where(cond, ta.defined() ? ta : zeros_like(tb), tb.defined() ? tb : zeros_like(ta));
      }));
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

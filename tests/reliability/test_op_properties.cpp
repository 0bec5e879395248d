// Property-based tests of the op algebra (RapidCheck): identities that must hold for every
// op, shape, broadcast and axis, checked on random cases. A failing case is shrunk to the
// smallest one (fewest axes, smallest extents, seed 0) and printed with the seed that
// reproduces it: RC_PARAMS="seed=<seed>" ./reliability_tests --gtest_filter='OpProperties*'.
// Without RC_PARAMS the seed is fixed (kDefaultParams), so CI runs the same cases every time;
// each property runs 200 cases, and each case checks every op of its family.
//
// Every tensor's values come from tg::rand with a generated seed, in float32 and then
// widened to float64 (exactly), so the float32 and float64 runs see the same inputs.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cmath>
#include <cstdlib>
#include <functional>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "tapegrad/autograd.hpp"

namespace {

constexpr const char* kDefaultParams = "seed=1616 max_success=200";
// Before main, so RapidCheck's configuration (read on first use) sees it.
[[maybe_unused]] const bool kParamsSet = setenv("RC_PARAMS", kDefaultParams, /*overwrite=*/0) == 0;

constexpr double kEps32 = std::numeric_limits<float>::epsilon();

// ----- generators -----

/// A shape of rank 0..4 with extents 1..4 (shrinks towards fewer, smaller axes).
rc::Gen<std::vector<int64_t>> gen_shape(int min_rank = 0) {
  return rc::gen::mapcat(rc::gen::inRange(min_rank, 5), [](int rank) {
    return rc::gen::container<std::vector<int64_t>>(static_cast<std::size_t>(rank),
                                                    rc::gen::inRange<int64_t>(1, 5));
  });
}

/// `shape` with some extents replaced by 1 and some leading axes dropped: a shape that
/// broadcasts to it.
rc::Gen<std::vector<int64_t>> gen_broadcastable_to(const std::vector<int64_t>& shape) {
  return rc::gen::mapcat(rc::gen::inRange<std::size_t>(0, shape.size() + 1), [shape](
                                                                                 std::size_t drop) {
    return rc::gen::map(
        rc::gen::container<std::vector<int>>(shape.size() - drop, rc::gen::inRange(0, 2)),
        [shape, drop](const std::vector<int>& ones) {
          std::vector<int64_t> out(shape.begin() + static_cast<std::ptrdiff_t>(drop), shape.end());
          for (std::size_t i = 0; i < out.size(); ++i)
            if (ones[i]) out[i] = 1;
          return out;
        });
  });
}

/// A float64 tensor of `shape` whose values are float32 numbers uniform in [lo, hi).
tg::Tensor values(const std::vector<int64_t>& shape, uint64_t seed, double lo = -2, double hi = 2) {
  tg::Generator gen(seed);
  return tg::rand(tg::Shape(shape), gen, tg::kFloat32, lo, hi).to(tg::kFloat64);
}

double inner(const tg::Tensor& a, const tg::Tensor& b) { return tg::sum(a * b).item<double>(); }

bool bitwise_equal(const tg::Tensor& a, const tg::Tensor& b) {
  return a.shape() == b.shape() && a.dtype() == b.dtype() &&
         a.to_vector<double>() == b.to_vector<double>();
}

double max_abs(const tg::Tensor& t) {
  double m = 0;
  for (double v : t.to_vector<double>()) m = std::max(m, std::abs(v));
  return m;
}

// ----- the ops under test -----

struct UnaryOp {
  const char* name;
  std::function<tg::Tensor(const tg::Tensor&)> f;
  double lo = -2, hi = 2;  ///< the domain the inputs are drawn from
};

std::vector<UnaryOp> unary_ops() {
  return {
      {"neg", [](const tg::Tensor& x) { return tg::neg(x); }},
      {"exp", [](const tg::Tensor& x) { return tg::exp(x); }},
      {"log", [](const tg::Tensor& x) { return tg::log(x); }, 0.5, 2},
      {"log1p", [](const tg::Tensor& x) { return tg::log1p(x); }, -0.5, 2},
      {"expm1", [](const tg::Tensor& x) { return tg::expm1(x); }},
      {"sqrt", [](const tg::Tensor& x) { return tg::sqrt(x); }, 0.5, 2},
      {"rsqrt", [](const tg::Tensor& x) { return tg::rsqrt(x); }, 0.5, 2},
      {"abs", [](const tg::Tensor& x) { return tg::abs(x); }},
      {"square", [](const tg::Tensor& x) { return tg::square(x); }},
      {"sin", [](const tg::Tensor& x) { return tg::sin(x); }},
      {"cos", [](const tg::Tensor& x) { return tg::cos(x); }},
      {"tanh", [](const tg::Tensor& x) { return tg::tanh(x); }},
      {"sigmoid", [](const tg::Tensor& x) { return tg::sigmoid(x); }},
      {"log_sigmoid", [](const tg::Tensor& x) { return tg::log_sigmoid(x); }},
      {"softplus", [](const tg::Tensor& x) { return tg::softplus(x); }},
      {"relu", [](const tg::Tensor& x) { return tg::relu(x); }},
      {"leaky_relu", [](const tg::Tensor& x) { return tg::leaky_relu(x, 0.1); }},
      {"elu", [](const tg::Tensor& x) { return tg::elu(x); }},
      {"silu", [](const tg::Tensor& x) { return tg::silu(x); }},
      {"gelu", [](const tg::Tensor& x) { return tg::gelu(x); }},
      {"clamp", [](const tg::Tensor& x) { return tg::clamp(x, -1, 1); }},
      {"pow 3", [](const tg::Tensor& x) { return tg::pow(x, 3.0); }},
  };
}

struct BinaryOp {
  const char* name;
  std::function<tg::Tensor(const tg::Tensor&, const tg::Tensor&)> f;
  double lo_b = -2;  ///< b's inputs are drawn from [lo_b, 2)
};

std::vector<BinaryOp> binary_ops() {
  return {
      {"add", [](const tg::Tensor& a, const tg::Tensor& b) { return a + b; }},
      {"sub", [](const tg::Tensor& a, const tg::Tensor& b) { return a - b; }},
      {"mul", [](const tg::Tensor& a, const tg::Tensor& b) { return a * b; }},
      {"div", [](const tg::Tensor& a, const tg::Tensor& b) { return a / b; }, 0.5},
      {"pow",
       [](const tg::Tensor& a, const tg::Tensor& b) { return tg::pow(tg::abs(a) + 0.5, b); }},
      {"minimum", [](const tg::Tensor& a, const tg::Tensor& b) { return tg::minimum(a, b); }},
      {"maximum", [](const tg::Tensor& a, const tg::Tensor& b) { return tg::maximum(a, b); }},
  };
}

using Reduction = std::function<tg::Tensor(const tg::Tensor&, const tg::Axes&, bool keepdim)>;
struct ReductionOp {
  const char* name;
  Reduction f;
};

std::vector<ReductionOp> reductions() {
  return {
      {"sum", [](const tg::Tensor& x, const tg::Axes& a, bool k) { return tg::sum(x, a, k); }},
      {"mean", [](const tg::Tensor& x, const tg::Axes& a, bool k) { return tg::mean(x, a, k); }},
      {"max", [](const tg::Tensor& x, const tg::Axes& a, bool k) { return tg::max(x, a, k); }},
      {"min", [](const tg::Tensor& x, const tg::Axes& a, bool k) { return tg::min(x, a, k); }},
      {"var", [](const tg::Tensor& x, const tg::Axes& a, bool k) { return tg::var(x, a, 0, k); }},
      {"std", [](const tg::Tensor& x, const tg::Axes& a, bool k) { return tg::std(x, a, 0, k); }},
      {"logsumexp",
       [](const tg::Tensor& x, const tg::Axes& a, bool k) { return tg::logsumexp(x, a, k); }},
      {"norm", [](const tg::Tensor& x, const tg::Axes& a, bool k) { return tg::norm(x, a, k); }},
  };
}

/// Which axes of `shape` the (possibly negative) `axes` name.
std::vector<bool> reduced_axes(const std::vector<int64_t>& shape,
                               const std::vector<int64_t>& axes) {
  const auto rank = static_cast<int64_t>(shape.size());
  std::vector<bool> reduced(shape.size(), false);
  for (int64_t a : axes) reduced[static_cast<std::size_t>(a < 0 ? a + rank : a)] = true;
  return reduced;
}

/// A non-empty subset of the axes of a rank-`rank` tensor, each written as a positive or a
/// negative index (both must mean the same axis).
rc::Gen<std::vector<int64_t>> gen_axes(int rank) {
  return rc::gen::map(
      rc::gen::container<std::vector<int>>(static_cast<std::size_t>(rank), rc::gen::inRange(0, 3)),
      [rank](const std::vector<int>& pick) {  // 0: keep, 1: reduce as i, 2: reduce as i - rank
        std::vector<int64_t> axes;
        for (int i = 0; i < rank; ++i)
          if (pick[static_cast<std::size_t>(i)] != 0)
            axes.push_back(pick[static_cast<std::size_t>(i)] == 1 ? i : i - rank);
        if (axes.empty()) axes.push_back(0);
        return axes;
      });
}

/// J v by central differences in float64: (f(x + h v) - f(x - h v)) / 2h. Its error is
/// h²/6 · |f'''| (≈ 1e-11 here) plus the rounding of f's values, eps64 · |f| / h ≈ 1e-10.
tg::Tensor jvp_by_differences(const std::function<tg::Tensor(const tg::TensorList&)>& f,
                              const tg::TensorList& x, const tg::TensorList& v) {
  constexpr double h = 1e-6;
  tg::TensorList plus, minus;
  for (std::size_t i = 0; i < x.size(); ++i) {
    plus.push_back(x[i] + v[i] * h);
    minus.push_back(x[i] - v[i] * h);
  }
  return (f(plus) - f(minus)) / (2 * h);
}

/// Checks ⟨u, J v⟩ = ⟨Jᵀu, v⟩, Jᵀu from the backward rule, J v from differences. Both
/// sides are sums of ≤ 256 terms of size ≤ ~10; the differences' error above bounds the
/// gap, and 1e-6 · (1 + |⟨u, J v⟩|) is 10⁴ times that.
void check_adjoint(const std::function<tg::Tensor(const tg::TensorList&)>& f, tg::TensorList x,
                   const tg::TensorList& v, const tg::Tensor& u) {
  for (auto& t : x) t.requires_grad_();
  const tg::TensorList vjp = tg::grad({f(x)}, x, {.grad_outputs = {u}});
  double rhs = 0;
  for (std::size_t i = 0; i < x.size(); ++i) rhs += inner(vjp[i], v[i]);
  tg::NoGradGuard no_grad;
  const double lhs = inner(u, jvp_by_differences(f, x, v));
  RC_ASSERT(std::abs(lhs - rhs) <= 1e-6 * (1 + std::abs(lhs)));
}

// ----- the properties -----

RC_GTEST_PROP(OpProperties, UnaryBackwardIsTheAdjointOfTheJacobian, ()) {
  const auto shape = *gen_shape();
  const auto seed = *rc::gen::arbitrary<uint32_t>();
  for (const auto& op : unary_ops()) {
    RC_LOG() << op.name << " on " << tg::Shape(shape).str() << ", seed " << seed << "\n";
    check_adjoint([&](const tg::TensorList& in) { return op.f(in[0]); },
                  {values(shape, seed, op.lo, op.hi)}, {values(shape, seed + 1)},
                  values(shape, seed + 2));
  }
}

RC_GTEST_PROP(OpProperties, BroadcastingBinaryBackwardIsTheAdjointOfTheJacobian, ()) {
  const auto out = *gen_shape();
  const auto a = *gen_broadcastable_to(out), b = *gen_broadcastable_to(out);
  const auto seed = *rc::gen::arbitrary<uint32_t>();
  const tg::Shape result = tg::broadcast_shapes(tg::Shape(a), tg::Shape(b), "test");
  for (const auto& op : binary_ops()) {
    RC_LOG() << op.name << " of " << tg::Shape(a).str() << " and " << tg::Shape(b).str()
             << ", seed " << seed << "\n";
    check_adjoint([&](const tg::TensorList& in) { return op.f(in[0], in[1]); },
                  {values(a, seed), values(b, seed + 1, op.lo_b)},
                  {values(a, seed + 2), values(b, seed + 3)}, values(result.vec(), seed + 4));
  }
}

RC_GTEST_PROP(OpProperties, ReductionBackwardIsTheAdjointOfTheJacobian, ()) {
  const auto shape = *gen_shape(1);
  const auto axes = *gen_axes(static_cast<int>(shape.size()));
  const bool keepdim = *rc::gen::arbitrary<bool>();
  const auto seed = *rc::gen::arbitrary<uint32_t>();
  const tg::Tensor x = values(shape, seed);
  for (const auto& op : reductions()) {
    RC_LOG() << op.name << " of " << tg::Shape(shape).str() << " over " << tg::Shape(axes).str()
             << (keepdim ? " keepdim" : "") << ", seed " << seed << "\n";
    const tg::Shape result = op.f(x, tg::Axes(axes), keepdim).shape();
    check_adjoint([&](const tg::TensorList& in) { return op.f(in[0], tg::Axes(axes), keepdim); },
                  {x}, {values(shape, seed + 1)}, values(result.vec(), seed + 2));
  }
}

RC_GTEST_PROP(OpProperties, TheGradientOfExpandIsSumToTheInputShape, ()) {
  const auto out = *gen_shape();
  const auto in = *gen_broadcastable_to(out);
  const auto seed = *rc::gen::arbitrary<uint32_t>();
  RC_LOG() << tg::Shape(in).str() << " expanded to " << tg::Shape(out).str() << ", seed " << seed;
  const tg::Tensor x = values(in, seed).requires_grad_();
  const tg::Tensor u = values(out, seed + 1);
  const tg::Tensor g = tg::grad({tg::expand(x, tg::Shape(out))}, {x}, {.grad_outputs = {u}})[0];
  RC_ASSERT(bitwise_equal(g, tg::sum_to(u, tg::Shape(in))));
  // sum_to undoes expand up to the count of copies (sums of equal terms: exact up to the
  // rounding of that many additions, ≤ n · eps64 relative).
  const double copies = static_cast<double>(tg::Shape(out).numel() / tg::Shape(in).numel());
  const tg::Tensor back = tg::sum_to(tg::expand(x.detach(), tg::Shape(out)), tg::Shape(in));
  RC_ASSERT(max_abs(back - x.detach() * copies) <= 1e-14 * copies * (1 + max_abs(x)));
}

/// `v` in a random order (Fisher–Yates with generated indices; call inside a property).
std::vector<int64_t> shuffled(std::vector<int64_t> v) {
  for (std::size_t i = v.size(); i > 1; --i)
    std::swap(v[i - 1], v[*rc::gen::inRange<std::size_t>(0, i)]);
  return v;
}

RC_GTEST_PROP(OpProperties, ReshapePermuteAndTransposeRoundTripExactly, ()) {
  const auto shape = *gen_shape(1);
  std::vector<int64_t> identity(shape.size());
  std::iota(identity.begin(), identity.end(), 0);
  const auto order = shuffled(identity);
  const auto reshaped = shuffled(shape);  // same extents, so the same numel
  const int64_t a = *rc::gen::inRange<int64_t>(0, static_cast<int64_t>(shape.size()));
  const int64_t b = *rc::gen::inRange<int64_t>(0, static_cast<int64_t>(shape.size()));
  const auto seed = *rc::gen::arbitrary<uint32_t>();
  RC_LOG() << tg::Shape(shape).str() << " permuted by " << tg::Shape(order).str()
           << ", reshaped to " << tg::Shape(reshaped).str() << ", transposed " << a << "," << b;
  const tg::Tensor x = values(shape, seed).requires_grad_();
  std::vector<int64_t> inverse(order.size());
  for (std::size_t i = 0; i < order.size(); ++i)
    inverse[static_cast<std::size_t>(order[i])] = static_cast<int64_t>(i);

  const tg::Tensor p = tg::permute(x, tg::Axes(order));
  RC_ASSERT(bitwise_equal(tg::permute(p, tg::Axes(inverse)), x));
  RC_ASSERT(bitwise_equal(tg::reshape(tg::reshape(x, tg::Shape(reshaped)), tg::Shape(shape)), x));
  RC_ASSERT(bitwise_equal(tg::transpose(tg::transpose(x, a, b), a, b), x));
  // The backward rule of permute is the inverse permutation.
  const tg::Tensor u = values(p.shape().vec(), seed + 1);
  const tg::Tensor g = tg::grad({p}, {x}, {.grad_outputs = {u}})[0];
  RC_ASSERT(bitwise_equal(g, tg::permute(u, tg::Axes(inverse))));
}

RC_GTEST_PROP(OpProperties, CatThenSplitRoundTripsAndSplitThenCatToo, ()) {
  const auto shape = *gen_shape(1);
  const auto axis = *rc::gen::inRange<int64_t>(0, static_cast<int64_t>(shape.size()));
  const auto pieces = *rc::gen::inRange(1, 5);
  const auto size = *rc::gen::inRange<int64_t>(1, 6);
  const auto seed = *rc::gen::arbitrary<uint32_t>();
  RC_LOG() << pieces << " pieces of " << tg::Shape(shape).str() << " along " << axis
           << "; split size " << size << ", seed " << seed;
  std::vector<tg::Tensor> xs;
  for (int i = 0; i < pieces; ++i) xs.push_back(values(shape, seed + static_cast<uint32_t>(i)));
  const tg::Tensor joined = tg::cat(xs, axis);
  const std::vector<tg::Tensor> back =
      tg::split(joined, shape[static_cast<std::size_t>(axis)], axis);
  RC_ASSERT(back.size() == xs.size());
  for (std::size_t i = 0; i < xs.size(); ++i) RC_ASSERT(bitwise_equal(back[i], xs[i]));
  // Uneven pieces (the last one shorter) join back into the original.
  RC_ASSERT(bitwise_equal(tg::cat(tg::split(joined, size, axis), axis), joined));
}

RC_GTEST_PROP(OpProperties, ReductionsAgreeWithTheirKeepdimForms, ()) {
  const auto shape = *gen_shape(1);
  const auto axes = *gen_axes(static_cast<int>(shape.size()));
  const auto seed = *rc::gen::arbitrary<uint32_t>();
  const tg::Tensor x = values(shape, seed);
  const std::vector<bool> reduced = reduced_axes(shape, axes);
  std::vector<int64_t> kept_shape, dropped_shape, positive;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    kept_shape.push_back(reduced[i] ? 1 : shape[i]);
    if (!reduced[i]) dropped_shape.push_back(shape[i]);
  }
  for (int64_t a : axes) positive.push_back(a < 0 ? a + static_cast<int64_t>(shape.size()) : a);
  for (const auto& op : reductions()) {
    RC_LOG() << op.name << " of " << tg::Shape(shape).str() << " over " << tg::Shape(axes).str()
             << ", seed " << seed << "\n";
    const tg::Tensor kept = op.f(x, tg::Axes(axes), true);
    const tg::Tensor dropped = op.f(x, tg::Axes(axes), false);
    RC_ASSERT(kept.shape() == tg::Shape(kept_shape));
    RC_ASSERT(dropped.shape() == tg::Shape(dropped_shape));
    RC_ASSERT(bitwise_equal(tg::reshape(kept, dropped.shape()), dropped));
    // Axes written as positive indices give the same values.
    RC_ASSERT(bitwise_equal(op.f(x, tg::Axes(positive), false), dropped));
  }
}

/// float32 against float64 on the same (float32) inputs, forward and backward. A float32
/// op rounds its result (½ ulp) and a vectorised approximation adds a few ulps; a
/// reduction of n terms adds n roundings of partial sums bounded by Σ|terms|. So
/// |f32 − f64| ≤ 16 eps32 (|f64| + n · scale), with scale the largest input or gradient
/// magnitude the op sees (≤ ~10 here), leaves room for up to 16 compounded roundings.
void check_float32(const std::function<tg::Tensor(const tg::Tensor&)>& f, const tg::Tensor& x64,
                   const tg::Tensor& u64, int64_t terms) {
  const tg::Tensor x32 = x64.to(tg::kFloat32).requires_grad_();
  const tg::Tensor x = x64.detach().requires_grad_();
  const tg::Tensor y64 = f(x);
  const tg::Tensor y32 = f(x32);
  const double scale = 10;
  const auto near = [&](const tg::Tensor& a32, const tg::Tensor& a64) {
    const std::vector<double> a = a32.to_vector<double>(), b = a64.to_vector<double>();
    for (std::size_t i = 0; i < a.size(); ++i)
      if (!(std::abs(a[i] - b[i]) <=
            16 * kEps32 * (std::abs(b[i]) + static_cast<double>(terms) * scale)))
        return false;
    return a.size() == b.size();
  };
  RC_ASSERT(y32.dtype() == tg::kFloat32);
  RC_ASSERT(near(y32, y64));
  const tg::Tensor g64 = tg::grad({y64}, {x}, {.grad_outputs = {u64}})[0];
  const tg::Tensor g32 = tg::grad({y32}, {x32}, {.grad_outputs = {u64.to(tg::kFloat32)}})[0];
  RC_ASSERT(g32.dtype() == tg::kFloat32);
  RC_ASSERT(near(g32, g64));
}

RC_GTEST_PROP(OpProperties, Float32UnaryOpsAreWithinTheirToleranceOfFloat64, ()) {
  const auto shape = *gen_shape();
  const auto seed = *rc::gen::arbitrary<uint32_t>();
  for (const auto& op : unary_ops()) {
    RC_LOG() << op.name << " on " << tg::Shape(shape).str() << ", seed " << seed << "\n";
    check_float32(op.f, values(shape, seed, op.lo, op.hi), values(shape, seed + 1), 1);
  }
}

RC_GTEST_PROP(OpProperties, Float32ReductionsAreWithinTheirToleranceOfFloat64, ()) {
  const auto shape = *gen_shape(1);
  const auto axes = *gen_axes(static_cast<int>(shape.size()));
  const auto seed = *rc::gen::arbitrary<uint32_t>();
  const tg::Tensor x = values(shape, seed);
  for (const auto& op : reductions()) {
    RC_LOG() << op.name << " of " << tg::Shape(shape).str() << " over " << tg::Shape(axes).str()
             << ", seed " << seed << "\n";
    const tg::Shape result = op.f(x, tg::Axes(axes), false).shape();
    check_float32([&](const tg::Tensor& t) { return op.f(t, tg::Axes(axes), false); }, x,
                  values(result.vec(), seed + 1), tg::Shape(shape).numel());
  }
}

}  // namespace

// Regressions: the cases the properties above found, kept as plain tests.

// Found by ReductionBackwardIsTheAdjointOfTheJacobian (std of [1] over [0], seed 0): std
// reducing equal values (here a single one) has spread 0, where the composite √var gave
// the gradient ∞·0 = NaN. torch 1.13 gives 0 (the minimum-norm subgradient), and so does
// std now. (A single element's std is identically 0, so 0 is its true derivative: the
// property holds there and covers it.)
TEST(OpPropertyRegressions, StdWithZeroSpreadHasAZeroGradientAsInPyTorch) {
  for (const std::vector<double>& v : {std::vector<double>{0.7}, {1.0, 1.0}, {0.0, 0.0, 0.0}}) {
    const tg::Tensor x = tg::from_vector(v, {static_cast<int64_t>(v.size())}).requires_grad_();
    const tg::Tensor y = tg::std(x, {0}, 0);
    EXPECT_EQ(y.item<double>(), 0.0);
    EXPECT_EQ(tg::grad({y}, {x})[0].to_vector<double>(), std::vector<double>(v.size(), 0.0));
  }
}

// Elementwise ops (autograd/src/ops/elementwise.cpp), what the op table does not check
// (values, gradcheck, third order and bad input are in tests/common/op_table.cpp): tie
// rules, where with a given mask, masked gradients, stable numerics at the edges, and the
// checkers' own ability to fail.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "checks.hpp"
#include "tapegrad/autograd.hpp"

namespace {

using tgtest::grad_ok;
using tgtest::leaf;
using tgtest::rleaf;
using tgtest::values_near;

// ---- minimum / maximum ties -----------------------------------------------------------

TEST(ElementwiseTies, MinimumAndMaximumSplitTiesEqually) {
  tg::Tensor a = leaf({1.0, 2.0, 3.0}, {3});
  tg::Tensor b = leaf({1.0, 5.0, 0.0}, {3});
  auto gmax = tg::grad({tg::maximum(a, b).sum()}, {a, b});
  EXPECT_TRUE(values_near(gmax[0], {0.5, 0, 1}));
  EXPECT_TRUE(values_near(gmax[1], {0.5, 1, 0}));
  auto gmin = tg::grad({tg::minimum(a, b).sum()}, {a, b});
  EXPECT_TRUE(values_near(gmin[0], {0.5, 1, 0}));
  EXPECT_TRUE(values_near(gmin[1], {0.5, 0, 1}));
}

// ---- where ----------------------------------------------------------------------------

TEST(ElementwiseWhere, ValuesBothDtypes) {
  for (tg::Dtype d : {tg::kFloat32, tg::kFloat64}) {
    tg::Tensor cond = tg::from_vector(std::vector<double>{1, 0}, {2, 1}, d);
    tg::Tensor a = tg::from_vector(std::vector<double>{1, 2, 3, 4, 5, 6}, {2, 3}, d);
    tg::Tensor b = tg::from_vector(std::vector<double>{-1, -2, -3}, {3}, d);
    tg::Tensor y = tg::where(cond, a, b);
    EXPECT_EQ(y.dtype(), d);
    EXPECT_TRUE(values_near(y, {1, 2, 3, -1, -2, -3}));
  }
}

TEST(ElementwiseWhere, GradientFollowsTheBroadcastCondition) {
  tg::Tensor cond = tg::from_vector(std::vector<double>{1, 0}, {2, 1}, tg::kFloat64);
  tg::Tensor a = rleaf({2, 3}, 1), b = rleaf({3}, 2);
  auto g = tg::grad({tg::where(cond, a, b).sum()}, {a, b});
  EXPECT_TRUE(values_near(g[0], {1, 1, 1, 0, 0, 0}));
  EXPECT_TRUE(values_near(g[1], {1, 1, 1}));
}

// ---- comparisons ----------------------------------------------------------------------

TEST(ElementwiseComparisons, MaskTimesInputHasMaskedGradient) {
  tg::Tensor x = leaf({-1.0, 2.0, -3.0, 4.0}, {4});
  tg::Tensor g = tg::grad({(x * (x > 0.0)).sum()}, {x})[0];
  EXPECT_TRUE(values_near(g, {0, 1, 0, 1}));
}

TEST(ElementwiseComparisons, ScalarOnEitherSideIsTheTensorForm) {
  using Cmp = tg::Tensor (*)(const tg::Tensor&, const tg::Tensor&);
  using Left = tg::Tensor (*)(const tg::Tensor&, double);
  using Right = tg::Tensor (*)(double, const tg::Tensor&);
  struct Case {
    const char* name;
    Cmp tensor_form;
    Left scalar_right;
    Right scalar_left;
    Left operator_right;
    Right operator_left;
  };
  const std::vector<Case> cases = {
      {"eq", tg::eq, tg::eq, tg::eq, tg::operator==, tg::operator== },
       {"ne", tg::ne, tg::ne, tg::ne, tg::operator!=, tg::operator!= },
        {"lt", tg::lt, tg::lt, tg::lt, tg::operator<, tg::operator<},
         {"le", tg::le, tg::le, tg::le, tg::operator<=, tg::operator<= },
          {"gt", tg::gt, tg::gt, tg::gt, tg::operator>, tg::operator> },
           {
               "ge",
               tg::ge,
               tg::ge,
               tg::ge,
               tg::operator>=,
               tg::operator>= },
          };
  for (tg::Dtype d : {tg::kFloat32, tg::kFloat64}) {
    const tg::Tensor x = tg::from_vector(std::vector<double>{-1, 0.5, 2, 0.5}, {2, 2}, d);
    const tg::Tensor half = tg::full({2, 2}, 0.5, d);
    for (const Case& c : cases) {
      const auto right = c.tensor_form(x, half).to_vector<double>();
      const auto left = c.tensor_form(half, x).to_vector<double>();
      EXPECT_EQ(c.scalar_right(x, 0.5).to_vector<double>(), right) << c.name;
      EXPECT_EQ(c.operator_right(x, 0.5).to_vector<double>(), right) << c.name;
      EXPECT_EQ(c.scalar_left(0.5, x).to_vector<double>(), left) << c.name;
      EXPECT_EQ(c.operator_left(0.5, x).to_vector<double>(), left) << c.name;
      EXPECT_EQ(c.scalar_right(x, 0.5).dtype(), d) << c.name;
      EXPECT_EQ(c.scalar_left(0.5, x).shape(), x.shape()) << c.name;
    }
  }
  // The masks themselves, so a wrong tensor form cannot hide behind agreement.
  const tg::Tensor x = tg::from_vector(std::vector<double>{-1, 0.5, 2}, {3});
  EXPECT_EQ((x > 0.5).to_vector<double>(), (std::vector<double>{0, 0, 1}));
  EXPECT_EQ((0.5 > x).to_vector<double>(), (std::vector<double>{1, 0, 0}));
  EXPECT_EQ((0.5 <= x).to_vector<double>(), (std::vector<double>{0, 1, 1}));
  EXPECT_EQ((x == 0.5).to_vector<double>(), (std::vector<double>{0, 1, 0}));
  EXPECT_EQ((0.5 != x).to_vector<double>(), (std::vector<double>{1, 0, 1}));
}

TEST(ElementwiseComparisons, ScalarAgainstUndefinedTensorNamesTheOp) {
  const std::string msg = tgtest::error_message<tg::Error>([] { tg::ge(1.0, tg::Tensor()); });
  EXPECT_NE(msg.find("ge: got an undefined tensor"), std::string::npos) << msg;
}

// ---- gelu's two forms ------------------------------------------------------------------

TEST(ElementwiseGelu, DefaultIsTheExactErfFormAsInTorch) {
  // gelu at 1 and −3 in float64, the default and
  // approximate="tanh": 1·Φ(1) = 0.8413447460685429, −3·Φ(−3) = −0.004049694094890287;
  // the tanh form gives 0.8411919906082768 and −0.0036373920817729943 (Python's math.erfc and
  // math.tanh).
  const tg::Tensor x = tg::from_vector(std::vector<double>{1.0, -3.0}, {2}, tg::kFloat64);
  const auto exact = tg::gelu(x).to_vector<double>();
  const auto tanh_form = tg::gelu(x, tg::GeluApproximate::Tanh).to_vector<double>();
  EXPECT_NEAR(exact[0], 0.8413447460685429, 1e-15);
  EXPECT_NEAR(exact[1], -0.004049694094890287, 1e-15);
  EXPECT_NEAR(tanh_form[0], 0.8411919906082768, 1e-15);
  EXPECT_NEAR(tanh_form[1], -0.0036373920817729943, 1e-15);
  EXPECT_EQ(tg::gelu(x, tg::GeluApproximate::None).to_vector<double>(), exact);
  EXPECT_EQ(tg::tape({tg::gelu(x.detach().requires_grad_())}).front().op, "gelu");
  EXPECT_EQ(tg::tape({tg::gelu(x.detach().requires_grad_(), tg::GeluApproximate::Tanh)}).front().op,
            "gelu_tanh");
}

TEST(ElementwiseGelu, ExactFormKeepsRelativeAccuracyInTheLowerTail) {
  // −10·Φ(−10) = −7.619853024160593e-23: through erfc, not 1 + erf, which would give 0.
  for (tg::Dtype d : {tg::kFloat32, tg::kFloat64}) {
    const tg::Tensor x = tg::full({1}, -10.0, d);
    EXPECT_NEAR(tg::gelu(x).item<double>() / -7.619853024160593e-23, 1.0, 1e-5);
    EXPECT_NEAR(tg::normal_cdf(x).item<double>() / 7.619853024160593e-24, 1.0, 1e-5);
  }
}

// ---- numerics at the edges ------------------------------------------------------------

TEST(ElementwiseNumerics, StableFormsAtPlusMinus1000) {
  for (tg::Dtype d : {tg::kFloat32, tg::kFloat64}) {
    tg::Tensor x = tg::from_vector(std::vector<double>{-1000, 1000}, {2}, d);
    EXPECT_TRUE(values_near(tg::softplus(x), {0, 1000}));
    EXPECT_TRUE(values_near(tg::log_sigmoid(x), {-1000, 0}));
    EXPECT_TRUE(values_near(tg::sigmoid(x), {0, 1}));
    EXPECT_TRUE(values_near(tg::tanh(x), {-1, 1}));
    EXPECT_TRUE(values_near(tg::silu(x), {0, 1000}));
    // Gradients stay finite too: softplus' = σ(x), log_sigmoid' = σ(−x).
    tg::Tensor xg = x.detach().clone().to(tg::kFloat64).requires_grad_();
    EXPECT_TRUE(values_near(tg::grad({tg::softplus(xg).sum()}, {xg})[0], {0, 1}));
    EXPECT_TRUE(values_near(tg::grad({tg::log_sigmoid(xg).sum()}, {xg})[0], {1, 0}));
    EXPECT_TRUE(values_near(tg::grad({tg::sigmoid(xg).sum()}, {xg})[0], {0, 0}));
  }
}

TEST(ElementwiseNumerics, SecondDerivativeOfSquareAtZeroIsTwo) {
  using T = tg::Tensor;
  const std::vector<std::pair<const char*, std::function<T(const T&)>>> squares = {
      {"pow(x, 2.0)", [](const T& x) { return tg::pow(x, 2.0); }},
      {"square", [](const T& x) { return tg::square(x); }},
      {"pow(x, tensor 2)", [](const T& x) { return tg::pow(x, tg::full({1}, 2.0, tg::kFloat64)); }},
  };
  for (const auto& [name, sq] : squares) {
    SCOPED_TRACE(name);
    tg::Tensor x = leaf({0.0}, {1});
    tg::Tensor g = tg::grad({sq(x).sum()}, {x}, {.create_graph = true})[0];
    EXPECT_EQ(g.item<double>(), 0.0);
    tg::Tensor h = tg::grad({g.sum()}, {x})[0];
    EXPECT_EQ(h.item<double>(), 2.0);
  }
}

TEST(ElementwiseNumerics, ThirdDerivativeOfCubeAtZeroIsSix) {
  tg::Tensor x = leaf({0.0}, {1});
  tg::Tensor g1 = tg::grad({tg::pow(x, 3.0).sum()}, {x}, {.create_graph = true})[0];
  tg::Tensor g2 = tg::grad({g1.sum()}, {x}, {.create_graph = true})[0];
  tg::Tensor g3 = tg::grad({g2.sum()}, {x})[0];
  EXPECT_EQ(g1.item<double>(), 0.0);
  EXPECT_EQ(g2.item<double>(), 0.0);
  EXPECT_EQ(g3.item<double>(), 6.0);
}

TEST(ElementwiseNumerics, TensorPowExponentGradientAtZeroBaseIsFinite) {
  // ∂aᵇ/∂b = aᵇ log a is taken as 0 at a = 0, and stays finite in double backward.
  tg::Tensor a = leaf({0.0, 2.0}, {2});
  tg::Tensor b = leaf({2.0, 3.0}, {2});
  tg::Tensor gb = tg::grad({tg::pow(a, b).sum()}, {b}, {.create_graph = true})[0];
  EXPECT_TRUE(values_near(gb, {0.0, 8.0 * std::log(2.0)}, 1e-14));
  auto gg = tg::grad({gb.sum()}, {a, b});
  EXPECT_FALSE(tg::has_non_finite(gg[0]));
  EXPECT_FALSE(tg::has_non_finite(gg[1]));
}

TEST(ElementwiseNumerics, HasNonFinite) {
  EXPECT_FALSE(tg::has_non_finite(tg::ones({3})));
  EXPECT_TRUE(tg::has_non_finite(tg::log(tg::zeros({2}, tg::kFloat64))));
  EXPECT_TRUE(tg::has_non_finite(tg::sqrt(tg::full({1}, -1.0))));
}

TEST(ElementwiseNumerics, SignHasNoGradient) {
  tg::Tensor x = leaf({-2.0, 0.0, 3.0}, {3});
  EXPECT_TRUE(values_near(tg::sign(x), {-1, 0, 1}));
  EXPECT_FALSE(tg::sign(x).requires_grad());
}

}  // namespace

namespace {

// ---- the checkers themselves can fail ---------------------------------------------------

// x² whose rule is 2x·g with x detached: right to first order, wrong to second.
tg::Tensor square_detached_rule(const tg::Tensor& x) {
  tg::Tensor y;
  {
    tg::NoGradGuard values_only;
    y = x * x;
  }
  return tg::record("square_detached_rule", {x}, y, {x}, [](tg::BackwardContext& c) {
    return tg::TensorList{c.grad() * c.saved(0).detach() * 2.0};
  });
}

// x² whose rule forgets the factor 2.
tg::Tensor square_wrong_rule(const tg::Tensor& x) {
  tg::Tensor y;
  {
    tg::NoGradGuard values_only;
    y = x * x;
  }
  return tg::record("square_wrong_rule", {x}, y, {x},
                    [](tg::BackwardContext& c) { return tg::TensorList{c.grad() * c.saved(0)}; });
}

TEST(GradcheckSelfTest, CatchesWrongFirstAndSecondOrderRules) {
  tg::Tensor x = leaf({0.5, -1.5, 2.0}, {3});
  auto detached = [](const tg::TensorList& in) { return square_detached_rule(in[0]); };
  auto wrong = [](const tg::TensorList& in) { return square_wrong_rule(in[0]); };
  EXPECT_TRUE(tg::gradcheck(detached, {x}));
  EXPECT_FALSE(tg::gradgradcheck(detached, {x}));
  EXPECT_FALSE(grad_ok(detached, {x}));
  EXPECT_FALSE(tg::gradcheck(wrong, {x}));
  EXPECT_FALSE(grad_ok(wrong, {x}));
}

// in_place: f reads its inputs from elsewhere (a captured tensor, as a module reads its
// parameters) and ignores its argument; the inputs' values are back bit for bit after.
TEST(GradcheckSelfTest, InPlaceChecksAFunctionThatReadsItsInputsFromElsewhere) {
  tg::Tensor w = leaf({0.5, -1.5, 2.0}, {3});
  const std::vector<double> before = w.to_vector<double>();
  const tg::GradcheckOptions in_place{.in_place = true};
  EXPECT_TRUE(tg::gradcheck([&](const tg::TensorList&) { return tg::tanh(w) * w; }, {w}, in_place));
  EXPECT_EQ(w.to_vector<double>(), before);
  EXPECT_FALSE(
      tg::gradcheck([&](const tg::TensorList&) { return square_wrong_rule(w); }, {w}, in_place));
  // Without in_place the copies are perturbed, so w's Jacobian looks like zero.
  EXPECT_FALSE(tg::gradcheck([&](const tg::TensorList&) { return tg::tanh(w) * w; }, {w}));
}

}  // namespace

// Losses (autograd/src/ops/loss.cpp): values against the textbook formulas for every
// reduction and stability at |logit| = 1000 (gradchecks in both arguments and bad input:
// the op table, tests/common/op_table.cpp).
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <numeric>
#include <string>
#include <vector>

#include "checks.hpp"
#include "tapegrad/autograd.hpp"

namespace {

using tgtest::leaf;
using tgtest::rleaf;
using tgtest::values_near;

double bce_ref(double x, double t) {
  const double s = 1.0 / (1.0 + std::exp(-x));
  return -(t * std::log(s) + (1 - t) * std::log(1 - s));
}
double mse_ref(double x, double t) { return (x - t) * (x - t); }

struct LossCase {
  std::string name;
  std::function<tg::Tensor(const tg::Tensor&, const tg::Tensor&, tg::Reduction)> op;
  std::function<double(double, double)> ref;
};

std::vector<LossCase> loss_cases() {
  return {{"binary_cross_entropy_with_logits",
           [](const tg::Tensor& x, const tg::Tensor& t, tg::Reduction r) {
             return tg::binary_cross_entropy_with_logits(x, t, r);
           },
           bce_ref},
          {"mse_loss",
           [](const tg::Tensor& x, const tg::Tensor& t, tg::Reduction r) {
             return tg::mse_loss(x, t, r);
           },
           mse_ref}};
}

const std::vector<std::pair<std::string, tg::Reduction>> kReductions = {
    {"mean", tg::Reduction::Mean}, {"sum", tg::Reduction::Sum}, {"none", tg::Reduction::None}};

class Loss
    : public ::testing::TestWithParam<std::tuple<LossCase, std::pair<std::string, tg::Reduction>>> {
 protected:
  const LossCase& loss() const { return std::get<0>(GetParam()); }
  tg::Reduction reduction() const { return std::get<1>(GetParam()).second; }
  // Logits in [-3, 3]; targets in [0, 1] (soft labels included).
  tg::Tensor logits() const { return rleaf({2, 3}, 51, -3, 3); }
  tg::Tensor targets() const { return rleaf({2, 3}, 52, 0, 1); }
  std::vector<double> expected(const tg::Tensor& x, const tg::Tensor& t) const {
    std::vector<double> per;
    const auto xv = x.to_vector<double>(), tv = t.to_vector<double>();
    for (size_t i = 0; i < xv.size(); ++i) per.push_back(loss().ref(xv[i], tv[i]));
    const double total = std::accumulate(per.begin(), per.end(), 0.0);
    if (reduction() == tg::Reduction::Sum) return {total};
    if (reduction() == tg::Reduction::Mean) return {total / static_cast<double>(per.size())};
    return per;
  }
};

TEST_P(Loss, ForwardBothDtypes) {
  tg::Tensor x = logits().detach(), t = targets().detach();
  tg::Tensor y = loss().op(x, t, reduction());
  EXPECT_EQ(y.dim(), reduction() == tg::Reduction::None ? 2 : 0);
  EXPECT_TRUE(values_near(y, expected(x, t), 1e-14, 1e-12));
  tg::Tensor x32 = x.to(tg::kFloat32), t32 = t.to(tg::kFloat32);
  tg::Tensor y32 = loss().op(x32, t32, reduction());
  EXPECT_EQ(y32.dtype(), tg::kFloat32);
  EXPECT_TRUE(values_near(y32, expected(x32, t32), 1e-6, tgtest::kF32Tol));
}

INSTANTIATE_TEST_SUITE_P(Losses, Loss,
                         ::testing::Combine(::testing::ValuesIn(loss_cases()),
                                            ::testing::ValuesIn(kReductions)),
                         [](const auto& info) {
                           return std::get<0>(info.param).name + "_" +
                                  std::get<1>(info.param).first;
                         });

// ---- stability -----------------------------------------------------------------------

TEST(LossBce, FiniteAndCorrectAtPlusMinus1000) {
  // ℓ(x, t) = softplus(x) − t·x: 0 when the logit agrees with the label, |x| when not.
  for (tg::Dtype d : {tg::kFloat32, tg::kFloat64}) {
    tg::Tensor x = tg::from_vector(std::vector<double>{1000, -1000, 1000, -1000, 1000}, {5}, d);
    tg::Tensor t = tg::from_vector(std::vector<double>{1, 0, 0, 1, 0.25}, {5}, d);
    tg::Tensor per = tg::binary_cross_entropy_with_logits(x, t, tg::Reduction::None);
    EXPECT_FALSE(tg::has_non_finite(per));
    EXPECT_TRUE(values_near(per, {0, 0, 1000, 1000, 750}));
    EXPECT_TRUE(values_near(tg::binary_cross_entropy_with_logits(x, t, tg::Reduction::Sum), {2750},
                            1e-12, 1e-7));
    // ∂ℓ/∂x = σ(x) − t, ∂ℓ/∂t = −x: finite everywhere.
    tg::Tensor xl = x.to(tg::kFloat64).detach().requires_grad_();
    tg::Tensor tl = t.to(tg::kFloat64).detach().requires_grad_();
    auto g = tg::grad({tg::binary_cross_entropy_with_logits(xl, tl, tg::Reduction::Sum)}, {xl, tl},
                      {.create_graph = true});
    EXPECT_TRUE(values_near(g[0], {0, 0, 1, -1, 0.75}));
    EXPECT_TRUE(values_near(g[1], {-1000, 1000, -1000, 1000, -1000}));
    // Second derivative σ(x)(1 − σ(x)) underflows to 0, not NaN.
    tg::Tensor h = tg::grad({g[0].sum()}, {xl})[0];
    EXPECT_TRUE(values_near(h, {0, 0, 0, 0, 0}));
  }
}

TEST(LossBce, MatchesHandComputedValueAtZero) {
  // At x = 0: σ = ½ and the loss is log 2 whatever the target.
  tg::Tensor x = tg::zeros({3}, tg::kFloat64);
  tg::Tensor t = tg::from_vector(std::vector<double>{0, 0.5, 1}, {3});
  EXPECT_TRUE(values_near(tg::binary_cross_entropy_with_logits(x, t), {std::log(2.0)}, 1e-15));
}

TEST(LossMse, HandComputedValuesAndGradient) {
  tg::Tensor a = leaf({1, 2, 3}, {3});
  tg::Tensor b = tg::from_vector(std::vector<double>{0, 4, 3}, {3});
  EXPECT_TRUE(values_near(tg::mse_loss(a, b), {5.0 / 3.0}, 1e-15));
  EXPECT_TRUE(values_near(tg::mse_loss(a, b, tg::Reduction::Sum), {5}));
  EXPECT_TRUE(values_near(tg::mse_loss(a, b, tg::Reduction::None), {1, 4, 0}));
  // ∂/∂a mean (a − b)² = 2(a − b)/n
  EXPECT_TRUE(values_near(tg::grad({tg::mse_loss(a, b)}, {a})[0], {2. / 3, -4. / 3, 0}, 1e-15));
}

}  // namespace

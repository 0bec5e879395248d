// Affine coupling: identity at init, invertibility, the log-determinant against the
// Jacobian's, and gradients.
#include <gtest/gtest.h>

#include <cmath>

#include "module_gradcheck.hpp"

namespace {

using tg::nn::AffineCoupling;

tg::nn::CouplingOptions options(bool zero_init) {
  return {.hidden = {8},
          .activation = tg::nn::Activation::Tanh,
          .zero_init = zero_init,
          .dtype = tg::kFloat64};
}

/// log|det| of a small dense matrix by Gaussian elimination with partial pivoting.
double log_abs_det(std::vector<double> a, std::size_t n) {
  double result = 0;
  for (std::size_t c = 0; c < n; ++c) {
    std::size_t p = c;
    for (std::size_t r = c + 1; r < n; ++r)
      if (std::abs(a[r * n + c]) > std::abs(a[p * n + c])) p = r;
    for (std::size_t k = 0; k < n; ++k) std::swap(a[c * n + k], a[p * n + k]);
    result += std::log(std::abs(a[c * n + c]));
    for (std::size_t r = c + 1; r < n; ++r) {
      const double f = a[r * n + c] / a[c * n + c];
      for (std::size_t k = c; k < n; ++k) a[r * n + k] -= f * a[c * n + k];
    }
  }
  return result;
}

/// A module view of the log-determinant, for module_gradcheck.
struct LogDet : tg::nn::Module {
  explicit LogDet(std::shared_ptr<AffineCoupling> c) : coupling(register_module("c", c)) {}
  tg::Tensor forward(const tg::Tensor& x) override {
    return coupling->forward_and_log_det(x).second;
  }
  std::shared_ptr<AffineCoupling> coupling;
};

}  // namespace

TEST(AffineCoupling, ZeroInitIsTheIdentity) {
  tg::Generator gen(0);
  AffineCoupling c(AffineCoupling::checkerboard(4), gen, options(true));
  const tg::Tensor x = tg::randn({3, 4}, gen, tg::kFloat64);
  auto [y, logdet] = c.forward_and_log_det(x);
  EXPECT_EQ(y.to_vector<double>(), x.to_vector<double>());
  EXPECT_EQ(logdet.to_vector<double>(), (std::vector<double>{0, 0, 0}));
}

TEST(AffineCoupling, ForwardByHand) {
  // dim 2, mask (1, 0), no hidden layer: net(x ⊙ m) = W (x0, 0) + b, so
  // s̃ = (W00 x0 + b0, W10 x0 + b1), t = (W20 x0 + b2, W30 x0 + b3); only index 1 moves:
  // y1 = x1·exp(tanh(W10 x0 + b1)) + W30 x0 + b3.
  tg::Generator gen(0);
  AffineCoupling c({1, 0}, gen, {.hidden = {}, .zero_init = false, .dtype = tg::kFloat64});
  auto& lin = *c.net()->linears()[0];
  lin.weight.copy_(tg::from_vector(std::vector<double>{9, 9, 0.5, 9, 9, 9, 2, 9}, {4, 2}));
  lin.bias.copy_(tg::from_vector(std::vector<double>{9, 0.1, 9, -1}, {4}));
  const tg::Tensor x = tg::from_vector(std::vector<double>{2, 3}, {1, 2});
  auto [y, logdet] = c.forward_and_log_det(x);
  const double s = std::tanh(0.5 * 2 + 0.1);
  EXPECT_TRUE(tgtest::values_near(y, {2, 3 * std::exp(s) + 2 * 2 - 1}, 1e-12));
  EXPECT_TRUE(tgtest::values_near(logdet, {s}, 1e-12));
}

TEST(AffineCoupling, InverseUndoesForward) {
  tg::Generator gen(1);
  AffineCoupling c(AffineCoupling::checkerboard(5, true), gen, options(false));
  const tg::Tensor x = tg::randn({6, 5}, gen, tg::kFloat64);
  auto [y, logdet] = c.forward_and_log_det(x);
  auto [back, inv_logdet] = c.inverse_and_log_det(y);
  EXPECT_TRUE(tgtest::values_near(back, x.to_vector<double>(), 1e-12));
  EXPECT_TRUE(tgtest::values_near(inv_logdet + logdet, std::vector<double>(6, 0.0), 1e-12));
  EXPECT_GT(tg::abs(logdet).max().item<double>(), 1e-3);  // not trivially zero
}

TEST(AffineCoupling, LogDetMatchesTheJacobian) {
  tg::Generator gen(2);
  AffineCoupling c(AffineCoupling::checkerboard(4), gen, options(false));
  const tg::Tensor x = tg::randn({1, 4}, gen, tg::kFloat64).requires_grad_();
  auto [y, logdet] = c.forward_and_log_det(x);
  std::vector<double> jac;
  for (int i = 0; i < 4; ++i) {
    tg::Tensor onehot = tg::zeros({1, 4}, tg::kFloat64);
    onehot.data<double>()[i] = 1;
    const auto row = tg::grad({y}, {x}, {.grad_outputs = {onehot}, .retain_graph = true})[0];
    for (double v : row.to_vector<double>()) jac.push_back(v);
  }
  EXPECT_NEAR(logdet.item<double>(), log_abs_det(jac, 4), 1e-12);
}

TEST(AffineCoupling, Gradcheck) {
  tg::Generator gen(3);
  auto c = std::make_shared<AffineCoupling>(AffineCoupling::checkerboard(3), gen, options(false));
  const tg::Tensor x = tg::randn({2, 3}, gen, tg::kFloat64);
  EXPECT_TRUE(tgtest::module_gradcheck(*c, x));
  LogDet ld(c);
  EXPECT_TRUE(tgtest::module_gradcheck(ld, x));
}

TEST(AffineCoupling, Errors) {
  tg::Generator gen(0);
  EXPECT_THROW(AffineCoupling({1, 0.5}, gen), tg::ValueError);
  AffineCoupling c({1, 0}, gen);
  EXPECT_THROW(c(tg::zeros({2, 3})), tg::ShapeError);
}

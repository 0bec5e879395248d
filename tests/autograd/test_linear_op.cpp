// tg::linear (autograd/src/ops/linalg.cpp): y = x·wᵀ + b against matmul + add, with and
// without bias, for rank-1, 2 and 3 inputs; gradcheck + gradgradcheck in float64 (every
// input, and a penalty-style double backprop through x); bad shapes and dtypes.
#include <gtest/gtest.h>

#include "checks.hpp"
#include "tapegrad/autograd.hpp"

namespace {

using tgtest::grad_ok;
using tgtest::rleaf;
using tgtest::throws;

/// The unfused reference: x·wᵀ (+ b).
tg::Tensor reference(const tg::Tensor& x, const tg::Tensor& w, const tg::Tensor& b) {
  tg::Tensor y = tg::matmul(x, tg::transpose(w, 0, 1));
  return b.defined() ? y + b : y;
}

void expect_same(const tg::Tensor& a, const tg::Tensor& b) {
  ASSERT_EQ(a.shape(), b.shape());
  const auto va = a.to_vector<double>(), vb = b.to_vector<double>();
  for (size_t i = 0; i < va.size(); ++i) EXPECT_NEAR(va[i], vb[i], 1e-12) << "at " << i;
}

TEST(LinearOp, MatchesMatmulPlusBias) {
  const tg::Tensor w = rleaf({5, 3}, 1), b = rleaf({5}, 2);
  for (const tg::Shape& xs :
       {tg::Shape{3}, tg::Shape{1, 3}, tg::Shape{7, 3}, tg::Shape{13, 3}, tg::Shape{2, 4, 3}}) {
    const tg::Tensor x = rleaf(xs, 3);
    expect_same(tg::linear(x, w, b), reference(x, w, b));
    expect_same(tg::linear(x, w), reference(x, w, {}));
  }
}

TEST(LinearOp, Float32WideLayerMatchesReference) {
  tg::Generator gen(4);
  const tg::Tensor x = tg::randn({37, 70}, gen), w = tg::randn({45, 70}, gen),
                   b = tg::randn({45}, gen);
  const auto y = tg::linear(x, w, b).to_vector<double>();
  const auto r = reference(x, w, b).to_vector<double>();
  for (size_t i = 0; i < y.size(); ++i) EXPECT_NEAR(y[i], r[i], 1e-4) << "at " << i;
}

TEST(LinearOp, GradAndGradGrad) {
  auto with_bias = [](const tg::TensorList& in) {
    return tg::tanh(tg::linear(in[0], in[1], in[2]));
  };
  EXPECT_TRUE(grad_ok(with_bias, {rleaf({4, 3}, 5), rleaf({2, 3}, 6), rleaf({2}, 7)}));
  EXPECT_TRUE(grad_ok(with_bias, {rleaf({2, 3, 3}, 8), rleaf({2, 3}, 9), rleaf({2}, 10)}));
  auto no_bias = [](const tg::TensorList& in) { return tg::linear(in[0], in[1]) * in[0].sum(); };
  EXPECT_TRUE(grad_ok(no_bias, {rleaf({3, 4}, 11), rleaf({5, 4}, 12)}));
}

TEST(LinearOp, PenaltyStyleDoubleBackprop) {
  // ‖∇ₓ Σ tanh(linear(x))‖² is differentiable in the weights (a gradient penalty).
  const tg::Tensor points = rleaf({3, 2}, 13).detach();
  auto penalty = [points](const tg::TensorList& in) {
    const tg::Tensor x = points.detach().requires_grad_();
    const tg::Tensor a = tg::tanh(tg::linear(x, in[0], in[1])).sum();
    const tg::Tensor g = tg::grad({a}, {x}, {.create_graph = true})[0];
    return (g * g).sum();
  };
  EXPECT_TRUE(grad_ok(penalty, {rleaf({4, 2}, 14), rleaf({4}, 15)}));
}

TEST(LinearOp, BadInput) {
  const tg::Tensor x = rleaf({4, 3}, 16);
  EXPECT_TRUE(throws<tg::ShapeError>(
      [&] {
        tg::linear(x, rleaf({5, 2}, 17));
      },
      {"linear", "[4, 3]", "[5, 2]"}));
  EXPECT_TRUE(throws<tg::ShapeError>(
      [&] {
        tg::linear(x, rleaf({5, 3}, 18), rleaf({4}, 19));
      },
      {"linear", "[4]"}));
  EXPECT_TRUE(throws<tg::DtypeError>(
      [&] {
        tg::linear(x, tg::zeros({5, 3}, tg::kFloat32));
      },
      {"linear"}));
}

}  // namespace

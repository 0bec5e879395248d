// tg::linear (autograd/src/ops/linalg.cpp): y = x·wᵀ + b against matmul + add, with and
// without bias, for rank-1, 2 and 3 inputs, and a penalty-style double backprop through x
// (gradchecks of every input and bad input: the op table, tests/common/op_table.cpp).
#include <gtest/gtest.h>

#include "checks.hpp"
#include "tapegrad/autograd.hpp"

namespace {

using tgtest::grad_ok;
using tgtest::rleaf;

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

}  // namespace

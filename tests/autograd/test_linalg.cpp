// Linear algebra (autograd/src/ops/linalg.cpp): matmul over every supported rank pair and
// batch broadcast against a triple loop, outer and dot, a third-order check of matmul∘tanh
// (gradchecks and bad input: the op table, tests/common/op_table.cpp).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "checks.hpp"
#include "tapegrad/autograd.hpp"

namespace {

using tgtest::rleaf;
using tgtest::shape_is;
using tgtest::values_near;

/// (batch, rows, cols) view of a matmul operand as NumPy/PyTorch read it: a vector is a
/// row (left operand) or a column (right operand), a matrix is a batch of one.
struct Operand {
  int64_t batch, rows, cols;
  bool vec;
};
Operand view(const tg::Shape& s, bool left) {
  if (s.rank() == 1) return left ? Operand{1, 1, s[0], true} : Operand{1, s[0], 1, true};
  if (s.rank() == 2) return {1, s[0], s[1], false};
  return {s[0], s[1], s[2], false};
}

/// a @ b with plain loops, batch broadcast, and the output's expected shape.
std::vector<double> reference_matmul(const tg::Tensor& a, const tg::Tensor& b, tg::Shape& out) {
  const Operand va = view(a.shape(), true), vb = view(b.shape(), false);
  const int64_t batch = std::max(va.batch, vb.batch);
  const auto av = a.to_vector<double>(), bv = b.to_vector<double>();
  std::vector<double> c;
  for (int64_t p = 0; p < batch; ++p)
    for (int64_t i = 0; i < va.rows; ++i)
      for (int64_t j = 0; j < vb.cols; ++j) {
        double s = 0;
        for (int64_t k = 0; k < va.cols; ++k)
          s += av[static_cast<size_t>(((va.batch == 1 ? 0 : p) * va.rows + i) * va.cols + k)] *
               bv[static_cast<size_t>(((vb.batch == 1 ? 0 : p) * vb.rows + k) * vb.cols + j)];
        c.push_back(s);
      }
  out = tg::Shape{};
  if (a.dim() == 3 || b.dim() == 3) out.push_back(batch);
  if (!va.vec) out.push_back(va.rows);
  if (!vb.vec) out.push_back(vb.cols);
  return c;
}

struct MatmulCase {
  std::string name;
  tg::Shape a, b;
};

class Matmul : public ::testing::TestWithParam<MatmulCase> {};

TEST_P(Matmul, ForwardBothDtypes) {
  const MatmulCase& c = GetParam();
  tg::Tensor a = rleaf(c.a, 1).detach(), b = rleaf(c.b, 2).detach();
  tg::Shape out;
  const auto expected = reference_matmul(a, b, out);
  tg::Tensor y = tg::matmul(a, b);
  EXPECT_EQ(y.dtype(), tg::kFloat64);
  EXPECT_TRUE(shape_is(y, out));
  EXPECT_TRUE(values_near(y, expected, 1e-14, 1e-13));
  tg::Tensor a32 = a.to(tg::kFloat32), b32 = b.to(tg::kFloat32);
  const auto expected32 = reference_matmul(a32, b32, out);
  tg::Tensor y32 = tg::matmul(a32, b32);
  EXPECT_EQ(y32.dtype(), tg::kFloat32);
  EXPECT_TRUE(shape_is(y32, out));
  EXPECT_TRUE(values_near(y32, expected32, 1e-6, tgtest::kF32Tol));
}

INSTANTIATE_TEST_SUITE_P(Linalg, Matmul,
                         ::testing::Values(MatmulCase{"vec_vec", {4}, {4}},
                                           MatmulCase{"vec_mat", {3}, {3, 2}},
                                           MatmulCase{"mat_vec", {2, 3}, {3}},
                                           MatmulCase{"mat_mat", {2, 3}, {3, 4}},
                                           MatmulCase{"mat_mat_1x1", {1, 1}, {1, 1}},
                                           MatmulCase{"batch_batch", {2, 2, 3}, {2, 3, 2}},
                                           MatmulCase{"batch_mat", {3, 2, 3}, {3, 2}},
                                           MatmulCase{"mat_batch", {2, 3}, {3, 3, 2}},
                                           MatmulCase{"batch1_batchB", {1, 2, 3}, {3, 3, 2}},
                                           MatmulCase{"batchB_batch1", {3, 2, 3}, {1, 3, 2}},
                                           MatmulCase{"vec_batch", {3}, {2, 3, 2}},
                                           MatmulCase{"batch_vec", {2, 2, 3}, {3}}),
                         [](const auto& info) { return info.param.name; });

TEST(LinalgMatmul, HandComputedValues) {
  tg::Tensor a = tg::from_vector(std::vector<double>{1, 2, 3, 4, 5, 6}, {2, 3});
  tg::Tensor b = tg::from_vector(std::vector<double>{7, 8, 9, 10, 11, 12}, {3, 2});
  EXPECT_TRUE(values_near(tg::matmul(a, b), {58, 64, 139, 154}));
  EXPECT_TRUE(values_near(tg::matmul(a.to(tg::kFloat32), b.to(tg::kFloat32)), {58, 64, 139, 154}));
  // ∂Σ(AB)/∂A = 1 Bᵀ: each row of A gets the row sums of B.
  tg::Tensor al = a.detach().requires_grad_();
  EXPECT_TRUE(values_near(tg::grad({tg::matmul(al, b).sum()}, {al})[0], {15, 19, 23, 15, 19, 23}));
}

TEST(LinalgMatmul, ThirdOrderThroughTanh) {
  auto f = [](const tg::TensorList& in) { return tg::tanh(tg::matmul(in[0], in[1])); };
  EXPECT_TRUE(tgtest::third_order_ok(f, {rleaf({2, 3}, 3), rleaf({3, 2}, 4)}));
  auto fb = [](const tg::TensorList& in) { return tg::tanh(tg::matmul(in[0], in[1])); };
  EXPECT_TRUE(tgtest::third_order_ok(fb, {rleaf({2, 2, 3}, 5), rleaf({3, 2}, 6)}));
}

// ---- outer / dot -----------------------------------------------------------------------

TEST(LinalgOuterDot, ValuesAndGradientValues) {
  for (tg::Dtype d : {tg::kFloat32, tg::kFloat64}) {
    tg::Tensor a = tg::from_vector(std::vector<double>{1, 2, 3}, {3}, d);
    tg::Tensor b = tg::from_vector(std::vector<double>{4, -5}, {2}, d);
    tg::Tensor o = tg::outer(a, b);
    EXPECT_EQ(o.dtype(), d);
    EXPECT_TRUE(shape_is(o, {3, 2}));
    EXPECT_TRUE(values_near(o, {4, -5, 8, -10, 12, -15}));
    tg::Tensor dt = tg::dot(a, tg::from_vector(std::vector<double>{4, -5, 6}, {3}, d));
    EXPECT_EQ(dt.dim(), 0);
    EXPECT_TRUE(values_near(dt, {12}));
  }
  tg::Tensor x = rleaf({3}, 11), y = rleaf({3}, 12);
  auto g = tg::grad({tg::dot(x, y)}, {x, y});
  EXPECT_TRUE(values_near(g[0], y.to_vector<double>()));
  EXPECT_TRUE(values_near(g[1], x.to_vector<double>()));
}

}  // namespace

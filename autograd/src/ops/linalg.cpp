// Linear algebra on top of the GEMM kernel.
#include "tapegrad/autograd/ops/linalg.hpp"

#include "../kernels/kernels.hpp"
#include "op_helpers.hpp"
#include "tapegrad/autograd/ops/elementwise.hpp"
#include "tapegrad/autograd/ops/reduction.hpp"
#include "tapegrad/autograd/ops/shape_ops.hpp"
#include "tapegrad/autograd/record.hpp"

namespace tg {
namespace {

/// Values of a (…, m, k) @ (…, k, n) for rank-2 and rank-3 operands; a rank-2 operand or
/// a batch of 1 is shared by every batch.
Tensor matmul_values(const Tensor& a, const Tensor& b) {
  const int ra = a.dim(), rb = b.dim();
  const int64_t m = a.shape()[ra - 2], k = a.shape()[ra - 1];
  const int64_t kb = b.shape()[rb - 2], n = b.shape()[rb - 1];
  const int64_t ba = ra == 3 ? a.shape()[0] : 1, bb = rb == 3 ? b.shape()[0] : 1;
  if (k != kb || (ba != bb && ba != 1 && bb != 1))
    throw ShapeError(fmt::format(
        "matmul: shapes {} and {} do not fit: expected (…, m, k) @ (…, k, n) with equal k and "
        "batch sizes equal or 1",
        a.shape().str(), b.shape().str()));
  const int64_t batch = std::max(ba, bb);
  const Shape out_shape = (ra == 3 || rb == 3) ? Shape{batch, m, n} : Shape{m, n};
  Tensor out = empty(out_shape, a.dtype());
  visit_dtype(a.dtype(), [&]<class T>() {
    for (int64_t i = 0; i < batch; ++i)
      kernels::gemm<T>(false, false, m, n, k, T(1), a.data<T>() + (ba == 1 ? 0 : i * m * k), k,
                       b.data<T>() + (bb == 1 ? 0 : i * k * n), n, T(0),
                       out.data<T>() + i * m * n, n);
  });
  return out;
}

}  // namespace

// C = AB:  ∂L/∂A = G Bᵀ,  ∂L/∂B = Aᵀ G   (batch axes summed back by the engine)
Tensor matmul(const Tensor& a, const Tensor& b) {
  detail::check_defined("matmul", a);
  detail::check_defined("matmul", b);
  detail::check_same_dtype("matmul", a, b);
  if (a.dim() == 1 && b.dim() == 1) return dot(a, b);
  if (a.dim() == 1) return squeeze(matmul(unsqueeze(a, 0), b), -2);
  if (b.dim() == 1) return squeeze(matmul(a, unsqueeze(b, 1)), -1);
  if (a.dim() > 3 || b.dim() > 3)
    throw ShapeError(fmt::format("matmul: operands of rank {} and {} (shapes {} and {}); "
                                 "expected rank 1, 2 or 3",
                                 a.dim(), b.dim(), a.shape().str(), b.shape().str()));
  return record("matmul", {a, b}, matmul_values(a, b), {a, b}, [](BackwardContext& c) {
    Tensor g = c.grad(), a = c.saved(0), b = c.saved(1);
    return TensorList{c.needs_grad(0) ? matmul(g, transpose(b, -1, -2)) : Tensor(),
                      c.needs_grad(1) ? matmul(transpose(a, -1, -2), g) : Tensor()};
  });
}

Tensor outer(const Tensor& a, const Tensor& b) {
  if (a.dim() != 1 || b.dim() != 1)
    throw ShapeError(fmt::format("outer: expected two vectors, got shapes {} and {}",
                                 a.shape().str(), b.shape().str()));
  return unsqueeze(a, 1) * unsqueeze(b, 0);
}

Tensor dot(const Tensor& a, const Tensor& b) {
  if (a.dim() != 1 || b.dim() != 1 || a.numel() != b.numel())
    throw ShapeError(fmt::format("dot: expected two vectors of equal length, got shapes {} "
                                 "and {}",
                                 a.shape().str(), b.shape().str()));
  return sum(a * b);
}

}  // namespace tg

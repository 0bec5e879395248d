// Internal to the op table: what its per-family files (tests/common/op_table/<stem>.cpp,
// one per header in autograd/include/tapegrad/autograd/ops/) share.
#pragma once
#include <string>
#include <vector>

#include "../op_table.hpp"

namespace tgtest::entries {

using tg::Shape;
using tg::Tensor;
using tg::TensorList;
using K = ErrorKind;

/// Inputs of bad-input calls: the values do not matter, shape and dtype do.
inline Tensor f32(const Shape& s) { return tg::full(s, 0.5, tg::kFloat32); }
inline Tensor f64(const Shape& s) { return tg::full(s, 0.5, tg::kFloat64); }

/// A NaN first operand under anomaly mode: the message names the primitive that made the
/// NaN (`op`; "*": some primitive, which one depends on evaluation order).
BadInput nan_operand(const tg::DifferentiableFn& fn, const std::string& op);

void add_elementwise(std::vector<OpEntry>& t);
void add_reductions(std::vector<OpEntry>& t);
void add_shape_ops(std::vector<OpEntry>& t);
void add_linalg(std::vector<OpEntry>& t);
void add_losses(std::vector<OpEntry>& t);
void add_conversion(std::vector<OpEntry>& t);

}  // namespace tgtest::entries

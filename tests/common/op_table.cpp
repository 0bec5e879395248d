// The op table (see op_table.hpp): error kinds, inputs, and the table assembled from its
// per-family files in op_table/. Inputs stay away from every kink (0 for relu/abs/...,
// ±0.5 for clamp, equal operands for minimum/maximum) by far more than the
// finite-difference step, and are positive where the op needs it.
#include "op_table.hpp"

#include <cctype>
#include <cmath>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "op_table/entries.hpp"

namespace tgtest {

const char* kind_name(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::Shape:
      return "ShapeError";
    case ErrorKind::Dtype:
      return "DtypeError";
    case ErrorKind::Value:
      return "ValueError";
    case ErrorKind::Graph:
      return "GraphError";
    case ErrorKind::Anomaly:
      return "AnomalyError";
    case ErrorKind::Any:
      return "Error";
  }
  return "?";
}

bool is_kind(const tg::Error& e, ErrorKind kind) {
  switch (kind) {
    case ErrorKind::Shape:
      return dynamic_cast<const tg::ShapeError*>(&e) != nullptr;
    case ErrorKind::Dtype:
      return dynamic_cast<const tg::DtypeError*>(&e) != nullptr;
    case ErrorKind::Value:
      return dynamic_cast<const tg::ValueError*>(&e) != nullptr;
    case ErrorKind::Graph:
      return dynamic_cast<const tg::GraphError*>(&e) != nullptr;
    case ErrorKind::Anomaly:
      return dynamic_cast<const tg::AnomalyError*>(&e) != nullptr;
    case ErrorKind::Any:
      return true;
  }
  return false;
}

std::string label_of(const std::string& op, const std::string& what) {
  std::string s = op + "_" + what;
  for (char& ch : s)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return s;
}

tg::TensorList make_inputs(const Sample& s) {
  tg::TensorList out;
  for (const Input& in : s.inputs) {
    if (!in.values.empty()) {
      out.push_back(tg::from_vector(in.values, in.shape, tg::kFloat64).requires_grad_());
    } else {
      tg::Generator gen(in.seed);
      out.push_back(tg::rand(in.shape, gen, tg::kFloat64, in.lo, in.hi).requires_grad_());
    }
  }
  return out;
}

namespace entries {

/// A NaN first operand under anomaly mode: the message names the primitive that made the
/// NaN (`op`; "*": some primitive, which one depends on evaluation order).
BadInput nan_operand(const tg::DifferentiableFn& fn, const std::string& op) {
  return {"nan_operand_in_anomaly_mode",
          K::Anomaly,
          {op == "*" ? std::string("op '") : fmt::format("'{}'", op), "NaN"},
          [fn] {
            fn({tg::full({3, 3}, NAN).requires_grad_(), f32({3, 3}).requires_grad_()});
          },
          true};
}

}  // namespace entries

namespace {

using namespace entries;

/// A unary op's non-finite output at `non_finite_at` under anomaly mode: the message names
/// the primitive and the shape.
void add_non_finite_output_cases(std::vector<OpEntry>& t) {
  for (auto& e : t)
    if (e.non_finite_at) {
      const double v = *e.non_finite_at;
      const tg::DifferentiableFn fn = e.fn;
      const std::string quoted = fmt::format("'{}'", e.anomaly_name());
      e.bad.push_back({"non_finite_output_in_anomaly_mode",
                       K::Anomaly,
                       {quoted, "[2, 3]"},
                       [fn, v] {
                         fn({tg::full({2, 3}, v).requires_grad_()});
                       },
                       true});
    }
}

std::vector<OpEntry> build() {
  std::vector<OpEntry> t;
  add_elementwise(t);
  add_reductions(t);
  add_shape_ops(t);
  add_linalg(t);
  add_losses(t);
  add_conversion(t);
  add_non_finite_output_cases(t);
  return t;
}

}  // namespace

const std::vector<OpEntry>& op_table() {
  static const std::vector<OpEntry> table = build();
  return table;
}

}  // namespace tgtest

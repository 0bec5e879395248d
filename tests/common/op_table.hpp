// The op table: one entry per public op of autograd/include/tapegrad/autograd/ops/*.hpp, in
// the spirit of PyTorch's OpInfo and Stan's expect_ad. Every check that is the same for
// every op reads its inputs from here, so an op is described once:
//
//   tests/autograd/test_op_table.cpp   values against the reference (float64 and float32),
//                                      gradcheck + gradgradcheck of every sample, third
//                                      order on smooth ops, no graph without requires_grad,
//                                      bad inputs, and the coverage of every recorded name;
//   tests/reliability/test_bad_input_sweep.cpp   the anomaly / NaN / empty-input sweep.
//
// The entries live in tests/common/op_table/<stem>.cpp, one file per header of ops/ (a
// new op goes beside its family). A new kind of check (forward mode, say) is one more
// TEST_P over `op_table()` in test_op_table.cpp.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "tapegrad/autograd.hpp"

namespace tgtest {

/// The tg::Error subclass a bad input must raise.
enum class ErrorKind { Shape, Dtype, Value, Graph, Anomaly, Any };

const char* kind_name(ErrorKind kind);
bool is_kind(const tg::Error& e, ErrorKind kind);

/// A call that must throw `expected` with a message holding every string of `mentions`
/// (the op's name and the offending shapes, dtypes or argument).
struct BadInput {
  std::string what;  ///< [A-Za-z0-9_], unique within its entry
  ErrorKind expected;
  std::vector<std::string> mentions;
  std::function<void()> call;
  bool anomaly = false;  ///< run under tg::DetectAnomalyGuard
};

/// One float64 input of a sample: `values` if given, else uniform in [lo, hi) from `seed`.
struct Input {
  tg::Shape shape;
  uint64_t seed = 1;
  double lo = -1, hi = 1;
  std::vector<double> values = {};
};

/// One call of the op: its inputs and, when the entry's function needs arguments that vary
/// (axes, keepdim, a target shape), the call with those bound.
struct Sample {
  std::string label;  ///< [A-Za-z0-9_], unique within its entry
  std::vector<Input> inputs;
  tg::DifferentiableFn fn = {};  ///< empty: the entry's `fn`
};

/// The op's value at one element in double, from the elements of the (broadcast) inputs
/// at that position.
using Reference = std::function<double(const std::vector<double>&)>;

struct OpEntry {
  std::string label;  ///< unique test name, [A-Za-z0-9_]
  /// The op's name: as recorded on the tape for a primitive (record("...") and kNames in
  /// autograd/src/ops/*.cpp), the public name its error messages use for a composite.
  std::string name;
  tg::DifferentiableFn fn = {};
  std::vector<Sample> samples = {};
  /// Elementwise reference, applied with NumPy broadcasting; empty for ops whose values
  /// are checked in their own test file (reductions, shape ops, linalg, losses).
  Reference reference = {};
  double f64_atol = 1e-14, f64_rtol = 1e-12;  ///< tolerances against the reference
  double f32_atol = 1e-6, f32_rtol = 1e-5;
  bool differentiable = true;  ///< false: records nothing (comparisons, sign)
  bool smooth = false;         ///< C^3 on its samples: third-order check
  bool broadcasts = false;     ///< binary with NumPy broadcasting
  tg::GradcheckOptions options = {};
  std::vector<BadInput> bad = {};
  /// An input value at which a unary op's output is NaN or Inf (the anomaly sweep).
  std::optional<double> non_finite_at = std::nullopt;
  /// The primitive anomaly mode names when the output turns non-finite: nullopt is
  /// `name`; "" none (a mask, or `where`, which does not select the NaN lane); "*" a
  /// composite whose first NaN-producing primitive depends on evaluation order.
  std::optional<std::string> anomaly_op = std::nullopt;
  /// Reductions: the op over the given axes (keepdim false; softmax-like ops take the first
  /// axis), which the sweep feeds NaN and empty inputs; and whether an empty axis has a
  /// value (sum-like) rather than being an error (max-like).
  std::function<tg::Tensor(const tg::Tensor&, const tg::Axes&)> over_axes = {};
  bool empty_ok = true;

  const tg::DifferentiableFn& fn_of(const Sample& s) const { return s.fn ? s.fn : fn; }
  std::string anomaly_name() const { return anomaly_op ? *anomaly_op : name; }
};

/// Every entry, built once.
const std::vector<OpEntry>& op_table();

/// The sample's inputs as fresh float64 leaves that require grad.
tg::TensorList make_inputs(const Sample& s);

/// label_of("add", "shapes do not fit") == "add_shapes_do_not_fit".
std::string label_of(const std::string& op, const std::string& what);

}  // namespace tgtest

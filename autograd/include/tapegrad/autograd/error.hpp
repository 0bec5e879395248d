// tapegrad errors: every user mistake becomes one of these, never undefined behaviour.
// Messages name the op, the shapes involved and what was expected.
#pragma once
#include <stdexcept>
#include <string>

namespace tg {

/// Base class of every exception tapegrad throws on bad input.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
/// Operand shapes that do not fit the op (broadcasting, matmul, reshape, ...).
class ShapeError : public Error {
 public:
  using Error::Error;
};
/// Wrong or mixed dtypes (mixing float32 and float64 needs an explicit `.to()`).
class DtypeError : public Error {
 public:
  using Error::Error;
};
/// An argument out of its documented range (negative axis beyond rank, k = 0, ...).
class ValueError : public Error {
 public:
  using Error::Error;
};
/// Misuse of the graph: backward twice without retain_graph, grad of an input that
/// does not require grad, a once-differentiable rule under create_graph, ...
class GraphError : public Error {
 public:
  using Error::Error;
};
/// Raised in anomaly mode by the first op that produced NaN or Inf.
class AnomalyError : public Error {
 public:
  using Error::Error;
};
/// An allocation that cannot be served: a tensor, a GEMM packing buffer or the tape's
/// bookkeeping. The message names the op, the shape and the bytes asked for. Nothing is
/// leaked and the process stays usable (tests/reliability/test_allocation.cpp).
class MemoryError : public Error {
 public:
  using Error::Error;
};
/// Missing, truncated or corrupt files (datasets, checkpoints).
class IoError : public Error {
 public:
  using Error::Error;
};

namespace detail {
/// For "a tensor does not match another" errors: DtypeError if the dtypes differ (the
/// more specific mistake), ShapeError otherwise, with the same message.
[[noreturn]] inline void throw_mismatch(bool dtype_differs, const std::string& message) {
  if (dtype_differs) throw DtypeError(message);
  throw ShapeError(message);
}
}  // namespace detail

}  // namespace tg

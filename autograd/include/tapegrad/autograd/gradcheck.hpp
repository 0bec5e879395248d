// Finite-difference checks of backward rules, in float64.
//
// gradcheck compares the Jacobian the engine computes with central differences, element
// by element, and also <u, J v> for random u, v (which catches rules that are right
// only on the entries tried). gradgradcheck does the same for the function
// x -> d<u, f(x)>/dx computed with create_graph, i.e. it checks second derivatives.
#pragma once
#include <functional>
#include <string>

#include "tapegrad/autograd/tensor.hpp"

namespace tg {

using TensorList = std::vector<Tensor>;
using DifferentiableFn = std::function<Tensor(const TensorList&)>;

struct GradcheckOptions {
  double eps = 1e-6;
  double atol = 1e-6;
  double rtol = 1e-4;
  int projections = 3;  ///< random <u, J v> checks
  uint64_t seed = 1234;
  /// Perturb the inputs' own values (restored after each evaluation) instead of fresh
  /// copies: for an f that reads the inputs from elsewhere, such as a module's parameters,
  /// and ignores its argument.
  bool in_place = false;
};

struct GradcheckResult {
  bool ok = true;
  std::string message;  ///< the first mismatch, with indices and both values
  explicit operator bool() const { return ok; }
};

GradcheckResult gradcheck(const DifferentiableFn& f, const TensorList& inputs,
                          const GradcheckOptions& options = {});
GradcheckResult gradgradcheck(const DifferentiableFn& f, const TensorList& inputs,
                              const GradcheckOptions& options = {});

/// x -> flatten(d<u, f(x)>/dx) with a fixed random u, recorded with create_graph: the
/// function gradgradcheck checks. Compose it for higher orders.
DifferentiableFn vjp_fn(const DifferentiableFn& f, uint64_t seed);

}  // namespace tg

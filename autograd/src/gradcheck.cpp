#include "tapegrad/autograd/gradcheck.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "tapegrad/autograd/engine.hpp"
#include "tapegrad/autograd/error.hpp"
#include "tapegrad/autograd/grad_mode.hpp"
#include "tapegrad/autograd/ops/elementwise.hpp"
#include "tapegrad/autograd/ops/factory.hpp"
#include "tapegrad/autograd/ops/reduction.hpp"
#include "tapegrad/autograd/ops/shape_ops.hpp"
#include "tapegrad/autograd/random.hpp"

namespace tg {
namespace {

void check_inputs(const TensorList& inputs) {
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].dtype() != kFloat64)
      throw DtypeError(fmt::format("gradcheck: input {} is {}; finite differences need float64", i,
                                   name(inputs[i].dtype())));
    if (!inputs[i].requires_grad())
      throw GraphError(fmt::format("gradcheck: input {} does not require grad", i));
  }
}

/// Fresh leaves with the values of `inputs` (f may itself call grad, as vjp_fn does, so
/// the copies require grad and f runs with grad mode on).
TensorList fresh_leaves(const TensorList& inputs) {
  TensorList out;
  for (const auto& x : inputs) out.push_back(x.detach().clone().requires_grad_());
  return out;
}

/// f at inputs moved by `move` (which edits raw values): on fresh copies, or with
/// in_place on the inputs themselves, put back bit for bit afterwards (through the raw
/// values, so graphs that saved the inputs stay valid).
template <class Move>
Tensor eval_moved(const DifferentiableFn& f, const TensorList& inputs, const GradcheckOptions& o,
                  Move&& move) {
  if (!o.in_place) {
    TensorList moved = fresh_leaves(inputs);
    move(moved);
    return f(moved);
  }
  TensorList same = inputs;  // handles on the inputs' own values
  std::vector<std::vector<double>> kept;
  for (const auto& x : same) kept.push_back(x.to_vector<double>());
  move(same);
  Tensor out = f(same).detach().clone();
  for (size_t k = 0; k < same.size(); ++k)
    std::copy(kept[k].begin(), kept[k].end(), same[k].data<double>());
  return out;
}

/// f(inputs) with input k's element j shifted by delta.
std::vector<double> eval_shifted(const DifferentiableFn& f, const TensorList& inputs, size_t k,
                                 int64_t j, double delta, const GradcheckOptions& o) {
  return eval_moved(f, inputs, o, [&](TensorList& xs) { xs[k].data<double>()[j] += delta; })
      .to_vector<double>();
}

bool close(double analytic, double numeric, const GradcheckOptions& o) {
  return std::abs(analytic - numeric) <= o.atol + o.rtol * std::abs(numeric);
}

/// Element-by-element Jacobian comparison.
GradcheckResult check_jacobian(const DifferentiableFn& f, const TensorList& inputs,
                               const GradcheckOptions& o) {
  Tensor out = f(inputs);
  const int64_t m = out.numel();
  if (!out.requires_grad()) {
    // Nothing is differentiable: the Jacobian must be zero.
    for (size_t k = 0; k < inputs.size(); ++k)
      for (int64_t j = 0; j < inputs[k].numel(); ++j) {
        auto plus = eval_shifted(f, inputs, k, j, o.eps, o),
             minus = eval_shifted(f, inputs, k, j, -o.eps, o);
        for (int64_t r = 0; r < m; ++r) {
          const double num =
              (plus[static_cast<size_t>(r)] - minus[static_cast<size_t>(r)]) / (2 * o.eps);
          if (!close(0, num, o))
            return {false,
                    fmt::format("output does not require grad, but d out[{}] / d input{}[{}] "
                                "is {} numerically",
                                r, k, j, num)};
        }
      }
    return {};
  }
  // Analytic rows: one grad call per output element, with a one-hot cotangent.
  std::vector<TensorList> rows;
  for (int64_t r = 0; r < m; ++r) {
    Tensor onehot = zeros_like(out);
    onehot.data<double>()[r] = 1;
    rows.push_back(grad({out}, inputs,
                        {.grad_outputs = {onehot}, .retain_graph = true, .allow_unused = true}));
  }
  for (size_t k = 0; k < inputs.size(); ++k)
    for (int64_t j = 0; j < inputs[k].numel(); ++j) {
      auto plus = eval_shifted(f, inputs, k, j, o.eps, o),
           minus = eval_shifted(f, inputs, k, j, -o.eps, o);
      for (int64_t r = 0; r < m; ++r) {
        const double num =
            (plus[static_cast<size_t>(r)] - minus[static_cast<size_t>(r)]) / (2 * o.eps);
        const Tensor& g = rows[static_cast<size_t>(r)][k];
        const double ana = g.defined() ? g.data<double>()[j] : 0.0;
        if (!close(ana, num, o))
          return {false, fmt::format("Jacobian mismatch: d out[{}] / d input{}[{}] (input shape "
                                     "{}): analytic {:.10g}, numeric {:.10g}",
                                     r, k, j, inputs[k].shape().str(), ana, num)};
      }
    }
  return {};
}

/// <u, J v> against (<u, f(x + εv)> − <u, f(x − εv)>) / 2ε for random u, v.
GradcheckResult check_projections(const DifferentiableFn& f, const TensorList& inputs,
                                  const GradcheckOptions& o) {
  Generator gen(o.seed);
  Tensor out = f(inputs);
  if (!out.requires_grad()) return {};
  for (int p = 0; p < o.projections; ++p) {
    Tensor u = randn(out.shape(), gen, kFloat64);
    TensorList v;
    for (const auto& x : inputs) v.push_back(randn(x.shape(), gen, kFloat64));
    TensorList g =
        grad({out}, inputs, {.grad_outputs = {u}, .retain_graph = true, .allow_unused = true});
    double analytic = 0;
    for (size_t k = 0; k < inputs.size(); ++k)
      if (g[k].defined()) analytic += sum(g[k] * v[k]).item<double>();
    auto along = [&](double s) {
      Tensor moved = eval_moved(f, inputs, o, [&](TensorList& xs) {
        for (size_t k = 0; k < xs.size(); ++k) {
          double* x = xs[k].data<double>();
          const double* d = v[k].data<double>();
          for (int64_t i = 0; i < xs[k].numel(); ++i) x[i] += d[i] * s;
        }
      });
      return sum(moved * u).item<double>();
    };
    const double numeric = (along(o.eps) - along(-o.eps)) / (2 * o.eps);
    if (!close(analytic, numeric, o))
      return {false,
              fmt::format("projection {} mismatch: <u, J v> analytic {:.10g}, numeric {:.10g}", p,
                          analytic, numeric)};
  }
  return {};
}

}  // namespace

GradcheckResult gradcheck(const DifferentiableFn& f, const TensorList& inputs,
                          const GradcheckOptions& options) {
  check_inputs(inputs);
  GradcheckResult r = check_jacobian(f, inputs, options);
  if (!r) return r;
  return check_projections(f, inputs, options);
}

DifferentiableFn vjp_fn(const DifferentiableFn& f, uint64_t seed) {
  return [f, seed](const TensorList& xs) {
    Tensor out = f(xs);
    Generator gen(seed);
    Tensor u = randn(out.shape(), gen, out.dtype());
    if (!out.requires_grad()) return zeros({0}, kFloat64);
    TensorList g =
        grad({out}, xs, {.grad_outputs = {u}, .create_graph = true, .allow_unused = true});
    TensorList flat;
    for (size_t k = 0; k < xs.size(); ++k)
      flat.push_back(g[k].defined() ? flatten(g[k]) : zeros({xs[k].numel()}, kFloat64));
    return cat(flat);
  };
}

GradcheckResult gradgradcheck(const DifferentiableFn& f, const TensorList& inputs,
                              const GradcheckOptions& options) {
  check_inputs(inputs);
  GradcheckResult r = gradcheck(vjp_fn(f, options.seed + 1), inputs, options);
  if (!r) r.message = "second order: " + r.message;
  return r;
}

}  // namespace tg

// Extreme values against PyTorch: every elementwise op at ±0, subnormals, ±1e±30, the
// largest finite values, ±inf and NaN, and every binary op and reduction at every pair of
// them, forward and backward, float32 and float64, compared with torch 1.13's results
// (reference/extreme_values.inc, written by reference/extreme_values.py; no PyTorch is
// needed here).
//
// A result agrees when it is NaN where PyTorch's is NaN, the same infinity where PyTorch's
// is infinite, and otherwise finite and within 8 ulps of PyTorch's (relative 8·eps; two
// correct implementations of the same function differ by a few ulps) or within the
// smallest normal number (a subnormal result flushed to zero agrees). Gradients at a NaN
// input are not compared: the derivative there means nothing, and PyTorch's are 0 or 1 as
// each kernel happens to select.
//
// deviations() lists every known difference, each with its reason; every other row must
// agree, and every listed deviation must still occur (a fixed one is taken off the list).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "tapegrad/autograd.hpp"

namespace {

struct Row {
  const char* op;
  bool float64;
  double in[2];
  double out[1];
  double grad[2];
};

// The table's names for the non-finite values.
constexpr double INF = std::numeric_limits<double>::infinity();
constexpr double NAN_ = std::numeric_limits<double>::quiet_NaN();
constexpr Row kTable[] = {
#include "reference/extreme_values.inc"
};

using Fn = std::function<tg::Tensor(const tg::TensorList&)>;

/// The ops of the table, with the arity each takes: 1 (elementwise, a [1] tensor), 2
/// (binary, two [1] tensors) or 0 (a reduction of one [2] tensor).
struct Op {
  int arity;
  Fn f;
};

std::map<std::string, Op> ops() {
  auto u = [](tg::Tensor (*f)(const tg::Tensor&)) {
    return Op{1, [f](const tg::TensorList& x) { return f(x[0]); }};
  };
  auto b = [](tg::Tensor (*f)(const tg::Tensor&, const tg::Tensor&)) {
    return Op{2, [f](const tg::TensorList& x) { return f(x[0], x[1]); }};
  };
  auto r = [](std::function<tg::Tensor(const tg::Tensor&)> f) {
    return Op{0, [f](const tg::TensorList& x) { return f(x[0]); }};
  };
  return {
      {"neg", u(tg::neg)},
      {"exp", u(tg::exp)},
      {"log", u(tg::log)},
      {"log1p", u(tg::log1p)},
      {"expm1", u(tg::expm1)},
      {"sqrt", u(tg::sqrt)},
      {"rsqrt", u(tg::rsqrt)},
      {"abs", u(tg::abs)},
      {"sign", u(tg::sign)},
      {"square", u(tg::square)},
      {"sin", u(tg::sin)},
      {"cos", u(tg::cos)},
      {"tanh", u(tg::tanh)},
      {"sigmoid", u(tg::sigmoid)},
      {"log_sigmoid", u(tg::log_sigmoid)},
      {"softplus", u(tg::softplus)},
      {"relu", u(tg::relu)},
      {"leaky_relu", Op{1, [](const tg::TensorList& x) { return tg::leaky_relu(x[0], 0.01); }}},
      {"elu", Op{1, [](const tg::TensorList& x) { return tg::elu(x[0], 1.0); }}},
      {"silu", u(tg::silu)},
      // The reference table is PyTorch's tanh form (extreme_values.py).
      {"gelu",
       Op{1, [](const tg::TensorList& x) { return tg::gelu(x[0], tg::GeluApproximate::Tanh); }}},
      {"clamp", Op{1, [](const tg::TensorList& x) { return tg::clamp(x[0], -1, 1); }}},
      {"pow_3", Op{1, [](const tg::TensorList& x) { return tg::pow(x[0], 3.0); }}},
      {"pow_0.5", Op{1, [](const tg::TensorList& x) { return tg::pow(x[0], 0.5); }}},
      {"add", b(tg::add)},
      {"sub", b(tg::sub)},
      {"mul", b(tg::mul)},
      {"div", b(tg::div)},
      {"pow", b(tg::pow)},
      {"minimum", b(tg::minimum)},
      {"maximum", b(tg::maximum)},
      {"sum", r([](const tg::Tensor& x) { return tg::sum(x); })},
      {"mean", r([](const tg::Tensor& x) { return tg::mean(x); })},
      {"max", r([](const tg::Tensor& x) { return tg::max(x); })},
      {"min", r([](const tg::Tensor& x) { return tg::min(x); })},
      {"var", r([](const tg::Tensor& x) { return tg::var(x); })},
      {"std", r([](const tg::Tensor& x) { return tg::std(x); })},
      {"logsumexp", r([](const tg::Tensor& x) { return tg::logsumexp(x); })},
      {"norm", r([](const tg::Tensor& x) { return tg::norm(x); })},
  };
}

bool agrees(double got, double want, bool float64) {
  if (std::isnan(want)) return std::isnan(got);
  if (std::isinf(want)) return got == want;
  if (!std::isfinite(got)) return false;
  const double eps =
      float64 ? std::numeric_limits<double>::epsilon() : std::numeric_limits<float>::epsilon();
  const double tiny =
      float64 ? std::numeric_limits<double>::min() : std::numeric_limits<float>::min();
  return std::abs(got - want) <= 8 * eps * std::abs(want) + tiny;
}

std::string show(double v) { return fmt::format("{:g}", v); }

/// Runs one row; returns "" if it agrees, else what differs.
std::string check(const Row& row, const Op& op) {
  const tg::Dtype dtype = row.float64 ? tg::kFloat64 : tg::kFloat32;
  tg::TensorList inputs;
  if (op.arity == 0) {
    inputs.push_back(tg::from_vector(std::vector<double>{row.in[0], row.in[1]}, {2}, dtype));
  } else {
    for (int i = 0; i < op.arity; ++i)
      inputs.push_back(tg::from_vector(std::vector<double>{row.in[i]}, {1}, dtype));
  }
  for (auto& t : inputs) t.requires_grad_();
  const tg::Tensor y = op.f(inputs);
  // sign records no node (its gradient is zero everywhere): no gradients to ask for.
  const tg::TensorList grads = y.requires_grad()
                                   ? tg::grad({tg::sum(y)}, inputs, {.allow_unused = true})
                                   : tg::TensorList(inputs.size());
  std::vector<double> got_grads;
  for (const auto& g : grads)
    for (double v : g.defined() ? g.to_vector<double>() : std::vector<double>{0.0})
      got_grads.push_back(v);
  std::string why;
  const double out = y.to_vector<double>()[0];
  if (!agrees(out, row.out[0], row.float64))
    why += fmt::format(" forward {} (torch {})", show(out), show(row.out[0]));
  const bool nan_input = std::isnan(row.in[0]) || (op.arity != 1 && std::isnan(row.in[1]));
  for (std::size_t i = 0; i < got_grads.size() && !nan_input; ++i)
    if (!agrees(got_grads[i], row.grad[i], row.float64))
      why += fmt::format(" grad[{}] {} (torch {})", i, show(got_grads[i]), show(row.grad[i]));
  return why;
}

bool finite(double v) { return std::isfinite(v); }

/// The square of |a − b| leaves the dtype's normal range, the sum a + b overflows, or an
/// input is infinite.
bool moments_out_of_range(const Row& r) {
  const double spread = std::abs(r.in[0] - r.in[1]);
  const double max =
      r.float64 ? std::numeric_limits<double>::max() : std::numeric_limits<float>::max();
  const double min =
      r.float64 ? std::numeric_limits<double>::min() : std::numeric_limits<float>::min();
  return !finite(r.in[0]) || !finite(r.in[1]) || !(spread < std::sqrt(max) / 2) ||
         (spread > 0 && spread < 2 * std::sqrt(min)) || !(std::abs(r.in[0] + r.in[1]) <= max);
}

struct Deviation {
  const char* op;
  std::function<bool(const Row&)> applies;
  const char* reason;
};

const std::vector<Deviation>& deviations() {
  static const std::vector<Deviation> list = {
      {"var", moments_out_of_range,
       "tapegrad forms the sum of (x - mean)^2 directly, so it overflows or underflows when "
       "the spread's square leaves the normal range or the sum overflows, and (inf - inf) "
       "makes the gradient NaN where PyTorch gives +-inf"},
      {"std", moments_out_of_range, "as var; PyTorch's std also rescales, so 7e29 stays finite"},
      {"pow", [](const Row& r) { return r.in[0] == 0 && r.in[1] < 0; },
       "d/db = a^b log a at a = 0, b < 0 is inf * -inf = -inf in PyTorch; tapegrad's rule "
       "takes it as 0 wherever a = 0 (so that its double backward stays finite)"},
      {"logsumexp", [](const Row& r) { return r.in[0] == r.in[1] && finite(r.in[0]); },
       "PyTorch is wrong: for two equal values of magnitude >= 1e30 its gradient "
       "exp(x - lse) rounds to 1 for each (summing to 2); tapegrad gives the true 0.5"},
      {"log1p", [](const Row& r) { return r.in[0] > 1e300 || (!r.float64 && r.in[0] > 1e38); },
       "PyTorch is wrong: its log1p overflows to inf at the largest finite value; the true "
       "value, 88.72 (float32) or 709.78 (float64), is what tapegrad gives"},
      {"elu", [](const Row& r) { return r.in[0] == -1e-30 || r.in[0] == double(-1e-30f); },
       "PyTorch is wrong: it computes exp(x) - 1 = 0 at -1e-30; tapegrad's expm1 gives -1e-30"},
      {"pow_0.5", [](const Row& r) { return r.in[0] == 0 || r.in[0] == -INF; },
       "tapegrad follows C's pow: pow(-inf, 0.5) = +inf and 0.5 * pow(-0, -0.5) = +inf; "
       "PyTorch gives NaN and -inf"},
  };
  return list;
}

TEST(ExtremeValues, EveryOpAgreesWithPyTorchAtEveryExtremeValueOrIsAListedDeviation) {
  const auto table = ops();
  std::vector<int> deviating(deviations().size(), 0);
  int mismatches = 0;
  for (const Row& row : kTable) {
    const auto it = table.find(row.op);
    ASSERT_NE(it, table.end()) << "the table has op " << row.op << " that the test lacks";
    const std::string why = check(row, it->second);
    if (why.empty()) continue;
    ++mismatches;
    bool listed = false;
    for (std::size_t d = 0; d < deviations().size() && !listed; ++d)
      if (deviations()[d].op == std::string(row.op) && deviations()[d].applies(row)) {
        ++deviating[d];
        listed = true;
      }
    if (!listed)
      ADD_FAILURE() << row.op << (row.float64 ? " float64" : " float32") << " at ("
                    << show(row.in[0]) << (it->second.arity == 1 ? "" : ", " + show(row.in[1]))
                    << "):" << why;
  }
  std::printf("[ extreme values ] %zu rows, %d differ from PyTorch:\n", std::size(kTable),
              mismatches);
  for (std::size_t d = 0; d < deviations().size(); ++d) {
    std::printf("  %4d %s: %s\n", deviating[d], deviations()[d].op, deviations()[d].reason);
    EXPECT_GT(deviating[d], 0) << deviations()[d].op << ": no longer deviates; take it off";
  }
}

}  // namespace

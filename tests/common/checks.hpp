// The test toolkit's core, shared by every layer's tests (namespace tgtest, like the rest
// of tests/common/):
//
//   EXPECT_TRUE(grad_ok(f, {x, y}));          // gradcheck and gradgradcheck, float64
//   EXPECT_TRUE(third_order_ok(f, {x}));       // gradcheck of vjp(vjp(f))
//   EXPECT_TRUE(throws<tg::ShapeError>([&] { tg::add(a, b); }, {"add", "[2, 3]", "[4]"}));
//   EXPECT_TRUE(values_near(t, {1, 2, 3}, 1e-6));
//   std::string msg = error_message<tg::IoError>([&] { tg::nn::load(m, path); });
#pragma once
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "tapegrad/autograd.hpp"

namespace tgtest {

/// A float64 leaf that requires grad.
inline tg::Tensor leaf(const std::vector<double>& values, const tg::Shape& shape) {
  return tg::from_vector(values, shape, tg::kFloat64).requires_grad_();
}

/// A float64 leaf with values uniform in [lo, hi), from a fixed seed.
inline tg::Tensor rleaf(const tg::Shape& shape, uint64_t seed, double lo = -1, double hi = 1) {
  tg::Generator gen(seed);
  return tg::rand(shape, gen, tg::kFloat64, lo, hi).requires_grad_();
}

/// Runs tg::gradcheck and tg::gradgradcheck; fails with the first mismatch's message.
inline ::testing::AssertionResult grad_ok(const tg::DifferentiableFn& f,
                                          const tg::TensorList& inputs,
                                          const tg::GradcheckOptions& options = {}) {
  const tg::GradcheckResult first = tg::gradcheck(f, inputs, options);
  if (!first) return ::testing::AssertionFailure() << "gradcheck: " << first.message;
  const tg::GradcheckResult second = tg::gradgradcheck(f, inputs, options);
  if (!second) return ::testing::AssertionFailure() << "gradgradcheck: " << second.message;
  return ::testing::AssertionSuccess();
}

/// Third order: gradcheck of x -> d<u2, d<u1, f>/dx>/dx.
inline ::testing::AssertionResult third_order_ok(const tg::DifferentiableFn& f,
                                                 const tg::TensorList& inputs) {
  const tg::GradcheckResult r = tg::gradcheck(tg::vjp_fn(tg::vjp_fn(f, 11), 12), inputs);
  if (!r) return ::testing::AssertionFailure() << "third order: " << r.message;
  return ::testing::AssertionSuccess();
}

/// Calls `body`, which must throw exactly an `E` (or a subclass) whose what() holds every
/// string in `needles` (the op name and the shapes, typically).
template <class E, class Body>
::testing::AssertionResult throws(Body&& body, const std::vector<std::string>& needles) {
  try {
    body();
  } catch (const E& e) {
    const std::string what = e.what();
    for (const auto& n : needles)
      if (what.find(n) == std::string::npos)
        return ::testing::AssertionFailure()
               << "message \"" << what << "\" does not contain \"" << n << "\"";
    return ::testing::AssertionSuccess();
  } catch (const std::exception& e) {
    return ::testing::AssertionFailure() << "threw the wrong type: " << e.what();
  }
  return ::testing::AssertionFailure() << "did not throw";
}

/// Calls `body`, which must throw an `E` (or a subclass), and returns its message; records
/// a test failure and returns "" if it throws nothing or something else.
template <class E, class Body>
std::string error_message(Body&& body) {
  try {
    body();
  } catch (const E& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "threw the wrong type: " << e.what();
    return "";
  }
  ADD_FAILURE() << "did not throw";
  return "";
}

/// Every value of `t` (any dtype) within atol + rtol·|expected| of `expected`, and the
/// same count. NaN never matches.
inline ::testing::AssertionResult values_near(const tg::Tensor& t,
                                              const std::vector<double>& expected,
                                              double atol = 1e-12, double rtol = 0) {
  const std::vector<double> got = t.to_vector<double>();
  if (got.size() != expected.size())
    return ::testing::AssertionFailure()
           << "got " << got.size() << " values, expected " << expected.size();
  for (size_t i = 0; i < got.size(); ++i)
    if (!(std::abs(got[i] - expected[i]) <= atol + rtol * std::abs(expected[i])))
      return ::testing::AssertionFailure()
             << "value " << i << ": got " << got[i] << ", expected " << expected[i];
  return ::testing::AssertionSuccess();
}

/// Shape equality with a readable failure.
inline ::testing::AssertionResult shape_is(const tg::Tensor& t, const tg::Shape& s) {
  if (t.shape() == s) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "shape " << t.shape().str() << ", expected " << s.str();
}

/// Tolerance for comparing a float32 result with a float64 reference.
inline constexpr double kF32Tol = 1e-5;

}  // namespace tgtest

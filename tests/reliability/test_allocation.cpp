// Allocation failures (Note [Allocation limit] in autograd/src/allocation.hpp): a request
// that cannot be served raises tg::MemoryError naming the op, the shape and the bytes;
// nothing leaks, and training carries on afterwards exactly as if it had not happened.
// Requests too large for the machine are refused by size; a real out-of-memory (the
// allocator returning null) is simulated for each allocation of an op in turn by the test
// hook of Note [Allocation fault injection].
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "../../autograd/src/allocation.hpp"
#include "checks.hpp"
#include "gan_loop.hpp"
#include "tapegrad/autograd.hpp"

namespace {

using tgtest::throws;

constexpr int64_t kHuge = int64_t{1} << 40;  // 2^40 float32 = 4 TiB, beyond any test machine

TEST(Allocation, AHugeTensorRaisesMemoryErrorNamingOpShapeAndBytes) {
  EXPECT_TRUE(throws<tg::MemoryError>(
      [] { tg::zeros({kHuge}); },
      {"zeros", "float32", "[1099511627776]", "4398046511104 bytes", "physical memory"}));
  EXPECT_TRUE(throws<tg::MemoryError>(
      [] {
        tg::ones({kHuge, 2}, tg::kFloat64);
      },
      {"ones", "float64", "[1099511627776, 2]", "17592186044416"}));
  EXPECT_TRUE(throws<tg::MemoryError>([] { tg::full({kHuge}, 3.0); }, {"full"}));
  EXPECT_TRUE(throws<tg::MemoryError>([] { tg::empty({kHuge}); }, {"empty"}));
  EXPECT_TRUE(throws<tg::MemoryError>([] { tg::eye(int64_t{1} << 20); },
                                      {"eye", "[1048576, 1048576]", "4398046511104 bytes"}));
  EXPECT_TRUE(throws<tg::MemoryError>([] { tg::arange(kHuge); }, {"arange"}));
  tg::Generator gen(0);
  EXPECT_TRUE(throws<tg::MemoryError>([&] { tg::randn({kHuge}, gen); }, {"randn"}));
  EXPECT_TRUE(throws<tg::MemoryError>([&] { tg::rand({kHuge}, gen); }, {"rand"}));
}

TEST(Allocation, ASizeThatOverflowsSixtyFourBitsIsAMemoryErrorNotAWrappedSmallBlock) {
  // 2^62 elements fit int64, but 2^62 float32 are 2^64 bytes.
  constexpr int64_t k31 = int64_t{1} << 31;
  EXPECT_TRUE(throws<tg::MemoryError>(
      [] {
        tg::zeros({k31, k31});
      },
      {"zeros", "over 2^64", "[2147483648, 2147483648]"}));
  // An element count that itself overflows is a ShapeError (the sweep's
  // shape_element_count_overflows), and huge extents beside a zero are an empty tensor.
  EXPECT_THROW(tg::zeros({kHuge, kHuge, kHuge}), tg::ShapeError);
  EXPECT_EQ(tg::zeros({kHuge, 0, kHuge}).numel(), 0);
}

TEST(Allocation, AnOpWhoseOutputIsTooLargeNamesItselfAndTheOutputShape) {
  // Small inputs whose result would be 4 TiB.
  const tg::Tensor column = tg::zeros({int64_t{1} << 20, 1}),
                   row = tg::zeros({1, int64_t{1} << 20});
  const std::vector<std::string> out = {"float32 tensor of shape [1048576, 1048576]",
                                        "4398046511104 bytes"};
  auto with = [&](const char* op) {
    std::vector<std::string> needles = out;
    needles.insert(needles.begin(), std::string(op) + ": ");
    return needles;
  };
  EXPECT_TRUE(throws<tg::MemoryError>([&] { tg::add(column, row); }, with("add")));
  EXPECT_TRUE(throws<tg::MemoryError>([&] { tg::mul(column, row); }, with("mul")));
  EXPECT_TRUE(throws<tg::MemoryError>([&] { tg::matmul(column, row); }, with("matmul")));
  EXPECT_TRUE(throws<tg::MemoryError>(
      [&] {
        column.expand({int64_t{1} << 20, int64_t{1} << 20});
      },
      with("expand")));
  EXPECT_TRUE(
      throws<tg::MemoryError>([&] { tg::where(column > 0.0, column, row); }, with("where")));
}

TEST(Allocation, AFailedAllocationLeaksNothing) {
  const int64_t before = tg::live_bytes();
  for (int i = 0; i < 100; ++i) EXPECT_THROW(tg::zeros({kHuge}), tg::MemoryError);
  EXPECT_EQ(tg::live_bytes(), before);
}

TEST(Allocation, TrainingAfterAFailedAllocationIsBitIdenticalToTrainingWithout) {
  tgtest::GanLoop clean(7), after_failure(7);
  const tgtest::GanLosses expected = clean.step();
  EXPECT_THROW(tg::zeros({kHuge}), tg::MemoryError);
  const tgtest::GanLosses got = after_failure.step();
  EXPECT_TRUE(std::isfinite(got.discriminator) && std::isfinite(got.generator));
  EXPECT_EQ(got.discriminator, expected.discriminator);
  EXPECT_EQ(got.generator, expected.generator);
}

// ---- simulated out-of-memory (Note [Allocation fault injection]) --------------------------

/// Runs `body` with its n-th allocation failing, for n = 0, 1, ... until it runs through,
/// and returns the failures' messages. Each failure must be a tg::MemoryError that leaks
/// nothing.
std::vector<std::string> fail_each_allocation(const std::function<void()>& body) {
  std::vector<std::string> messages;
  for (int64_t n = 0; n < 10000; ++n) {
    const int64_t before = tg::live_bytes();
    tg::detail::fail_allocation_after(n);
    bool failed = false;
    try {
      body();
    } catch (const tg::MemoryError& e) {
      messages.push_back(e.what());
      failed = true;
    } catch (...) {
      tg::detail::fail_allocation_after(-1);
      throw;
    }
    tg::detail::fail_allocation_after(-1);
    EXPECT_EQ(tg::live_bytes(), before) << "after failing allocation " << n;
    if (!failed) return messages;
  }
  ADD_FAILURE() << "still failing after 10000 allocations";
  return messages;
}

/// Whether some message contains `needle`.
bool any_contains(const std::vector<std::string>& messages, const std::string& needle) {
  for (const auto& m : messages)
    if (m.find(needle) != std::string::npos) return true;
  return false;
}

TEST(AllocationFailure, EveryAllocationOfAnOpNamesTheOpWhenItFails) {
  // Size-preserving ops (unary, permute, slice, clone, reductions) used to report their
  // values' failure as tg::empty's. Each op here allocates its output's handle, storage
  // header and values, and (x requires grad) its tape node; failing each in turn must
  // always name the op.
  const tg::Tensor x = tgtest::rleaf({3, 4}, 1);
  const std::vector<std::pair<std::string, std::function<void()>>> ops = {
      {"exp", [&] { tg::exp(x); }},
      {"sign", [&] { tg::sign(x); }},
      {"permute",
       [&] {
         tg::permute(x, {1, 0});
       }},
      {"slice", [&] { tg::slice(x, 1, 0, 3); }},
      {"clone", [&] { tg::clone(x); }},
      {"sum", [&] { tg::sum(x, {1}); }},
      {"max", [&] { tg::max(x, {0}); }},
      {"to", [&] { x.to(tg::kFloat32); }},
      {"from_vector",
       [&] {
         tg::from_vector(std::vector<double>(12, 1.0), {3, 4});
       }},
  };
  for (const auto& [op, body] : ops) {
    const std::vector<std::string> messages = fail_each_allocation(body);
    ASSERT_GE(messages.size(), 3u) << op;  // handle, storage header, values at least
    for (const auto& m : messages) {
      EXPECT_EQ(m.rfind(op + ": ", 0), 0u) << op << ": " << m;
      EXPECT_NE(m.find("the allocator is out of memory"), std::string::npos) << m;
    }
    EXPECT_TRUE(any_contains(messages, "tensor storage: cannot allocate")) << op;
    EXPECT_TRUE(any_contains(messages, "tape bookkeeping: cannot allocate")) << op;
  }
  // The values' failure gives the shape, the dtype and the bytes.
  EXPECT_TRUE(any_contains(fail_each_allocation([&] { tg::exp(x); }),
                           "exp: a float64 tensor of shape [3, 4] (96 bytes): tensor storage: "
                           "cannot allocate 96 bytes: the allocator is out of memory"));
  // The tape node's failure gives the op's output shape.
  EXPECT_TRUE(any_contains(fail_each_allocation([&] {
                             tg::permute(x, {1, 0});
                           }),
                           "permute: recording its output of shape [4, 3] on the tape: tape "
                           "bookkeeping: cannot allocate"));
}

TEST(AllocationFailure, TheGemmPackingBuffersNameTheProduct) {
  // Two GEMM paths: the small one packs B once (n <= 256 columns), the blocked one packs
  // panels of A and of B.
  for (const auto& [a_shape, b_shape] :
       std::vector<std::pair<tg::Shape, tg::Shape>>{{{5, 7}, {7, 3}}, {{40, 64}, {64, 300}}}) {
    const tg::Tensor a = tgtest::rleaf(a_shape, 2), b = tgtest::rleaf(b_shape, 3);
    const std::vector<double> expected = tg::matmul(a, b).to_vector<double>();
    std::vector<double> got;
    const std::vector<std::string> messages =
        fail_each_allocation([&] { got = tg::matmul(a, b).to_vector<double>(); });
    for (const auto& m : messages) EXPECT_EQ(m.rfind("matmul", 0), 0u) << m;
    EXPECT_TRUE(any_contains(messages, fmt::format("matmul: a float64 {} @ {} product: its "
                                                   "packing buffer: cannot allocate",
                                                   a_shape.str(), b_shape.str())))
        << a_shape.str();
    EXPECT_EQ(got, expected) << "the product after the failures";
  }
}

TEST(AllocationFailure, AFailedForwardOrBackwardLeavesTheProcessUsable) {
  // A small network's forward and backward, with each of their allocations failing in
  // turn: every failure is a MemoryError, nothing leaks, and the gradient computed
  // afterwards is the one computed before.
  const tg::Tensor x = tgtest::rleaf({8, 3}, 4), w = tgtest::rleaf({5, 3}, 5),
                   b = tgtest::rleaf({5}, 6);
  auto gradients = [&] {
    const tg::Tensor loss = tg::mean(tg::tanh(tg::linear(x, w, b)) * 2.0);
    std::vector<double> flat;
    for (const auto& g : tg::grad({loss}, {x, w, b}))
      for (double v : g.to_vector<double>()) flat.push_back(v);
    return flat;
  };
  const std::vector<double> expected = gradients();
  std::vector<double> got;
  const std::vector<std::string> messages = fail_each_allocation([&] { got = gradients(); });
  EXPECT_GT(messages.size(), 20u);
  EXPECT_EQ(got, expected);
  EXPECT_EQ(gradients(), expected);
  // And training afterwards is bit-identical to training without the failures.
  tgtest::GanLoop clean(7), after_failures(7);
  const tgtest::GanLosses want = clean.step(), have = after_failures.step();
  EXPECT_EQ(have.discriminator, want.discriminator);
  EXPECT_EQ(have.generator, want.generator);
}

}  // namespace

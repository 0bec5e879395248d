// Allocation failures (Note [Allocation limit] in autograd/src/allocation.hpp): a request
// that cannot be served raises tg::MemoryError naming the op, the shape and the bytes;
// nothing leaks, and training carries on afterwards exactly as if it had not happened.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

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

}  // namespace

// Mode coverage on hand-made sample sets: exact counts, fractions and reverse KL.
#include <gtest/gtest.h>

#include <cmath>

#include "checks.hpp"
#include "tapegrad/autograd.hpp"
#include "tapegrad/estimators/mode_coverage.hpp"

namespace {

using tg::est::mode_coverage;
using Doubles = std::vector<double>;

// Four modes on the axes, std 0.5 (so 3 std = 1.5 exactly in binary floating point).
const tg::Tensor kMeans = tg::from_vector(Doubles{4, 0, 0, 4, -4, 0, 0, -4}, {4, 2});
const Doubles kStd(4, 0.5);
const Doubles kUniform(4, 0.25);

tg::Tensor points(const Doubles& xy) {
  return tg::from_vector(xy, {static_cast<int64_t>(xy.size() / 2), 2});
}

TEST(ModeCoverage, HandMadeSamplesGiveExactCountsAndKl) {
  // Mode 0: three samples on the mean and one at 2 std; mode 1: one at 1 std; one sample at
  // 3.5 std from mode 1 (low quality) and one at the origin, 8 std from every mode.
  const tg::Tensor x = points({4, 0, 4, 0, 4, 0, 5, 0, 0, 4.5, 0, 5.75, 0, 0});
  const auto c = mode_coverage(x, kMeans, kStd, kUniform);
  EXPECT_EQ(c.modes_covered, 2);
  EXPECT_EQ(c.high_quality_per_mode, (std::vector<int64_t>{4, 1, 0, 0}));
  EXPECT_DOUBLE_EQ(c.high_quality_fraction, 5.0 / 7.0);
  // p̂ = (4/5, 1/5, 0, 0) against w = 1/4: the empty bins add 0.
  ASSERT_TRUE(c.reverse_kl.has_value());
  EXPECT_DOUBLE_EQ(*c.reverse_kl, 0.8 * std::log(0.8 / 0.25) + 0.2 * std::log(0.2 / 0.25));
}

TEST(ModeCoverage, ExactlyThreeStdIsNotHighQuality) {
  // 1.5 / 0.5 = 3 exactly: the definition is strict (< 3).
  const auto c = mode_coverage(points({5.5, 0, 5.49, 0}), kMeans, kStd, kUniform);
  EXPECT_EQ(c.high_quality_per_mode, (std::vector<int64_t>{1, 0, 0, 0}));
  EXPECT_DOUBLE_EQ(c.high_quality_fraction, 0.5);
}

TEST(ModeCoverage, EveryModeEquallyCoveredHasZeroKl) {
  const auto c = mode_coverage(points({4, 0, 0, 4, -4, 0, 0, -4, 4.1, 0, 0, 4.1, -4.1, 0, 0, -4.1}),
                               kMeans, kStd, kUniform);
  EXPECT_EQ(c.modes_covered, 4);
  EXPECT_DOUBLE_EQ(c.high_quality_fraction, 1.0);
  ASSERT_TRUE(c.reverse_kl.has_value());
  EXPECT_DOUBLE_EQ(*c.reverse_kl, 0.0);
}

TEST(ModeCoverage, NoHighQualitySampleGivesNullKl) {
  const auto c = mode_coverage(points({0, 0, 1, 1}), kMeans, kStd, kUniform);
  EXPECT_EQ(c.modes_covered, 0);
  EXPECT_EQ(c.high_quality_fraction, 0.0);
  EXPECT_FALSE(c.reverse_kl.has_value());
}

TEST(ModeCoverage, NearestModeIsMeasuredInThatModesStandardDeviations) {
  // Mode 0 at 0 with std 0.1, mode 1 at 1 with std 1. x = 0.4 is Euclidean-closer to mode 0
  // but 4 std from it and 0.6 std from mode 1: it is mode 1's, and high quality.
  const tg::Tensor means = tg::from_vector(Doubles{0, 1}, {2, 1});
  const auto c = mode_coverage(tg::from_vector(Doubles{0.4}, {1, 1}), means, {0.1, 1}, {0.5, 0.5});
  EXPECT_EQ(c.high_quality_per_mode, (std::vector<int64_t>{0, 1}));
  ASSERT_TRUE(c.reverse_kl.has_value());
  EXPECT_DOUBLE_EQ(*c.reverse_kl, std::log(2.0));  // p̂ = (0, 1) against (½, ½)
}

TEST(ModeCoverage, KlIsAgainstTheMixtureWeights) {
  // p̂ = (½, ½) against w = (0.9, 0.1).
  const tg::Tensor means = tg::from_vector(Doubles{0, 10}, {2, 1});
  const auto c = mode_coverage(tg::from_vector(Doubles{0, 10}, {2, 1}), means, {1, 1}, {0.9, 0.1});
  ASSERT_TRUE(c.reverse_kl.has_value());
  EXPECT_DOUBLE_EQ(*c.reverse_kl, 0.5 * std::log(0.5 / 0.9) + 0.5 * std::log(0.5 / 0.1));
}

TEST(ModeCoverage, RingMixtureOverloadUsesItsStdAndEqualWeights) {
  // The literature's ring: 8 modes, radius 2, std 0.02. One sample on mode 0 and one 0.05
  // (2.5 std) beside mode 2; a third sample 0.07 (3.5 std) beside mode 4.
  const auto ring = tg::data::GaussianMixture::ring(8, 2.0, 0.02, tg::kFloat64);
  const auto mu = ring.means().to_vector<double>();
  const tg::Tensor x = points({mu[0], mu[1], mu[4] + 0.05, mu[5], mu[8] + 0.07, mu[9]});
  const auto c = mode_coverage(x, ring);
  EXPECT_EQ(c.modes_covered, 2);
  EXPECT_DOUBLE_EQ(c.high_quality_fraction, 2.0 / 3.0);
  ASSERT_TRUE(c.reverse_kl.has_value());
  EXPECT_NEAR(*c.reverse_kl, std::log(4.0), 1e-12);  // p̂ = ½ on two modes against 1/8
}

TEST(ModeCoverage, BadInputNamesTheFunctionAndTheValues) {
  using tgtest::error_message;
  auto msg = error_message<tg::ShapeError>([] {
    mode_coverage(tg::zeros({3, 3}, tg::kFloat64), kMeans, kStd, kUniform);
  });
  EXPECT_NE(msg.find("mode_coverage"), std::string::npos) << msg;
  EXPECT_NE(msg.find("[3, 3]"), std::string::npos) << msg;
  msg = error_message<tg::ValueError>([] {
    mode_coverage(points({0, 0}), kMeans, kStd, {0.25, 0.25, 0.25, 0.5});
  });
  EXPECT_NE(msg.find("sum to 1.25"), std::string::npos) << msg;
  msg = error_message<tg::ValueError>([] {
    mode_coverage(points({0, 0}), kMeans, {0.5, 0.5, 0, 0.5}, kUniform);
  });
  EXPECT_NE(msg.find("mode 2 has stddev 0"), std::string::npos) << msg;
  msg = error_message<tg::ShapeError>([] {
    mode_coverage(points({0, 0}), kMeans, {0.5, 0.5}, kUniform);
  });
  EXPECT_NE(msg.find("2 stddevs"), std::string::npos) << msg;
  msg = error_message<tg::ValueError>([] {
    mode_coverage(points({0, 0}), kMeans, kStd, kUniform, -1);
  });
  EXPECT_NE(msg.find("threshold -1"), std::string::npos) << msg;
}

}  // namespace

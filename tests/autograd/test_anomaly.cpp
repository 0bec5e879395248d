// Anomaly mode (tg::DetectAnomalyGuard): the first op, forward or backward, whose output
// holds NaN or Inf raises tg::AnomalyError naming the op and its sequence number. With
// the mode off, the same computations return NaN / Inf silently (IEEE arithmetic, no
// check, no cost).
#include <gtest/gtest.h>

#include <fmt/format.h>
#include <cmath>
#include <string>

#include "tapegrad/autograd.hpp"

namespace {

using tg::Tensor;

Tensor vec(std::vector<double> v) {
  const auto n = static_cast<int64_t>(v.size());
  return tg::from_vector(v, {n});
}

template <class F>
std::string anomaly_message(F&& f) {
  try {
    f();
  } catch (const tg::AnomalyError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected tg::AnomalyError";
  return {};
}

TEST(Anomaly, GuardTurnsTheModeOnAndRestoresIt) {
  EXPECT_FALSE(tg::AnomalyMode::is_enabled());
  {
    tg::DetectAnomalyGuard on;
    EXPECT_TRUE(tg::AnomalyMode::is_enabled());
  }
  EXPECT_FALSE(tg::AnomalyMode::is_enabled());
}

TEST(Anomaly, ForwardLogOfANegativeNumberNamesTheOpAndItsSequenceNumber) {
  Tensor x = vec({1, -2, 3}).requires_grad_();
  Tensor h = x * 2.0;  // x's accumulator exists now: log's node is the next number
  tg::DetectAnomalyGuard on;
  const uint64_t expected_seq = tg::next_sequence_nr() + 1;
  const std::string msg = anomaly_message([&] { tg::log(h); });
  EXPECT_NE(msg.find("'log'"), std::string::npos) << msg;
  EXPECT_NE(msg.find(fmt::format("seq {}", expected_seq)), std::string::npos) << msg;
  EXPECT_NE(msg.find("[3]"), std::string::npos) << msg;
}

TEST(Anomaly, UnrecordedOpsAreCheckedToo) {
  tg::DetectAnomalyGuard on;
  const std::string msg = anomaly_message([] { tg::log(vec({-1.0})); });
  EXPECT_NE(msg.find("'log'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("not recorded"), std::string::npos) << msg;
}

TEST(Anomaly, FiniteComputationsPass) {
  tg::DetectAnomalyGuard on;
  Tensor x = vec({1, 2}).requires_grad_();
  Tensor y = tg::log(x).sum();
  y.backward();
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{1, 0.5}));
}

TEST(Anomaly, BackwardProducingInfNamesTheNode) {
  // sqrt is finite at 0, but its derivative 1 / (2 sqrt x) is not.
  Tensor x = vec({0, 4}).requires_grad_();
  Tensor y = tg::sqrt(x);
  const uint64_t seq = y.grad_fn()->sequence_nr();
  Tensor loss = (y * 3.0).sum();
  tg::DetectAnomalyGuard on;
  const std::string msg = anomaly_message([&] { loss.backward(); });
  EXPECT_NE(msg.find("backward of 'sqrt'"), std::string::npos) << msg;
  EXPECT_NE(msg.find(fmt::format("seq {}", seq)), std::string::npos) << msg;
}

TEST(Anomaly, BackwardProducingNaNNamesTheNode) {
  // d/dx log(x) at x = 0 with an incoming gradient of 0: 0 · (1/0) = NaN.
  Tensor x = vec({0, 1}).requires_grad_();
  Tensor l = tg::log(x + 1.0);  // finite forward
  Tensor y = tg::sqrt(l);       // sqrt(0) = 0: infinite derivative at the first entry
  Tensor loss = (y * vec({0, 1})).sum();
  tg::DetectAnomalyGuard on;
  const std::string msg = anomaly_message([&] { tg::grad({loss}, {x}); });
  EXPECT_NE(msg.find("'sqrt'"), std::string::npos) << msg;
  EXPECT_NE(msg.find(fmt::format("seq {}", y.grad_fn()->sequence_nr())), std::string::npos) << msg;
}

TEST(Anomaly, OffTheSameComputationsReturnNaNAndInfSilently) {
  ASSERT_FALSE(tg::AnomalyMode::is_enabled());
  Tensor x = vec({1, -2, 3}).requires_grad_();
  Tensor l = tg::log(x);
  EXPECT_TRUE(std::isnan(l.to_vector<double>()[1]));
  Tensor z = vec({0, 4}).requires_grad_();
  tg::sqrt(z).sum().backward();
  EXPECT_TRUE(std::isinf(z.grad().to_vector<double>()[0]));
  EXPECT_EQ(z.grad().to_vector<double>()[1], 0.25);
}

}  // namespace

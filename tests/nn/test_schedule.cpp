// Learning-rate schedules against torch 1.13 (tests/nn/reference/optim_reference.py):
// the learning rate at epochs 0..7 from a base of 0.1.
#include <gtest/gtest.h>

#include <memory>

#include "tapegrad/nn.hpp"

namespace {

template <class S, class... Args>
std::vector<double> lrs(Args... args) {
  tg::Tensor p = tg::zeros({1}).requires_grad_();
  tg::optim::SGD opt({p}, {.lr = 0.1});
  S sched(opt, args...);
  std::vector<double> out;
  for (int i = 0; i < 8; ++i) {
    out.push_back(opt.lr());
    opt.step();
    sched.step();
  }
  return out;
}

void expect_lrs(const std::vector<double>& got, const std::vector<double>& expected) {
  ASSERT_EQ(got.size(), expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], expected[i], 1e-15) << i;
}

}  // namespace

TEST(Schedule, StepLR) {
  expect_lrs(lrs<tg::optim::StepLR>(int64_t{2}, 0.5),
             {0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.0125, 0.0125});
}

TEST(Schedule, ExponentialLR) {
  expect_lrs(lrs<tg::optim::ExponentialLR>(0.9),
             {0.1, 0.09000000000000001, 0.08100000000000002, 0.07290000000000002,
              0.06561000000000002, 0.05904900000000002, 0.05314410000000002, 0.04782969000000002});
}

TEST(Schedule, CosineAnnealingLR) {
  expect_lrs(lrs<tg::optim::CosineAnnealingLR>(int64_t{5}, 0.01),
             {0.1, 0.09140576474687263, 0.06890576474687263, 0.04109423525312736,
              0.018594235253127367, 0.01, 0.018594235253127367, 0.04109423525312739});
}

TEST(Schedule, LinearLRDecay) {
  expect_lrs(lrs<tg::optim::LinearLR>(1.0, 0.1, int64_t{4}),
             {0.1, 0.07750000000000001, 0.055000000000000014, 0.03250000000000001, 0.01, 0.01, 0.01,
              0.01});
}

TEST(Schedule, RejectsBadArguments) {
  tg::Tensor p = tg::zeros({1}).requires_grad_();
  tg::optim::SGD opt({p}, {.lr = 0.1});
  EXPECT_THROW(tg::optim::StepLR(opt, 0), tg::ValueError);
  EXPECT_THROW(tg::optim::CosineAnnealingLR(opt, 0), tg::ValueError);
  EXPECT_THROW(tg::optim::LinearLR(opt, 0.0), tg::ValueError);
}

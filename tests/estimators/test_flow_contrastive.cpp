// Flow contrastive estimation: the value function's closed forms (log 4 at equilibrium, −V =
// NCE with the flow as noise), its gradients by finite differences, the alternation rule,
// bad input.
#include <gtest/gtest.h>

#include <cmath>

#include "ebm_test_helpers.hpp"
#include "tapegrad/estimators/flow_contrastive.hpp"
#include "tapegrad/estimators/nce.hpp"

namespace {

using tg::Tensor;

tg::est::CouplingFlow small_flow(tg::Dtype dtype, uint64_t seed) {
  tg::Generator gen(seed);
  return tg::est::CouplingFlow(2, 2, gen, {.hidden = {8}, .zero_init = false, .dtype = dtype});
}

TEST(FlowContrastive, ValueIsMinusLogFourWhenTheEbmIsTheFlow) {
  const auto flow = small_flow(tg::kFloat64, 1);
  tg::Generator gen(2);
  const Tensor data = tg::randn({16, 2}, gen, tg::kFloat64);
  const tg::est::Energy energy = [&](const Tensor& x) { return -flow.log_prob(x); };
  const auto v =
      tg::est::flow_contrastive_value(energy, tg::zeros({1}, tg::kFloat64), flow, data, gen);
  EXPECT_NEAR(-v.value.item<double>(), std::log(4.0), 1e-12);
}

// With the flow's samples held fixed, −V is NCE with the flow as noise and ν = 1.
TEST(FlowContrastive, MinusValueIsNceWithTheFlowAsNoise) {
  const auto flow = small_flow(tg::kFloat64, 3);
  const tgtest::MlpEnergy net(2, 8, 4);
  tg::Generator data_gen(5);
  const Tensor data = tg::randn({16, 2}, data_gen, tg::kFloat64);
  const Tensor c = tg::full({1}, 0.3, tg::kFloat64);
  tg::Generator a(6), b(6);
  const double v =
      tg::est::flow_contrastive_value(net.energy(), c, flow, data, a).value.item<double>();
  const Tensor y = flow.from_base(tg::randn(data.shape(), b, tg::kFloat64));
  const double nce = tg::est::nce_loss(net.energy(), c, data, y.detach(), flow, 1.0).item<double>();
  EXPECT_NEAR(-v, nce, 1e-12);
}

// V in the EBM's parameters and c (tg::gradcheck), and in the flow's parameters (central
// differences of V, same samples z, against backward), float64.
TEST(FlowContrastive, ValueGradientsMatchFiniteDifferences) {
  auto flow = small_flow(tg::kFloat64, 7);
  const tgtest::MlpEnergy net(2, 4, 8);
  tg::Generator data_gen(9);
  const Tensor data = tg::randn({6, 2}, data_gen, tg::kFloat64);
  auto value = [&](const tg::TensorList& p) {
    tg::Generator gen(10);
    tg::TensorList w(p.begin(), p.begin() + 3);
    return tg::est::flow_contrastive_value(
               [w](const Tensor& x) { return tgtest::MlpEnergy::apply(x, w); }, p[3], flow, data,
               gen)
        .value;
  };
  tg::TensorList params = net.params();
  params.push_back(tg::full({1}, 0.2, tg::kFloat64).requires_grad_());
  auto r = tg::gradcheck(value, params);
  EXPECT_TRUE(r) << r.message;
  EXPECT_TRUE(tgtest::flow_gradcheck(flow, [&] { return value(params); }));
}

TEST(FlowContrastive, TheFlowMovesWhileTheEbmClassifiesAboveTheThreshold) {
  EXPECT_EQ(tg::est::fce_player_to_update(0.61), tg::est::FcePlayer::Flow);
  EXPECT_EQ(tg::est::fce_player_to_update(0.6), tg::est::FcePlayer::Energy);
  EXPECT_EQ(tg::est::fce_player_to_update(0.5), tg::est::FcePlayer::Energy);
  EXPECT_EQ(tg::est::fce_player_to_update(0.75, 0.8), tg::est::FcePlayer::Energy);
}

TEST(FlowContrastive, BadInputIsNamed) {
  const auto flow = small_flow(tg::kFloat64, 13);
  const tgtest::MlpEnergy net(2, 4, 14);
  tg::Generator gen(15);
  const Tensor c = tg::zeros({1}, tg::kFloat64);
  std::string m = tgtest::error_message<tg::Error>([&] {
    tg::est::flow_contrastive_value(net.energy(), c, flow, tg::zeros({4, 3}, tg::kFloat64), gen);
  });
  EXPECT_NE(m.find("flow_contrastive_value: data [4, 3] does not match the flow's dimension 2"),
            std::string::npos)
      << m;
  m = tgtest::error_message<tg::Error>([&] {
    tg::est::flow_contrastive_value(net.energy(), tg::zeros({2}, tg::kFloat64), flow,
                                    tg::zeros({4, 2}, tg::kFloat64), gen);
  });
  EXPECT_NE(m.find("the log-normaliser must be a one-element tensor, got [2]"), std::string::npos)
      << m;
  m = tgtest::error_message<tg::Error>([&] {
    tg::est::flow_contrastive_value([](const Tensor& x) { return x; }, c, flow,
                                    tg::zeros({4, 2}, tg::kFloat64), gen);
  });
  EXPECT_NE(m.find("flow_contrastive_value: the energy must map [B, D] to [B] (or [B, 1])"),
            std::string::npos)
      << m;
}

TEST(FlowContrastive, BitIdenticalAtOneAndTwoThreads) {
  const auto flow = small_flow(tg::kFloat64, 16);
  const tgtest::MlpEnergy net(2, 16, 17);
  tg::Generator data_gen(18);
  const Tensor data = tg::randn({64, 2}, data_gen, tg::kFloat64);
  const Tensor c = tg::zeros({1}, tg::kFloat64).requires_grad_();
  tg::TensorList params = net.params();
  params.push_back(c);
  tgtest::expect_bit_identical_across_threads(params, [&] {
    tg::Generator gen(19);
    return tg::est::flow_contrastive_value(net.energy(), c, flow, data, gen).value;
  });
}

}  // namespace

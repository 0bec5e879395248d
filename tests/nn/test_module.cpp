// Module: registration, dotted names, train/eval, zero_grad and dtype conversion.
#include <gtest/gtest.h>

#include "tapegrad/nn.hpp"

namespace {

class Critic : public tg::nn::Module {
 public:
  explicit Critic(tg::Generator& gen) {
    net = register_module("net", std::make_shared<tg::nn::MLP>(std::vector<int64_t>{2, 3, 1},
                                                               tg::nn::Activation::ReLU, gen));
    scale = register_parameter("scale", tg::ones({1}));
    count = register_buffer("count", tg::zeros({1}));
  }
  tg::Tensor forward(const tg::Tensor& x) override { return (*net)(x)*scale; }
  std::shared_ptr<tg::nn::MLP> net;
  tg::Tensor scale;
  tg::Tensor count;
};

std::vector<std::string> names(const tg::nn::NamedTensors& named) {
  std::vector<std::string> out;
  for (const auto& [n, t] : named) out.push_back(n);
  return out;
}

}  // namespace

TEST(Module, NamesAreStableAndDotted) {
  tg::Generator gen(0);
  Critic c(gen);
  EXPECT_EQ(names(c.named_parameters()),
            (std::vector<std::string>{"scale", "net.0.weight", "net.0.bias", "net.2.weight",
                                      "net.2.bias"}));
  EXPECT_EQ(names(c.named_buffers()), (std::vector<std::string>{"count"}));
  EXPECT_EQ(c.state().size(), 6u);
  EXPECT_EQ(c.parameters().size(), 5u);
  for (const auto& p : c.parameters()) EXPECT_TRUE(p.requires_grad() && p.is_leaf());
  EXPECT_FALSE(c.count.requires_grad());
}

TEST(Module, ParametersShareStorageWithMembers) {
  tg::Generator gen(0);
  Critic c(gen);
  c.parameters()[0].fill_(3.0);
  EXPECT_EQ(c.scale.item<float>(), 3.0f);
  EXPECT_EQ(c.parameters()[1].impl(), c.net->linears()[0]->weight.impl());
}

TEST(Module, TrainEvalPropagates) {
  tg::Generator gen(0);
  Critic c(gen);
  EXPECT_TRUE(c.is_training());
  c.eval();
  EXPECT_FALSE(c.is_training());
  EXPECT_FALSE(c.net->is_training());
  EXPECT_FALSE((*c.net)[1].is_training());
  c.train();
  EXPECT_TRUE((*c.net)[1].is_training());
}

TEST(Module, ZeroGradDropsEveryGradient) {
  tg::Generator gen(0);
  Critic c(gen);
  c(tg::randn({4, 2}, gen)).sum().backward();
  EXPECT_TRUE(c.scale.grad().defined());
  c.zero_grad();
  for (const auto& p : c.parameters()) EXPECT_FALSE(p.grad().defined());
}

TEST(Module, ToConvertsInPlaceKeepingHandles) {
  tg::Generator gen(0);
  Critic c(gen);
  const auto before = c.net->linears()[0]->weight.to_vector<double>();
  const auto handles = c.parameters();
  c.to(tg::kFloat64);
  EXPECT_EQ(c.net->linears()[0]->weight.dtype(), tg::kFloat64);
  EXPECT_EQ(handles[1].dtype(), tg::kFloat64);
  EXPECT_EQ(c.count.dtype(), tg::kFloat64);
  EXPECT_EQ(c.net->linears()[0]->weight.to_vector<double>(), before);
  EXPECT_TRUE(handles[1].requires_grad());
  tg::Tensor y = c(tg::randn({3, 2}, gen, tg::kFloat64));
  EXPECT_EQ(y.dtype(), tg::kFloat64);
  y.sum().backward();
  EXPECT_EQ(handles[1].grad().dtype(), tg::kFloat64);
}

namespace {
struct Bad : tg::nn::Module {
  Bad() {
    register_parameter("w", tg::ones({1}));
    register_parameter("w", tg::ones({1}));
  }
  tg::Tensor forward(const tg::Tensor& x) override { return x; }
};
struct Dotted : tg::nn::Module {
  Dotted() { register_buffer("a.b", tg::ones({1})); }
  tg::Tensor forward(const tg::Tensor& x) override { return x; }
};
}  // namespace

TEST(Module, RejectsDuplicateAndDottedNames) {
  EXPECT_THROW(Bad{}, tg::ValueError);
  EXPECT_THROW(Dotted{}, tg::ValueError);
}

TEST(Module, RequiresGradFreezesParameters) {
  tg::Generator gen(0);
  tg::nn::MLP net({2, 3, 1}, tg::nn::Activation::ReLU, gen);
  net.requires_grad_(false);
  for (const auto& p : net.parameters()) EXPECT_FALSE(p.requires_grad());
  tg::Tensor x = tg::randn({4, 2}, gen).requires_grad_();
  net(x).sum().backward();  // the gradient still flows through to x
  EXPECT_TRUE(x.grad().defined());
  for (const auto& p : net.parameters()) EXPECT_FALSE(p.grad().defined());
  net.requires_grad_();
  EXPECT_TRUE(net.parameters()[0].requires_grad());
}

TEST(Sequential, ComposesInOrderAndNamesByIndex) {
  tg::Generator gen(0);
  tg::nn::Sequential seq;
  auto lin =
      seq.emplace_back<tg::nn::Linear>(2, 2, gen, tg::nn::LinearOptions{.dtype = tg::kFloat64});
  seq.push_back(std::make_shared<tg::nn::Tanh>());
  seq.emplace_back<tg::nn::Linear>(2, 1, gen, tg::nn::LinearOptions{.dtype = tg::kFloat64});
  EXPECT_EQ(seq.size(), 3u);
  EXPECT_EQ(seq.named_parameters()[2].first, "2.weight");
  const tg::Tensor x = tg::randn({3, 2}, gen, tg::kFloat64);
  const tg::Tensor manual = seq[2](tg::tanh((*lin)(x)));
  EXPECT_EQ(seq(x).to_vector<double>(), manual.to_vector<double>());
  tg::nn::Sequential from_list(
      {std::make_shared<tg::nn::ReLU>(), std::make_shared<tg::nn::Tanh>()});
  EXPECT_EQ(from_list.size(), 2u);
}

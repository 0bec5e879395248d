// MLP: structure, forward against the layers by hand, gradients, and learning XOR and a
// regression.
#include <gtest/gtest.h>

#include <cmath>

#include "module_gradcheck.hpp"

using tg::nn::Activation;

TEST(MLP, StructureAndNames) {
  tg::Generator gen(0);
  tg::nn::MLP net({2, 4, 4, 1}, Activation::ReLU, gen);
  EXPECT_EQ(net.size(), 5u);  // Linear ReLU Linear ReLU Linear
  EXPECT_EQ(net.linears().size(), 3u);
  std::vector<std::string> names;
  for (const auto& [n, p] : net.named_parameters()) names.push_back(n);
  EXPECT_EQ(names, (std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias", "4.weight",
                                             "4.bias"}));
  tg::nn::MLP with_out({3, 2}, Activation::Tanh, gen, {.output_activation = Activation::Sigmoid});
  EXPECT_EQ(with_out.size(), 2u);
  EXPECT_THROW(tg::nn::MLP({3}, Activation::ReLU, gen), tg::ValueError);
}

TEST(MLP, ForwardByHand) {
  tg::Generator gen(0);
  tg::nn::MLP net({2, 2, 1}, Activation::ReLU, gen, {.dtype = tg::kFloat64});
  net.linears()[0]->weight.copy_(tg::from_vector(std::vector<double>{1, -1, 2, 1}, {2, 2}));
  net.linears()[0]->bias.copy_(tg::from_vector(std::vector<double>{0, -10}, {2}));
  net.linears()[1]->weight.copy_(tg::from_vector(std::vector<double>{3, 5}, {1, 2}));
  net.linears()[1]->bias.copy_(tg::from_vector(std::vector<double>{1}, {1}));
  // x = (2, 1): hidden = relu(1, -5) = (1, 0), out = 3 + 1 = 4.
  // x = (1, 3): hidden = relu(-2, -5) = 0, out = 1.
  tg::Tensor x = tg::from_vector(std::vector<double>{2, 1, 1, 3}, {2, 2});
  EXPECT_TRUE(tgtest::values_near(net(x), {4, 1}, 1e-12));
}

TEST(MLP, Gradcheck) {
  tg::Generator gen(1);
  tg::nn::MLP net({3, 4, 2}, Activation::Tanh, gen, {.dtype = tg::kFloat64});
  EXPECT_TRUE(tgtest::module_gradcheck(net, tg::randn({5, 3}, gen, tg::kFloat64)));
}

TEST(MLP, LearnsXor) {
  tg::Generator gen(3);
  tg::nn::MLP net({2, 8, 1}, Activation::Tanh, gen);
  tg::optim::Adam opt(net.parameters(), {.lr = 0.05});
  const tg::Tensor x = tg::from_vector(std::vector<float>{0, 0, 0, 1, 1, 0, 1, 1}, {4, 2});
  const tg::Tensor t = tg::from_vector(std::vector<float>{0, 1, 1, 0}, {4, 1});
  float loss = 0;
  for (int i = 0; i < 400; ++i) {
    opt.zero_grad();
    tg::Tensor l = tg::binary_cross_entropy_with_logits(net(x), t);
    l.backward();
    opt.step();
    loss = l.item<float>();
  }
  EXPECT_LT(loss, 0.05f);
  const auto logits = net(x).to_vector<float>();
  EXPECT_LT(logits[0], 0);
  EXPECT_GT(logits[1], 0);
  EXPECT_GT(logits[2], 0);
  EXPECT_LT(logits[3], 0);
}

TEST(MLP, RegressesAKnownFunction) {
  // y = sin(2x) on [-1, 1].
  tg::Generator gen(4);
  tg::nn::MLP net({1, 32, 32, 1}, Activation::Tanh, gen);
  tg::optim::Adam opt(net.parameters(), {.lr = 1e-2});
  const tg::Tensor x = tg::linspace(-1, 1, 64).reshape({64, 1});
  const tg::Tensor y = tg::sin(x * 2.0);
  float mse = 0;
  for (int i = 0; i < 800; ++i) {
    opt.zero_grad();
    tg::Tensor l = tg::mse_loss(net(x), y);
    l.backward();
    opt.step();
    mse = l.item<float>();
  }
  EXPECT_LT(mse, 1e-3f);
  // And it generalises between the training points.
  const tg::Tensor xt = tg::from_vector(std::vector<float>{-0.33f, 0.71f}, {2, 1});
  EXPECT_TRUE(tgtest::values_near(net(xt), {std::sin(-0.66), std::sin(1.42)}, 0.05));
}

#include <gtest/gtest.h>

#include "tapegrad/autograd.hpp"

TEST(Smoke, GradOfSquareSum) {
  tg::Tensor x = tg::from_vector(std::vector<double>{1, 2, 3}, {3}).requires_grad_();
  tg::Tensor y = (x * x).sum();
  auto g = tg::grad({y}, {x});
  EXPECT_EQ(g[0].to_vector<double>(), (std::vector<double>{2, 4, 6}));
}

TEST(Smoke, GradcheckAndGradgradcheckTanhMatmul) {
  tg::Generator gen(1);
  tg::Tensor x = tg::randn({3, 4}, gen, tg::kFloat64).requires_grad_();
  tg::Tensor w = tg::randn({4, 2}, gen, tg::kFloat64).requires_grad_();
  auto f = [](const tg::TensorList& in) { return tg::tanh(tg::matmul(in[0], in[1])) * 2.0; };
  auto r1 = tg::gradcheck(f, {x, w});
  EXPECT_TRUE(r1) << r1.message;
  auto r2 = tg::gradgradcheck(f, {x, w});
  EXPECT_TRUE(r2) << r2.message;
}

TEST(Smoke, HessianTraceOfQuadraticForm) {
  tg::Tensor a = tg::from_vector(std::vector<double>{2, 1, 0, 1, 3, 1, 0, 1, 4}, {3, 3});
  tg::Tensor x = tg::from_vector(std::vector<double>{0.5, -1, 2}, {3}).requires_grad_();
  tg::Tensor y = tg::dot(x, tg::matmul(a, x)) * 0.5;
  tg::Tensor g = tg::grad({y}, {x}, {.create_graph = true})[0];
  double trace = 0;
  for (int i = 0; i < 3; ++i) {
    tg::Tensor onehot = tg::zeros({3}, tg::kFloat64);
    onehot.data<double>()[i] = 1;
    trace += tg::grad({g}, {x}, {.grad_outputs = {onehot}, .retain_graph = true})[0]
                 .to_vector<double>()[static_cast<size_t>(i)];
  }
  EXPECT_NEAR(trace, 9.0, 1e-12);
}

TEST(Smoke, LongChainDoesNotOverflow) {
  tg::Tensor x = tg::ones({1}, tg::kFloat64).requires_grad_();
  tg::Tensor y = x;
  for (int i = 0; i < 100000; ++i) y = y * 1.0;
  y.sum().backward();
  EXPECT_EQ(x.grad().item<double>(), 1.0);
}

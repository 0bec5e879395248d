// Maxout: the max of k affine pieces.
#include <gtest/gtest.h>

#include "module_gradcheck.hpp"

TEST(Maxout, ForwardByHand) {
  tg::Generator gen(0);
  tg::nn::Maxout m(1, 2, 2, gen, tg::kFloat64);
  // Unit 0: max(x, −x) = |x|. Unit 1: max(2x + 1, 0.5x).
  m.linear()->weight.copy_(tg::from_vector(std::vector<double>{1, -1, 2, 0.5}, {4, 1}));
  m.linear()->bias.copy_(tg::from_vector(std::vector<double>{0, 0, 1, 0}, {4}));
  const tg::Tensor x = tg::from_vector(std::vector<double>{-3, 2}, {2, 1});
  EXPECT_TRUE(tgtest::values_near(m(x), {3, -1.5, 2, 5}, 1e-12));
}

TEST(Maxout, NamesAndGradcheck) {
  tg::Generator gen(1);
  tg::nn::Maxout m(3, 2, 4, gen, tg::kFloat64);
  EXPECT_EQ(m.named_parameters()[0].first, "linear.weight");
  EXPECT_EQ(m.linear()->weight.shape(), tg::Shape({8, 3}));
  EXPECT_TRUE(tgtest::module_gradcheck(m, tg::randn({5, 3}, gen, tg::kFloat64)));
  EXPECT_THROW(m(tg::zeros({5, 3, 1}, tg::kFloat64)), tg::ShapeError);
  EXPECT_THROW(tg::nn::Maxout(3, 2, 0, gen), tg::ValueError);
}

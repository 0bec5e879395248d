// Tensor's in-place operations on a leaf's identity: set_data.
#include <gtest/gtest.h>

#include "checks.hpp"

namespace {

TEST(TensorSetData, EveryHandleSeesTheNewValuesAndDtype) {
  tg::Tensor w = tgtest::leaf({1, 2}, {2});
  tg::Tensor alias = w;  // the same TensorImpl, as a layer's member and parameters() hold
  (w * w).sum().backward();
  ASSERT_TRUE(w.grad().defined());
  w.set_data(tg::from_vector(std::vector<float>{3, 4}, {2}));
  EXPECT_EQ(alias.dtype(), tg::kFloat32);
  EXPECT_EQ(alias.to_vector<float>(), (std::vector<float>{3, 4}));
  EXPECT_FALSE(alias.grad().defined());  // a float64 gradient would not fit a float32 leaf
  EXPECT_TRUE(alias.requires_grad());
  (alias * alias).sum().backward();  // a fresh accumulator of the new dtype
  EXPECT_EQ(w.grad().to_vector<float>(), (std::vector<float>{6, 8}));
}

TEST(TensorSetData, RefusesNonLeavesAndOtherShapes) {
  tg::Tensor w = tgtest::leaf({1, 2}, {2});
  tg::Tensor y = w * 2.0;
  EXPECT_TRUE(tgtest::throws<tg::GraphError>([&] { y.set_data(tg::zeros({2})); },
                                             {"set_data", "[2]", "mul"}));
  EXPECT_TRUE(tgtest::throws<tg::ShapeError>([&] { w.set_data(tg::zeros({3})); },
                                             {"set_data", "[3]", "[2]"}));
}

}  // namespace

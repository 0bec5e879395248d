// to and clone: values and the graph they record (their gradchecks and bad input are in
// the op table, tests/common/op_table.cpp).
#include <gtest/gtest.h>

#include "checks.hpp"

namespace {

using tgtest::rleaf;

TEST(Conversion, CloneCopiesIntoFreshStorage) {
  tg::Tensor x = tgtest::leaf({1, 2, 3, 4}, {2, 2});
  tg::Tensor y = tg::clone(x);
  EXPECT_NE(y.data<double>(), x.data<double>());
  EXPECT_EQ(y.to_vector<double>(), x.to_vector<double>());
  EXPECT_EQ(y.grad_fn()->name(), "clone");
  EXPECT_EQ(x.clone().to_vector<double>(), x.to_vector<double>());  // the method form
}

TEST(Conversion, CloneOfALargeTensorIsExact) {  // large enough for the parallel copy kernel
  tg::Generator gen(3);
  tg::Tensor x = tg::randn({1 << 20}, gen);
  EXPECT_EQ(tg::clone(x).to_vector<float>(), x.to_vector<float>());
}

TEST(Conversion, ToIsTheIdentityForItsOwnDtype) {
  tg::Tensor x = rleaf({3}, 2);
  EXPECT_EQ(tg::to(x, tg::kFloat64).impl(), x.impl());
}

TEST(Conversion, ToRoundsToFloat32AndCastsTheGradientBack) {
  tg::Tensor x = tgtest::leaf({0.1, 1.0 / 3.0}, {2});
  tg::Tensor y = tg::to(x, tg::kFloat32);
  EXPECT_EQ(y.dtype(), tg::kFloat32);
  EXPECT_EQ(y.to_vector<float>(), (std::vector<float>{0.1f, 1.0f / 3.0f}));
  (y * y).sum().backward();
  EXPECT_EQ(x.grad().dtype(), tg::kFloat64);
  EXPECT_EQ(x.grad().to_vector<double>(),
            (std::vector<double>{2.0 * double(0.1f), 2.0 * double(1.0f / 3.0f)}));
}

}  // namespace

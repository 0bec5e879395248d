// to and clone: values, gradchecks, and the graph they record.
#include <gtest/gtest.h>

#include "checks.hpp"

namespace {

using tgtest::grad_ok;
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

TEST(Conversion, ClonePassesGradcheckAndGradgradcheck) {
  EXPECT_TRUE(grad_ok([](const tg::TensorList& in) { return tg::clone(in[0]) * in[0]; },
                      {rleaf({3, 4}, 1)}));
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

// Through float32 and back: both directions of the rule. Central differences through a
// float32 rounding err by about ulp(x)/eps = 6e-8/1e-3 relative, so eps is 1e-3 and the
// tolerances are 1e-3, well above that and far below any wrong rule (off by O(1)).
TEST(Conversion, ToPassesGradcheckAndGradgradcheckThroughFloat32) {
  auto f = [](const tg::TensorList& in) {
    tg::Tensor x32 = tg::to(in[0], tg::kFloat32);
    return tg::to(x32 * x32, tg::kFloat64);
  };
  EXPECT_TRUE(grad_ok(f, {rleaf({2, 3}, 4)}, {.eps = 1e-3, .atol = 1e-3, .rtol = 1e-3}));
}

TEST(Conversion, UndefinedInputsAreNamed) {
  EXPECT_TRUE(tgtest::throws<tg::Error>([] { tg::to(tg::Tensor(), tg::kFloat32); }, {"to"}));
  EXPECT_TRUE(tgtest::throws<tg::Error>([] { tg::clone(tg::Tensor()); }, {"clone"}));
}

}  // namespace

// xtensor interop (tapegrad/autograd/xtensor.hpp): zero-copy views of a tensor's values,
// the write rule (Note [Writes through an xtensor view]), and tensors from expressions.
#include "tapegrad/autograd/xtensor.hpp"

#include <gtest/gtest.h>

#include <type_traits>
#include <xtensor/xarray.hpp>
#include <xtensor/xbuilder.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xstrided_view.hpp>

#include "checks.hpp"

namespace {

tg::Tensor counting(const tg::Shape& shape, tg::Dtype dtype = tg::kFloat32) {
  std::vector<double> values(static_cast<std::size_t>(shape.numel()));
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<double>(i + 1);
  return tg::from_vector(values, shape).to(dtype);
}

TEST(Xtensor, AReadOnlyViewSharesTheValuesAndTheShape) {
  const tg::Tensor x = counting({2, 3});
  auto v = tg::as_xtensor<float>(x);
  static_assert(std::is_const_v<std::remove_reference_t<decltype(v(0, 0))>>,
                "the view of as_xtensor is read-only");
  ASSERT_EQ(v.dimension(), 2u);
  EXPECT_EQ(v.shape()[0], 2u);
  EXPECT_EQ(v.shape()[1], 3u);
  EXPECT_EQ(v(1, 2), 6.f);
  EXPECT_EQ(&v(0, 0), x.data<float>());  // no copy
  EXPECT_EQ(xt::sum(v)(), 21.f);
}

TEST(Xtensor, AViewKeepsTheValuesAliveAfterTheTensorIsGone) {
  auto v = tg::as_xtensor<double>(counting({4}, tg::kFloat64));
  EXPECT_EQ(v(3), 4.0);
}

TEST(Xtensor, TensorsAreContiguousSoATransposeViewsItsOwnRowMajorValues) {
  const tg::Tensor x = counting({2, 3});
  const tg::Tensor t = x.t();
  EXPECT_NE(t.impl()->data(), x.impl()->data());  // transpose returns new storage
  auto v = tg::as_xtensor<float>(t);
  for (std::size_t i = 0; i < 3; ++i)
    for (std::size_t j = 0; j < 2; ++j) EXPECT_EQ(v(i, j), x.data<float>()[j * 3 + i]);
}

TEST(Xtensor, TheViewsValueTypeMustBeTheTensorsDtype) {
  const tg::Tensor x = counting({2, 3});
  EXPECT_TRUE(tgtest::throws<tg::DtypeError>(
      [&] { tg::as_xtensor<double>(x); },
      {"as_xtensor<double>", "float32 tensor of shape [2, 3]", "as_xtensor<float>"}));
  tg::Tensor y = counting({2}, tg::kFloat64);
  EXPECT_TRUE(tgtest::throws<tg::DtypeError>(
      [&] { tg::as_xtensor_mut<float>(y); },
      {"as_xtensor_mut<float>", "float64 tensor", "as_xtensor_mut<double>"}));
  EXPECT_TRUE(tgtest::throws<tg::ValueError>([&] { tg::as_xtensor<float>(tg::Tensor()); },
                                             {"as_xtensor", "undefined"}));
}

TEST(Xtensor, AWritableViewBumpsTheVersionAndWritesThrough) {
  tg::Tensor w = tg::zeros({3});
  tg::Tensor alias = w.detach();
  const uint32_t before = w.impl()->storage->version;
  auto m = tg::as_xtensor_mut<float>(w);
  EXPECT_EQ(w.impl()->storage->version, before + 1);
  m(1) = 5.f;
  m += 1.f;
  EXPECT_EQ(alias.to_vector<float>(), (std::vector<float>{1, 6, 1}));
}

TEST(Xtensor, AWritableViewOfAValueSavedForBackwardIsRefusedUntilBackwardFreesIt) {
  tg::Tensor x = tgtest::leaf({1, 2, 3}, {3});
  tg::Tensor w = counting({3}, tg::kFloat64);
  tg::Tensor y = (x * w).sum();  // mul saves w for x's gradient
  EXPECT_TRUE(tgtest::throws<tg::GraphError>([&] { tg::as_xtensor_mut<double>(w); },
                                             {"as_xtensor_mut", "float64 tensor of shape [3]",
                                              "saved for backward by 1 node", "clone()"}));
  EXPECT_EQ(w.to_vector<double>(), (std::vector<double>{1, 2, 3}));  // unchanged
  y.backward();                                                      // frees the saved values
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{1, 2, 3}));
  tg::as_xtensor_mut<double>(w)(0) = 10.0;
  EXPECT_EQ(w.to_vector<double>(), (std::vector<double>{10, 2, 3}));
}

TEST(Xtensor, AnOutputItsNodeSavedIsRefusedAsLongAsTheGraphLives) {
  tg::Tensor x = tgtest::leaf({0, 1}, {2});
  {
    tg::Tensor e = tg::exp(x);  // exp saves its output
    EXPECT_TRUE(tgtest::throws<tg::GraphError>([&] { tg::as_xtensor_mut<double>(e); },
                                               {"as_xtensor_mut", "[2]", "saved for backward"}));
    tg::Tensor copy = e.detach().clone();  // a clone is free to write
    tg::as_xtensor_mut<double>(copy)(0) = 7.0;
    EXPECT_EQ(copy.to_vector<double>()[0], 7.0);
  }
  // The graph died with e: nothing holds x's or e's values for backward any more.
  EXPECT_EQ(x.impl()->storage->saved_for_backward.load(), 0u);
}

TEST(Xtensor, ALeafThatRequiresGradIsWritableOnlyWithoutGradMode) {
  tg::Tensor p = tgtest::leaf({1, 2}, {2});
  EXPECT_TRUE(tgtest::throws<tg::GraphError>(
      [&] { tg::as_xtensor_mut<double>(p); },
      {"as_xtensor_mut", "float64 tensor of shape [2]", "leaf that requires grad", "NoGradGuard"}));
  {
    tg::NoGradGuard no_grad;  // an optimiser-style update
    tg::as_xtensor_mut<double>(p) *= 0.5;
  }
  EXPECT_EQ(p.to_vector<double>(), (std::vector<double>{0.5, 1.0}));
}

TEST(Xtensor, FromAnExpressionEvaluatesIntoANewTensorOfItsValueType) {
  const tg::Tensor x = counting({2, 3});
  auto v = tg::as_xtensor<float>(x);
  const tg::Tensor y = tg::from_xtensor(v * 2.f + 1.f);
  EXPECT_EQ(y.dtype(), tg::kFloat32);
  EXPECT_EQ(y.shape(), tg::Shape({2, 3}));
  EXPECT_EQ(y.to_vector<float>(), (std::vector<float>{3, 5, 7, 9, 11, 13}));
  EXPECT_FALSE(y.requires_grad());

  const tg::Tensor copy = tg::from_xtensor(v);  // copied, not aliased
  EXPECT_NE(copy.impl()->data(), x.impl()->data());
  EXPECT_EQ(copy.to_vector<float>(), x.to_vector<float>());

  const auto column = xt::reshape_view(xt::arange<double>(1, 3), {2, 1});
  const auto row = xt::arange<double>(10, 40, 10);
  const tg::Tensor sum = tg::from_xtensor(column + row);  // broadcast by xtensor
  EXPECT_EQ(sum.dtype(), tg::kFloat64);
  EXPECT_EQ(sum.shape(), tg::Shape({2, 3}));
  EXPECT_EQ(sum.to_vector<double>(), (std::vector<double>{11, 21, 31, 12, 22, 32}));

  const xt::xarray<double> zero_d = 2.5;
  const tg::Tensor scalar = tg::from_xtensor(zero_d);
  EXPECT_EQ(scalar.dim(), 0);
  EXPECT_EQ(scalar.item<double>(), 2.5);
}

TEST(Xtensor, FromAnExpressionOfIntegersOrBoolsIsADtypeError) {
  EXPECT_TRUE(tgtest::throws<tg::DtypeError>(
      [] { tg::from_xtensor(xt::arange<int>(4)); },
      {"from_xtensor", "32-bit integer", "float32", "xt::cast<float>"}));
  const xt::xarray<float> a({1.f, -1.f});
  EXPECT_TRUE(
      tgtest::throws<tg::DtypeError>([&] { tg::from_xtensor(a > 0.f); }, {"from_xtensor", "bool"}));
  // The cast the message suggests works.
  EXPECT_EQ(tg::from_xtensor(xt::cast<float>(xt::arange<int>(3))).to_vector<float>(),
            (std::vector<float>{0, 1, 2}));
}

}  // namespace

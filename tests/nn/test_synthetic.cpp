// Synthetic datasets: shapes, where the samples lie, determinism and densities.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "module_gradcheck.hpp"

namespace {

/// Distance of each row of x [N, 2] to the nearest mean.
std::vector<double> nearest(const tg::Tensor& x, const tg::Tensor& means) {
  const auto xs = x.to_vector<double>();
  const auto ms = means.to_vector<double>();
  std::vector<double> out;
  for (std::size_t i = 0; i < xs.size(); i += 2) {
    double best = 1e9;
    for (std::size_t k = 0; k < ms.size(); k += 2)
      best = std::min(best, std::hypot(xs[i] - ms[k], xs[i + 1] - ms[k + 1]));
    out.push_back(best);
  }
  return out;
}

}  // namespace

TEST(Synthetic, EightGaussiansOnARing) {
  tg::Generator gen(1);
  const tg::Tensor x = tg::data::eight_gaussians(512, gen);
  EXPECT_EQ(x.shape(), tg::Shape({512, 2}));
  const auto ring = tg::data::GaussianMixture::ring(8);
  EXPECT_TRUE(tgtest::values_near(tg::slice(ring.means(), 0, 2, 3), {0, 2}, 1e-6));  // 90°
  for (double d : nearest(x, ring.means())) EXPECT_LT(d, 0.02 * 6);
  tg::Generator again(1);
  EXPECT_EQ(tg::data::eight_gaussians(512, again).to_vector<float>(), x.to_vector<float>());
}

TEST(Synthetic, FiveByFiveGrid) {
  tg::Generator gen(2);
  const tg::Tensor x = tg::data::grid_25_gaussians(1000, gen);
  const auto grid = tg::data::GaussianMixture::grid();
  EXPECT_EQ(grid.means().shape(), tg::Shape({25, 2}));
  EXPECT_TRUE(tgtest::values_near(tg::slice(grid.means(), 0, 0, 1), {-4, -4}, 0));
  EXPECT_TRUE(tgtest::values_near(tg::slice(grid.means(), 0, 24, 25), {4, 4}, 0));
  for (double d : nearest(x, grid.means())) EXPECT_LT(d, 0.05 * 6);
}

TEST(Synthetic, SwissRollRadiusGrowsWithAngle) {
  tg::Generator gen(3);
  const auto v = tg::data::swiss_roll(200, gen, 0.0, 1.0, tg::kFloat64).to_vector<double>();
  for (std::size_t i = 0; i < v.size(); i += 2) {
    const double r = std::hypot(v[i], v[i + 1]);  // r = t ∈ [1.5π, 4.5π]
    EXPECT_GE(r, 1.5 * std::numbers::pi - 1e-9);
    EXPECT_LE(r, 4.5 * std::numbers::pi + 1e-9);
    EXPECT_NEAR(std::atan2(v[i + 1], v[i]), std::remainder(r, 2 * std::numbers::pi), 1e-9);
  }
}

TEST(Synthetic, GaussianMixtureLogProbByHandAndGradient) {
  // One component at 0 in 2-D with σ = 1: log p(x) = −|x|²/2 − log 2π.
  tg::data::GaussianMixture g(tg::zeros({1, 2}, tg::kFloat64), 1.0);
  const tg::Tensor x = tg::from_vector(std::vector<double>{1, 2, 0, 0}, {2, 2});
  EXPECT_TRUE(tgtest::values_near(
      g.log_prob(x), {-2.5 - std::log(2 * std::numbers::pi), -std::log(2 * std::numbers::pi)},
      1e-12));
  tg::Generator gen(4);
  auto mix = tg::data::GaussianMixture::random(3, 4, gen, 2.0, 0.7, tg::kFloat64);
  const tg::Tensor s = mix.sample(6, gen).requires_grad_();
  auto r = tg::gradcheck([&](const tg::TensorList& in) { return mix.log_prob(in[0]); }, {s});
  EXPECT_TRUE(r) << r.message;
  EXPECT_EQ(mix.sample(10, gen).shape(), tg::Shape({10, 4}));
}

TEST(Synthetic, LinearManifoldLiesInItsSubspace) {
  tg::Generator gen(5);
  tg::data::LinearManifold m(6, 2, gen, 0.0, tg::kFloat64);
  // Orthonormal basis.
  EXPECT_TRUE(tgtest::values_near(tg::matmul(m.basis(), m.basis().t()), {1, 0, 0, 1}, 1e-12));
  const tg::Tensor x = m.sample(50, gen);
  EXPECT_EQ(x.shape(), tg::Shape({50, 6}));
  // x − c projected onto the basis and back is x − c: no component off the subspace.
  const tg::Tensor centred = x - m.offset();
  const tg::Tensor back = tg::matmul(tg::matmul(centred, m.basis().t()), m.basis());
  EXPECT_LT((back - centred).norm().item<double>(), 1e-10);
  EXPECT_THROW(tg::data::LinearManifold(3, 4, gen), tg::ValueError);
}

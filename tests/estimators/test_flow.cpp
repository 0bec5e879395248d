// The coupling flow: its density integrates to 1, its sampler draws from that density, and
// its two directions invert each other.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "../nn/module_gradcheck.hpp"
#include "../nn/temp_dir.hpp"
#include "tapegrad/autograd.hpp"
#include "tapegrad/estimators/flow.hpp"
#include "tapegrad/nn/checkpoint.hpp"

namespace {

tg::nn::CouplingOptions random_tanh_layers() {
  // Tanh nets keep the density smooth (ReLU would put kinks in it, which the grid rule
  // below would resolve only to O(h²)); zero_init = false makes the layers non-trivial.
  return {.hidden = {16},
          .activation = tg::nn::Activation::Tanh,
          .zero_init = false,
          .dtype = tg::kFloat64};
}

struct GridMoments {
  double mass = 0, mean_x = 0, mean_y = 0, var_x = 0, var_y = 0;
};

/// Σ p(x)·h² over a (2m+1)² grid of spacing h on [−m·h, m·h]² (the trapezoid rule: the
/// density is negligible at the edges), and the first two moments of x.
GridMoments grid_moments(const tg::est::CouplingFlow& flow, double half_width, int64_t m) {
  const double h = half_width / static_cast<double>(m);
  const int64_t side = 2 * m + 1;
  std::vector<double> pts;
  for (int64_t i = 0; i < side; ++i)
    for (int64_t j = 0; j < side; ++j) {
      pts.push_back(static_cast<double>(i - m) * h);
      pts.push_back(static_cast<double>(j - m) * h);
    }
  tg::NoGradGuard no_grad;
  const auto lp = flow.log_prob(tg::from_vector(pts, {side * side, 2})).to_vector<double>();
  GridMoments g;
  for (size_t k = 0; k < lp.size(); ++k) {
    const double w = std::exp(lp[k]) * h * h;
    g.mass += w;
    g.mean_x += w * pts[2 * k];
    g.mean_y += w * pts[2 * k + 1];
    g.var_x += w * pts[2 * k] * pts[2 * k];
    g.var_y += w * pts[2 * k + 1] * pts[2 * k + 1];
  }
  g.var_x -= g.mean_x * g.mean_x;
  g.var_y -= g.mean_y * g.mean_y;
  return g;
}

// Four random couplings over N(0, I). Their density has per-coordinate variances below 2
// (checked below from the grid), so [−12, 12]² reaches more than 8 standard deviations out
// on every side, and the trapezoid rule on a smooth, Gaussian-tailed density converges
// faster than any power of h: the mass is 1 within 1e-6, and halving h from 0.2 to 0.1
// changes it by less than that.
TEST(CouplingFlow, DensityIntegratesToOneOnAGrid) {
  tg::Generator gen(3);
  tg::est::CouplingFlow flow(2, 4, gen, random_tanh_layers());
  const GridMoments coarse = grid_moments(flow, 12, 60), fine = grid_moments(flow, 12, 120);
  EXPECT_LT(fine.var_x, 2.0);
  EXPECT_LT(fine.var_y, 2.0);
  EXPECT_NEAR(fine.mass, 1.0, 1e-6);
  EXPECT_NEAR(coarse.mass, fine.mass, 1e-6);
  // The flow is not the base: its mean is moved away from 0.
  EXPECT_GT(std::hypot(fine.mean_x, fine.mean_y), 0.05);
}

// Samples come from the density: over n = 20,000 samples the mean of each coordinate is
// within 5 standard errors sqrt(Var/n) of the grid's expectation (Var from the grid too).
TEST(CouplingFlow, SamplesFollowTheDensity) {
  tg::Generator gen(3);
  tg::est::CouplingFlow flow(2, 4, gen, random_tanh_layers());
  const GridMoments g = grid_moments(flow, 12, 60);
  const int64_t n = 20000;
  tg::Generator sample_gen(9);
  const auto mean = tg::mean(flow.sample(n, sample_gen), {0}).to_vector<double>();
  EXPECT_NEAR(mean[0], g.mean_x, 5 * std::sqrt(g.var_x / static_cast<double>(n)));
  EXPECT_NEAR(mean[1], g.mean_y, 5 * std::sqrt(g.var_y / static_cast<double>(n)));
}

TEST(CouplingFlow, BaseAndDataDirectionsInvertEachOther) {
  tg::Generator gen(4);
  tg::est::CouplingFlow flow(3, 3, gen, random_tanh_layers());
  tg::Tensor x = tg::randn({8, 3}, gen, tg::kFloat64);
  auto [z, log_det] = flow.to_base(x);
  EXPECT_EQ(log_det.shape(), (tg::Shape{8}));
  const auto back = flow.from_base(z).to_vector<double>(), orig = x.to_vector<double>();
  for (size_t i = 0; i < orig.size(); ++i) EXPECT_NEAR(back[i], orig[i], 1e-12);
  // Alternating masks: every coordinate is moved by some layer.
  EXPECT_GT(tg::max(tg::abs(z - x)).item<double>(), 1e-3);
}

// log_prob's gradients in the input and in every coupling's weights, in float64.
TEST(CouplingFlow, LogProbPassesModuleGradcheck) {
  tg::Generator gen(5);
  tg::est::CouplingFlow flow(2, 2, gen,
                             {.hidden = {4},
                              .activation = tg::nn::Activation::Tanh,
                              .zero_init = false,
                              .dtype = tg::kFloat64});
  EXPECT_TRUE(tg::testing::module_gradcheck(flow, tg::randn({3, 2}, gen, tg::kFloat64)));
}

// Saved under the couplings' dotted names ("0.net.0.weight", ...) and loaded into a fresh
// flow of the same shape, it gives the same density.
TEST(CouplingFlow, CheckpointRoundTrip) {
  tg::testing::TempDir dir;
  tg::Generator gen(6);
  tg::est::CouplingFlow trained(2, 3, gen, random_tanh_layers());
  tg::nn::save(trained, dir.file("flow.npz"));
  tg::est::CouplingFlow fresh(2, 3, gen, random_tanh_layers());
  tg::Tensor x = tg::randn({5, 2}, gen, tg::kFloat64);
  EXPECT_NE(fresh.log_prob(x).to_vector<double>(), trained.log_prob(x).to_vector<double>());
  tg::nn::load(fresh, dir.file("flow.npz"));
  EXPECT_EQ(fresh.log_prob(x).to_vector<double>(), trained.log_prob(x).to_vector<double>());
  EXPECT_EQ(trained.state().front().first, "0.net.0.weight");
}

TEST(CouplingFlow, BadInputIsNamed) {
  tg::Generator gen(0);
  try {
    tg::est::CouplingFlow(1, 2, gen);
    ADD_FAILURE() << "no exception";
  } catch (const tg::ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("CouplingFlow: need dim >= 2"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("got dim 1 and layers 2"), std::string::npos);
  }
  EXPECT_THROW(tg::est::CouplingFlow(2, 0, gen), tg::ValueError);
  tg::est::CouplingFlow flow(2, 2, gen);
  EXPECT_THROW(flow.log_prob(tg::zeros({4, 3})), tg::ShapeError);
  EXPECT_THROW(flow.log_prob(tg::zeros({4, 2}, tg::kFloat64)), tg::DtypeError);
}

}  // namespace

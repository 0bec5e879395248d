// Includes only <tapegrad.hpp> and uses at least one name from every public header (the
// comment before each use names the header), so an umbrella header that misses one fails
// to compile here. Each result is checked; the program prints "umbrella: N checks passed".
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <tapegrad.hpp>

namespace {

int checks = 0;

void check(bool ok, const std::string& what) {
  if (!ok) throw std::runtime_error("umbrella check failed: " + what);
  ++checks;
}

// function.hpp, record.hpp: a custom op, y = x³, with its backward rule.
struct Cube : tg::Function<Cube> {
  static std::string_view name() { return "cube"; }
  static tg::Tensor forward(tg::FunctionContext& ctx, const tg::TensorList& in) {
    ctx.save_for_backward({in[0]});
    return in[0] * in[0] * in[0];
  }
  static tg::TensorList backward(tg::BackwardContext& ctx) {
    const tg::Tensor x = ctx.saved(0);
    return {ctx.grad() * 3.0 * x * x};
  }
};

void autograd_layer(const std::filesystem::path& dir) {
  // parallel.hpp
  tg::set_num_threads(1);
  check(tg::get_num_threads() == 1, "set_num_threads");
  // dtype.hpp, random.hpp, tensor.hpp, shape.hpp
  tg::Generator gen(7);
  tg::Tensor x = tg::randn({4, 3}, gen, tg::kFloat64).requires_grad_();
  check(tg::itemsize(x.dtype()) == 8 && x.shape() == tg::Shape({4, 3}), "randn");
  check(tg::broadcast_shapes({4, 1}, {3}, "umbrella") == tg::Shape({4, 3}), "broadcast_shapes");
  // ops/factory.hpp, ops/elementwise.hpp, ops/reduction.hpp, ops/linalg.hpp
  const tg::Tensor w = tg::eye(3, tg::kFloat64);
  const tg::Tensor y = tg::exp(tg::matmul(x, w)).sum();
  // engine.hpp
  const tg::Tensor g = tg::grad({y}, {x}, {.create_graph = true})[0];
  check(std::abs(g.sum().item<double>() - y.item<double>()) < 1e-9, "grad of sum exp");
  // function.hpp + gradcheck.hpp
  check(static_cast<bool>(
            tg::gradcheck([](const tg::TensorList& in) { return Cube::apply(in).sum(); }, {x})),
        "gradcheck of a custom Function");
  // hessian.hpp: tr ∇² ½‖x‖² = D per sample
  const tg::Tensor trace =
      tg::hessian_trace_loop([](const tg::Tensor& v) { return 0.5 * (v * v).sum(tg::Axes{1}); }, x);
  check(std::abs(trace.sum().item<double>() - 12.0) < 1e-9, "hessian_trace_loop");
  // introspect.hpp, node.hpp
  check(!tg::tape({y}).empty() && tg::live_nodes() > 0, "tape and live_nodes");
  // grad_mode.hpp
  {
    tg::NoGradGuard no_grad;
    check(!(x * 2.0).requires_grad(), "NoGradGuard");
  }
  // ops/conversion.hpp, ops/shape_ops.hpp
  const tg::Tensor flat = tg::reshape(tg::clone(x.detach()), {12});
  check(tg::cat({flat, flat}).numel() == 24, "cat");
  // ops/loss.hpp
  check(tg::mse_loss(flat, flat).item<double>() == 0.0, "mse_loss");
  // storage.hpp, saved_tensor.hpp
  check(tg::live_bytes() > 0 && tg::SavedTensor().nbytes() == 0, "live_bytes, SavedTensor");
  // error.hpp
  bool threw = false;
  try {
    tg::matmul(tg::ones({2, 3}), tg::ones({2, 3}));
  } catch (const tg::ShapeError&) {
    threw = true;
  }
  check(threw, "matmul of mismatched shapes raises tg::ShapeError");
  // data/idx.hpp: a 3-byte IDX file (magic 0 0 0x08 1, size 3 big-endian)
  const auto idx = dir / "three.idx";
  std::ofstream(idx, std::ios::binary).write("\0\0\x08\x01\0\0\0\x03\x01\x02\x03", 11);
  check(tg::data::read_idx(idx.string()).sum().item<float>() == 6.0f, "read_idx");
}

void nn_layer(const std::filesystem::path& dir) {
  tg::Generator gen(3);
  // data/synthetic.hpp, data/dataset.hpp, data/dataloader.hpp
  const tg::Tensor points = tg::data::eight_gaussians(32, gen);
  auto dataset = std::make_shared<tg::data::TensorDataset>(points);
  tg::data::DataLoader loader(dataset, {.batch_size = 8});
  check(loader.num_batches() == 4, "DataLoader");
  // data/fashion_mnist.hpp
  check(std::string(tg::data::kFashionMnistDir).find("fashion-mnist") != std::string::npos,
        "kFashionMnistDir");
  // nn/sequential.hpp, nn/linear.hpp, nn/activation.hpp, nn/norm.hpp, nn/dropout.hpp,
  // nn/maxout.hpp, nn/mlp.hpp, nn/init.hpp, nn/module.hpp
  tg::nn::Sequential net;
  auto first = net.emplace_back<tg::nn::Linear>(2, 8, gen);
  net.emplace_back<tg::nn::LayerNorm>(tg::Shape{8});
  net.emplace_back<tg::nn::ReLU>();
  net.emplace_back<tg::nn::Dropout>(0.1, gen);
  net.emplace_back<tg::nn::Maxout>(8, 4, 2, gen);
  net.emplace_back<tg::nn::MLP>(std::vector<int64_t>{4, 4, 1}, tg::nn::Activation::Tanh, gen);
  tg::nn::init::zeros_(first->bias);
  net.eval();
  check(net.forward(points).shape() == tg::Shape({32, 1}), "Sequential forward");
  // nn/coupling.hpp
  check(tg::nn::AffineCoupling::checkerboard(4).size() == 4, "checkerboard");
  // optim/sgd.hpp, optim/adam.hpp, optim/rmsprop.hpp, optim/optimizer.hpp, optim/clip.hpp,
  // optim/schedule.hpp
  tg::optim::Adam adam(net.parameters(), {.lr = 1e-2});
  tg::optim::SGD sgd(net.parameters());
  tg::optim::RMSprop rmsprop(net.parameters());
  tg::optim::StepLR schedule(adam, 10);
  tg::optim::Optimizer& optimizer = adam;
  tg::square(net.forward(points)).mean().backward();
  check(tg::optim::clip_grad_norm_(net.parameters(), 1.0) > 0, "clip_grad_norm_");
  optimizer.step();
  schedule.step();
  // nn/checkpoint.hpp, nn/npz.hpp
  const auto path = (dir / "net.npz").string();
  tg::nn::save(net, path);
  tg::nn::load(net, path);
  check(tg::nn::read_npz(path).size() == net.state().size(), "save, load, read_npz");
}

void estimators_layer() {
  tg::Generator gen(5);
  const tg::Tensor data = tg::randn({64, 2}, gen, tg::kFloat64);
  // estimators/gaussian.hpp, estimators/distribution.hpp, estimators/mle.hpp
  tg::est::DiagonalGaussian model(2, tg::kFloat64);
  const tg::est::Distribution& density = model;
  check(std::isfinite(tg::est::nll(density, data).item<double>()), "nll");
  // estimators/mixture.hpp, estimators/flow.hpp
  tg::est::GaussianMixture mixture(3, 2, gen, tg::kFloat64);
  tg::est::CouplingFlow flow(2, 2, gen, {.dtype = tg::kFloat64});
  check(mixture.dim() == 2 && flow.dim() == 2, "GaussianMixture, CouplingFlow");
  // estimators/energy.hpp, estimators/nce.hpp
  const tg::est::Energy energy = [](const tg::Tensor& x) { return 0.5 * (x * x).sum(tg::Axes{1}); };
  const tg::Tensor log_z = tg::zeros({}, tg::kFloat64).requires_grad_();
  check(std::isfinite(tg::est::nce_loss(energy, log_z, data, model, 1.0, gen).item<double>()),
        "nce_loss");
  // estimators/langevin.hpp, estimators/contrastive_divergence.hpp
  const auto chain = tg::est::langevin(energy, data, gen, {.steps = 2});
  check(std::isfinite(
            tg::est::contrastive_divergence_loss(energy, data, chain.samples).item<double>()),
        "langevin, contrastive_divergence_loss");
  // estimators/score_matching.hpp
  check(tg::est::geometric_noise_levels(1.0, 0.01, 3).size() == 3, "geometric_noise_levels");
  // estimators/flow_contrastive.hpp: a discriminating energy (accuracy 0.9 > 0.6) hands
  // the turn to the flow.
  check(tg::est::fce_player_to_update(0.9) == tg::est::FcePlayer::Flow, "fce_player_to_update");
  // estimators/variational_ebm.hpp
  const tg::est::VariationalEbmLosses v = tg::est::variational_ebm_losses(energy, flow, data, gen);
  check(std::isfinite(v.bound.item<double>()), "variational_ebm_losses");
  // estimators/gan.hpp, estimators/game.hpp, estimators/gradient_penalty.hpp
  const tg::Tensor logits = tg::randn({16}, gen, tg::kFloat64);
  check(std::isfinite(tg::est::discriminator_loss(logits, logits).item<double>()) &&
            std::isfinite(tg::est::non_saturating_cost(logits).item<double>()),
        "discriminator_loss, non_saturating_cost");
  const tg::est::Critic critic = [](const tg::Tensor& x) { return x.sum(tg::Axes{1}); };
  // ‖∇ Σx‖ = √2 for every point, so the penalty is (√2 − 1)².
  const double penalty = tg::est::gradient_penalty(critic, data).item<double>();
  check(std::abs(penalty - std::pow(std::sqrt(2.0) - 1.0, 2)) < 1e-9, "gradient_penalty");
  // estimators/mode_coverage.hpp, data/synthetic.hpp's GaussianMixture
  const auto ring = tg::data::GaussianMixture::ring(8);
  check(tg::est::mode_coverage(ring.sample(800, gen), ring).modes_covered == 8, "mode_coverage");
  // estimators/parzen.hpp
  check(tg::est::log_spaced(0.1, 10.0, 3).size() == 3, "log_spaced");
}

}  // namespace

int main() {
  const auto dir = std::filesystem::temp_directory_path() / "tapegrad_umbrella";
  std::filesystem::create_directories(dir);
  autograd_layer(dir);
  nn_layer(dir);
  estimators_layer();
  std::filesystem::remove_all(dir);
  std::cout << "umbrella: " << checks << " checks passed\n";
}

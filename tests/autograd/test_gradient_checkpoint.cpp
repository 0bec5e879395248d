// Gradient checkpointing (gradient_checkpoint.hpp, Note [Recomputed saved tensors]): every
// gradient is the plain run's bit for bit, under create_graph too (a GAN-GP penalty through a
// checkpointed critic), at a fraction of the live bytes, with nothing left behind; random
// draws repeat; forward mode passes through; bad use is refused by name.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>

#include "checks.hpp"
#include "tapegrad/autograd.hpp"
#include "thread_count.hpp"

namespace {

using tg::Tensor;
using tg::TensorList;
using tgtest::throws;

/// Bit-for-bit equality: the same shape, dtype and bytes.
::testing::AssertionResult identical(const Tensor& a, const Tensor& b) {
  if (!a.defined() || !b.defined())
    return a.defined() == b.defined() ? ::testing::AssertionSuccess()
                                      : ::testing::AssertionFailure() << "one is undefined";
  if (a.shape() != b.shape() || a.dtype() != b.dtype())
    return ::testing::AssertionFailure() << a.shape().str() << " " << tg::name(a.dtype()) << " vs "
                                         << b.shape().str() << " " << tg::name(b.dtype());
  return tg::visit_any_dtype(a.dtype(), [&]<class T>() -> ::testing::AssertionResult {
    const T* pa = a.data<T>();
    const T* pb = b.data<T>();
    for (int64_t i = 0; i < a.numel(); ++i)
      if (std::memcmp(pa + i, pb + i, sizeof(T)) != 0)
        return ::testing::AssertionFailure() << "value " << i << ": " << pa[i] << " vs " << pb[i];
    return ::testing::AssertionSuccess();
  });
}

::testing::AssertionResult identical(const TensorList& a, const TensorList& b) {
  if (a.size() != b.size())
    return ::testing::AssertionFailure() << a.size() << " tensors vs " << b.size();
  for (size_t i = 0; i < a.size(); ++i)
    if (auto r = identical(a[i], b[i]); !r) return r << " (tensor " << i << ")";
  return ::testing::AssertionSuccess();
}

/// An MLP whose hidden layers alternate softplus (which saves its input) and tanh (which
/// saves its output, Note [Saved outputs]); the last layer is linear. Its parameters are
/// leaves the checkpointed functions capture.
struct Mlp {
  TensorList w, b;

  Tensor layer(size_t i, const Tensor& h) const {
    Tensor z = tg::linear(h, w[i], b[i]);
    if (i + 1 == w.size()) return z;
    return i % 2 == 0 ? tg::softplus(z) : tg::tanh(z);
  }
  /// The plain forward (segment 0), or checkpointed in runs of `segment` layers.
  Tensor forward(const Tensor& x, size_t segment) const {
    Tensor h = x;
    for (size_t lo = 0; lo < w.size(); lo += segment == 0 ? w.size() : segment) {
      const size_t hi = segment == 0 ? w.size() : std::min(w.size(), lo + segment);
      auto run = [this, lo, hi](const TensorList& in) {
        Tensor y = in[0];
        for (size_t i = lo; i < hi; ++i) y = layer(i, y);
        return y;
      };
      h = segment == 0 ? run({h}) : tg::checkpoint(run, {h});
    }
    return h;
  }
  TensorList params() const {
    TensorList p;
    for (size_t i = 0; i < w.size(); ++i) {
      p.push_back(w[i]);
      p.push_back(b[i]);
    }
    return p;
  }
  TensorList grads() const {
    TensorList g;
    for (const Tensor& p : params()) g.push_back(p.grad());
    return g;
  }
};

Mlp make_mlp(const std::vector<int64_t>& widths, tg::Dtype dtype, uint64_t seed) {
  tg::Generator gen(seed);
  Mlp m;
  for (size_t i = 0; i + 1 < widths.size(); ++i) {
    const double scale = 1.5 / std::sqrt(static_cast<double>(widths[i]));
    m.w.push_back((tg::randn({widths[i + 1], widths[i]}, gen, dtype) * scale).requires_grad_());
    m.b.push_back((tg::randn({widths[i + 1]}, gen, dtype) * 0.1).requires_grad_());
  }
  return m;
}

std::vector<int64_t> widths(int64_t in, int64_t hidden, int layers, int64_t out) {
  std::vector<int64_t> w{in};
  for (int i = 1; i < layers; ++i) w.push_back(hidden);
  w.push_back(out);
  return w;
}

/// What one GAN-GP step computes: losses, the penalty's inner gradient, and every gradient.
struct GanGpStep {
  TensorList values;  ///< D loss, G loss, ∇ D(x̂)
  TensorList d_grads, g_grads;
  Tensor xhat_grad;

  TensorList all() const {
    TensorList a = values;
    a.insert(a.end(), d_grads.begin(), d_grads.end());
    a.insert(a.end(), g_grads.begin(), g_grads.end());
    a.push_back(xhat_grad);
    return a;
  }
};

/// One discriminator step with the GAN-GP penalty λ·mean((‖∇ₓ̂ D(x̂)‖ − 1)²), λ = 10 (a
/// create_graph gradient, then the outer backward to D's parameters and to x̂), and one
/// generator step through D, all from fixed seeds; D is an 8-layer MLP checkpointed in runs
/// of `segment` layers (0: not at all), G a plain 2-layer MLP.
GanGpStep gan_gp_step(tg::Dtype dtype, size_t segment, int64_t width = 16, int64_t batch = 32) {
  const Mlp d = make_mlp(widths(4, width, 8, 1), dtype, 11);
  const Mlp g = make_mlp({3, width, 4}, dtype, 12);
  tg::Generator gen(13);
  const Tensor real = tg::randn({batch, 4}, gen, dtype);
  const Tensor z = tg::randn({batch, 3}, gen, dtype);
  const Tensor alpha = tg::rand({batch, 1}, gen, dtype);
  const Tensor fake = g.forward(z, 0);
  Tensor xhat = (alpha * real + (1.0 - alpha) * fake.detach()).detach().requires_grad_();

  const Tensor gx = tg::grad({d.forward(xhat, segment).sum()}, {xhat}, {.create_graph = true})[0];
  const Tensor distance = gx.norm({1}) - 1.0;
  const Tensor penalty = (distance * distance).mean();
  const Tensor loss_d = tg::softplus(-d.forward(real, segment)).mean() +
                        tg::softplus(d.forward(fake.detach(), segment)).mean() + penalty * 10.0;
  loss_d.backward();
  const Tensor loss_g = tg::softplus(-d.forward(fake, segment)).mean();
  GanGpStep step;
  step.g_grads = tg::grad({loss_g}, g.params());
  step.values = {loss_d.detach(), loss_g.detach(), gx.detach()};
  step.d_grads = d.grads();
  step.xhat_grad = xhat.grad();
  return step;
}

TEST(GradientCheckpoint, GanGpGradientsThroughAnEightLayerCriticAreThePlainRunsBitForBit) {
  for (tg::Dtype dtype : {tg::kFloat32, tg::kFloat64}) {
    const GanGpStep plain = gan_gp_step(dtype, 0);
    for (size_t segment : {1, 3}) {
      SCOPED_TRACE(std::string(tg::name(dtype)) + ", segments of " + std::to_string(segment));
      const GanGpStep ckpt = gan_gp_step(dtype, segment);
      EXPECT_TRUE(identical(ckpt.values, plain.values));
      EXPECT_TRUE(identical(ckpt.d_grads, plain.d_grads));
      EXPECT_TRUE(identical(ckpt.g_grads, plain.g_grads));
      EXPECT_TRUE(identical(ckpt.xhat_grad, plain.xhat_grad));
    }
  }
}

TEST(GradientCheckpoint, IsBitIdenticalRunToRunAndToThePlainRunAtTwoThreads) {
  tgtest::ThreadCount two(2);
  // Wide enough that the GEMMs and elementwise kernels split across both threads.
  const GanGpStep plain = gan_gp_step(tg::kFloat32, 0, 256, 256);
  const GanGpStep first = gan_gp_step(tg::kFloat32, 2, 256, 256);
  const GanGpStep second = gan_gp_step(tg::kFloat32, 2, 256, 256);
  EXPECT_TRUE(identical(first.all(), second.all()));
  EXPECT_TRUE(identical(first.all(), plain.all()));
}

TEST(GradientCheckpoint, ParametersPassedAsInputsGetTheGradientsOfCapturedOnes) {
  const Mlp mlp = make_mlp({5, 8, 8, 1}, tg::kFloat64, 3);
  tg::Generator gen(4);
  const Tensor x = tg::randn({6, 5}, gen, tg::kFloat64);
  const Tensor plain = mlp.forward(x, 0);
  const TensorList expected = tg::grad({plain.sum()}, mlp.params());
  Tensor h = x;
  for (size_t i = 0; i < mlp.w.size(); ++i)
    h = tg::checkpoint(
        [i](const TensorList& in) {
          Tensor z = tg::linear(in[0], in[1], in[2]);
          return i + 1 == 3 ? z : i % 2 == 0 ? tg::softplus(z) : tg::tanh(z);
        },
        {h, mlp.w[i], mlp.b[i]});
  EXPECT_TRUE(identical(h, plain));
  EXPECT_TRUE(identical(tg::grad({h.sum()}, mlp.params()), expected));
}

/// Runs `run` (a forward and backward that leaves its gradients in the parameters' .grad)
/// and returns the most bytes live storages held meanwhile beyond what was live before.
template <class Run>
int64_t peak_bytes_of(const Mlp& mlp, Run&& run) {
  for (Tensor p : mlp.params()) p.zero_grad();
  const int64_t before = tg::live_bytes();
  tg::reset_peak_live_bytes();
  run();
  return tg::peak_live_bytes() - before;
}

TEST(GradientCheckpoint, SixteenLayerMlpInFourSegmentsPeaksBelowHalfThePlainLiveBytes) {
  // Activations are [2048, 32] float32, 256 KiB each (a weight is 4 KiB). The plain run keeps
  // per layer linear's input, and on the softplus layers softplus's input too (tanh keeps
  // its output, the next linear's input): 24 of them, plus the output, and at its peak it
  // holds 28 (7.3 MB). In √16 = 4 segments only the 3 later segments' inputs stay between
  // forward and backward; backward adds one segment's 5 recomputed values, the output and
  // the gradients in flight: 13 (3.4 MB), 0.47 of the plain peak. Checkpointing every
  // layer keeps 15 inputs: 0.71.
  const Mlp mlp = make_mlp(widths(32, 32, 16, 32), tg::kFloat32, 5);
  tg::Generator gen(6);
  const Tensor x = tg::randn({2048, 32}, gen);
  auto loss_of = [](const Tensor& y) { return (y * y).mean(); };

  const int64_t plain = peak_bytes_of(mlp, [&] { loss_of(mlp.forward(x, 0)).backward(); });
  const TensorList plain_grads = mlp.grads();
  std::vector<std::function<Tensor(const Tensor&)>> layers;
  for (size_t i = 0; i < mlp.w.size(); ++i)
    layers.push_back([&mlp, i](const Tensor& h) { return mlp.layer(i, h); });
  const int64_t segmented =
      peak_bytes_of(mlp, [&] { loss_of(tg::checkpoint_sequential(layers, 4, x)).backward(); });
  const TensorList segmented_grads = mlp.grads();
  const int64_t per_layer = peak_bytes_of(mlp, [&] { loss_of(mlp.forward(x, 1)).backward(); });

  std::printf(
      "[ peak live bytes ] 16-layer MLP: plain %lld, 4 segments %lld (%.2f), per layer "
      "%lld (%.2f)\n",
      static_cast<long long>(plain), static_cast<long long>(segmented),
      static_cast<double>(segmented) / static_cast<double>(plain),
      static_cast<long long>(per_layer),
      static_cast<double>(per_layer) / static_cast<double>(plain));
  EXPECT_LE(2 * segmented, plain);
  EXPECT_LT(per_layer, plain);  // 16 segment inputs and one layer's values instead of 32
  EXPECT_TRUE(identical(segmented_grads, plain_grads));
  EXPECT_TRUE(identical(mlp.grads(), plain_grads));
}

TEST(GradientCheckpoint, KeepsOnlyItsInputsAndTheParametersBetweenForwardAndBackward) {
  const Mlp mlp = make_mlp({8, 64, 64, 64, 64}, tg::kFloat64, 7);
  tg::Generator gen(8);
  const Tensor x = tg::randn({128, 8}, gen, tg::kFloat64);
  const int64_t before = tg::live_bytes();
  const Tensor y = mlp.forward(x, 4);  // one checkpoint around all four layers
  EXPECT_EQ(tg::live_bytes() - before, static_cast<int64_t>(y.nbytes()));
  // The same nodes as the plain run's (leaving out the parameters' accumulators, which
  // the two graphs share); only the linear layers keep a value: their weight.
  auto ops_and_saved = [](const Tensor& out) {
    std::vector<std::pair<std::string, size_t>> entries;
    for (const auto& e : tg::tape({out}))
      if (e.op != "AccumulateGrad") entries.emplace_back(e.op, e.saved_bytes);
    return entries;
  };
  const auto entries = ops_and_saved(y);
  const auto plain = ops_and_saved(mlp.forward(x, 0));
  ASSERT_EQ(entries.size(), plain.size());
  size_t layer = 0;
  for (size_t i = 0; i < entries.size(); ++i) {
    const auto& [op, saved] = entries[i];
    EXPECT_EQ(op, plain[i].first);
    EXPECT_EQ(saved, op == "linear" ? mlp.w[layer++].nbytes() : 0u) << op;
    EXPECT_GT(plain[i].second, saved) << op;
  }
  EXPECT_EQ(layer, mlp.w.size());
}

TEST(GradientCheckpoint, PassesGradcheckAndGradgradcheckInFloat64) {
  const Tensor x = tgtest::rleaf({3, 4}, 21);
  const Tensor w1 = tgtest::rleaf({5, 4}, 22);
  const Tensor b1 = tgtest::rleaf({5}, 23);
  const Tensor w2 = tgtest::rleaf({2, 5}, 24);
  auto f = [](const TensorList& in) {
    return tg::checkpoint(
        [](const TensorList& a) {
          return tg::tanh(tg::linear(tg::softplus(tg::linear(a[0], a[1], a[2])), a[3], Tensor()));
        },
        in);
  };
  EXPECT_TRUE(tgtest::grad_ok(f, {x, w1, b1, w2}));
}

TEST(GradientCheckpoint, LiveNodesAndBytesReturnToTheirBaselineAfterEveryStep) {
  const Mlp d = make_mlp(widths(4, 16, 6, 1), tg::kFloat64, 31);
  tg::Generator gen(32);
  const Tensor real = tg::randn({16, 4}, gen, tg::kFloat64);
  auto step = [&] {
    Tensor xhat = (real * 0.5).detach().requires_grad_();
    const Tensor gx = tg::grad({d.forward(xhat, 2).sum()}, {xhat}, {.create_graph = true})[0];
    const Tensor loss = tg::softplus(-d.forward(real, 3)).mean() + (gx * gx).sum({1}).mean();
    loss.backward();
    for (Tensor p : d.params()) p.zero_grad();
  };
  const auto nodes = tg::live_nodes();
  const auto bytes = tg::live_bytes();
  for (int i = 0; i < 5; ++i) {
    step();
    ASSERT_EQ(tg::live_nodes(), nodes) << "step " << i;
    ASSERT_EQ(tg::live_bytes(), bytes) << "step " << i;
  }
}

TEST(GradientCheckpoint, RetainedGraphRecomputesInEveryPassAndAFreedOneIsRefused) {
  const Mlp mlp = make_mlp({3, 6, 6, 2}, tg::kFloat64, 41);
  tg::Generator gen(42);
  const Tensor x = tg::randn({4, 3}, gen, tg::kFloat64);
  auto two_passes = [&](size_t segment) {
    for (Tensor p : mlp.params()) p.zero_grad();
    const Tensor loss = mlp.forward(x, segment).sum();
    loss.backward({.retain_graph = true});
    loss.backward();
    return mlp.grads();
  };
  const TensorList plain = two_passes(0);
  EXPECT_TRUE(identical(two_passes(1), plain));
  const Tensor loss = mlp.forward(x, 2).sum();
  loss.backward();
  EXPECT_TRUE(throws<tg::GraphError>([&] { loss.backward(); }, {"a second time", "retain_graph"}));
}

TEST(GradientCheckpoint, NestedAndMultiOutputCheckpointsGiveThePlainGradients) {
  const Mlp mlp = make_mlp({3, 8, 8, 8, 8, 2}, tg::kFloat64, 51);
  tg::Generator gen(52);
  const Tensor x = tg::randn({5, 3}, gen, tg::kFloat64);
  const Tensor plain = mlp.forward(x, 0);
  const TensorList expected = tg::grad({(plain * plain).sum()}, mlp.params());
  const Tensor nested = tg::checkpoint(
      [&](const TensorList& in) {
        Tensor h = tg::checkpoint(
            [&](const TensorList& a) { return mlp.layer(1, mlp.layer(0, a[0])); }, in);
        return mlp.layer(4, mlp.layer(3, mlp.layer(2, h)));
      },
      {x});
  EXPECT_TRUE(identical(nested, plain));
  EXPECT_TRUE(identical(tg::grad({(nested * nested).sum()}, mlp.params()), expected));

  // Two outputs of one checkpoint, both differentiated.
  const Tensor h = mlp.layer(0, x);
  const Tensor z = tg::linear(h, mlp.w[1], mlp.b[1]);
  const TensorList expected_two = tg::grad({tg::softplus(z).sum() + (tg::tanh(z) * h).sum()},
                                           mlp.params(), {.allow_unused = true});
  const TensorList two = tg::checkpoint(
      [&](const TensorList& in) -> TensorList {
        Tensor hh = mlp.layer(0, in[0]);
        Tensor zz = tg::linear(hh, mlp.w[1], mlp.b[1]);
        return {tg::softplus(zz), tg::tanh(zz) * hh};
      },
      {x});
  ASSERT_EQ(two.size(), 2u);
  EXPECT_TRUE(identical(
      tg::grad({two[0].sum() + two[1].sum()}, mlp.params(), {.allow_unused = true}), expected_two));
}

TEST(GradientCheckpoint, DropoutMasksRepeatFromTheListedGeneratorWhichEndsWhereTheForwardLeftIt) {
  const Mlp mlp = make_mlp({6, 16, 16, 3}, tg::kFloat32, 61);
  tg::Generator data(62);
  const Tensor x = tg::randn({32, 6}, data);
  tg::Generator drop(63);
  auto block = [&](const TensorList& in) {
    Tensor h = mlp.layer(0, in[0]);
    h = h * tg::bernoulli(h.shape(), 0.7, drop) / 0.7;
    return mlp.layer(2, mlp.layer(1, h));
  };
  const Tensor plain = block({x});
  const TensorList expected = tg::grad({plain.sum()}, mlp.params());

  drop = tg::Generator(63);
  const Tensor y = tg::checkpoint(block, {x}, {.generators = {&drop}});
  EXPECT_TRUE(identical(y, plain));
  tg::rand({100}, drop);  // other draws between forward and backward
  const uint64_t offset = drop.offset();
  EXPECT_TRUE(identical(tg::grad({y.sum()}, mlp.params()), expected));
  EXPECT_EQ(drop.offset(), offset);  // the recomputation rewound it, then put it back

  EXPECT_TRUE(throws<tg::ValueError>(
      [&] { tg::checkpoint(block, {x}); },
      {"checkpoint", "random numbers", "seed 63", "CheckpointOptions::generators"}));
}

TEST(GradientCheckpoint, TangentsPassThroughAndMixWithRecomputation) {
  const Mlp mlp = make_mlp({4, 8, 8, 1}, tg::kFloat64, 71);
  tg::Generator gen(72);
  const Tensor x = tg::randn({5, 4}, gen, tg::kFloat64);
  const Tensor v = tg::randn({5, 4}, gen, tg::kFloat64);
  auto f_plain = [&](const TensorList& in) { return mlp.forward(in[0], 0); };
  auto f_ckpt = [&](const TensorList& in) { return mlp.forward(in[0], 2); };

  // jvp: the forward carries the tangent through fn's ops.
  const auto jp = tg::jvp(f_plain, {x}, {v});
  const auto jc = tg::jvp(f_ckpt, {x}, {v});
  EXPECT_TRUE(identical(jc.output, jp.output));
  EXPECT_TRUE(identical(jc.tangent, jp.tangent));

  // Forward over reverse: the backward inside the sweep needs the saved values' tangents,
  // so values carrying one are kept; reverse over reverse recomputes.
  auto energy = [](auto f) { return [f](const TensorList& in) { return f(in).sum(); }; };
  for (auto mode : {tg::HvpMode::ForwardOverReverse, tg::HvpMode::ReverseOverReverse})
    EXPECT_TRUE(identical(tg::hvp(energy(f_ckpt), x, v, {.mode = mode}),
                          tg::hvp(energy(f_plain), x, v, {.mode = mode})));

  // The forward Laplacian's sweep carries the Jacobian and the curvature through fn.
  auto per_sample = [&](size_t segment) {
    return [&mlp, segment](const Tensor& in) { return mlp.forward(in, segment).sum({1}); };
  };
  const tg::ForwardLaplacian lp = tg::forward_laplacian(per_sample(0), x);
  const tg::ForwardLaplacian lc = tg::forward_laplacian(per_sample(2), x);
  EXPECT_TRUE(
      identical({lc.value, lc.gradient, lc.laplacian}, {lp.value, lp.gradient, lp.laplacian}));

  // Reverse over forward, with a tangent on the scale s only: the MLP's values carry none,
  // so they are recomputed after the sweep has ended. With one checkpoint around mlp(x)·s,
  // the tangent rule of that product (ẏ = mlp(x)·ṡ) runs inside fn: its saves are kept and
  // not counted against the recomputation, which runs outside the sweep.
  const Tensor s = tg::randn({5, 1}, gen, tg::kFloat64);
  const Tensor sdot = tg::randn({5, 1}, gen, tg::kFloat64);
  auto tangent_loss_grads = [&](const tg::DifferentiableFn& scaled) {
    const Tensor t = tg::jvp(scaled, {s}, {sdot}).tangent;
    return tg::grad({(t * t).sum()}, mlp.params());
  };
  const TensorList expected =
      tangent_loss_grads([&](const TensorList& in) { return mlp.forward(x, 0) * in[0]; });
  EXPECT_TRUE(identical(tangent_loss_grads([&](const TensorList& in) {
                          return tg::checkpoint(
                              [&](const TensorList& a) { return mlp.forward(a[0], 0) * a[1]; },
                              {x, in[0]});
                        }),
                        expected));
  EXPECT_TRUE(
      identical(tangent_loss_grads([&](const TensorList& in) { return mlp.forward(x, 1) * in[0]; }),
                expected));
}

TEST(GradientCheckpoint, ConcurrentPassesOfTheLoopHessianTraceEachRecompute) {
  tgtest::ThreadCount two(2);
  const Mlp mlp = make_mlp({6, 16, 16, 1}, tg::kFloat64, 81);
  tg::Generator gen(82);
  const Tensor x = tg::randn({8, 6}, gen, tg::kFloat64).requires_grad_();
  auto f = [&](size_t segment) {
    return [&mlp, segment](const Tensor& in) { return mlp.forward(in, segment).sum({1}); };
  };
  const Tensor plain = tg::hessian_trace_loop(f(0), x);
  EXPECT_TRUE(identical(tg::hessian_trace_loop(f(1), x), plain));
  EXPECT_TRUE(identical(tg::hessian_trace_loop(f(2), x), plain));
}

TEST(GradientCheckpoint, AnFnThatRunsBackwardPassesAndParallelTasksInsideIsRecomputedWhole) {
  // fn computes an exact Hessian trace: a create_graph pass inside fn's own forward (which
  // reads the values fn's ops have just saved), then parallel passes on worker threads,
  // whose saves are kept rather than numbered.
  tgtest::ThreadCount two(2);
  const Mlp mlp = make_mlp({4, 12, 12, 1}, tg::kFloat64, 85);
  tg::Generator gen(86);
  const Tensor x = tg::randn({6, 4}, gen, tg::kFloat64).requires_grad_();
  auto trace = [&mlp](const TensorList& in) {
    return tg::hessian_trace_loop([&mlp](const Tensor& h) { return mlp.forward(h, 0).sum({1}); },
                                  in[0], {.create_graph = true});
  };
  const tg::GradOptions unused_last_bias{.allow_unused = true};  // it does not curve anything
  const TensorList expected = tg::grad({trace({x}).sum()}, mlp.params(), unused_last_bias);
  const Tensor t = tg::checkpoint(trace, {x});
  EXPECT_TRUE(identical(tg::grad({t.sum()}, mlp.params(), unused_last_bias), expected));
}

TEST(GradientCheckpoint, UnderNoGradItJustRunsFn) {
  const Mlp mlp = make_mlp({3, 4, 2}, tg::kFloat64, 91);
  const Tensor x = tg::ones({2, 3}, tg::kFloat64);
  tg::NoGradGuard no_grad;
  const Tensor y = mlp.forward(x, 1);
  EXPECT_FALSE(y.requires_grad());
  EXPECT_TRUE(identical(y, mlp.forward(x, 0)));
}

TEST(GradientCheckpoint, BadUseIsRefusedByName) {
  const Tensor x = tgtest::rleaf({2, 3}, 101);
  const Tensor w = tgtest::rleaf({4, 3}, 102);
  auto layer = [&](const TensorList& in) { return tg::softplus(tg::linear(in[0], w, Tensor())); };

  EXPECT_TRUE(throws<tg::ValueError>(
      [&] { tg::checkpoint([](const TensorList&) { return Tensor(); }, {x}); },
      {"checkpoint", "fn returned an undefined tensor", "[2, 3]"}));
  EXPECT_TRUE(throws<tg::ValueError>(
      [&] { tg::checkpoint([](const TensorList&) { return TensorList{}; }, {x}); },
      {"checkpoint", "fn returned no tensors"}));
  EXPECT_TRUE(throws<tg::ValueError>(
      [&] {
        tg::checkpoint([&](const TensorList& in) { return TensorList{layer(in), Tensor()}; }, {x});
      },
      {"checkpoint", "output 1 of the 2", "undefined"}));
  EXPECT_TRUE(throws<tg::ValueError>([&] { tg::checkpoint(tg::DifferentiableFn{}, {x}); },
                                     {"checkpoint", "fn is empty"}));
  EXPECT_TRUE(throws<tg::ValueError>(
      [&] {
        tg::checkpoint(layer, {x, Tensor()});
      },
      {"checkpoint", "input 1 of 2 is undefined"}));
  EXPECT_TRUE(throws<tg::ValueError>([&] { tg::checkpoint(layer, {x}, {.generators = {nullptr}}); },
                                     {"checkpoint", "generators[0] is null"}));
  const std::vector<std::function<Tensor(const Tensor&)>> four(
      4, [](const Tensor& h) { return tg::tanh(h); });
  for (int64_t segments : {0, 5})
    EXPECT_TRUE(throws<tg::ValueError>(
        [&] { tg::checkpoint_sequential(four, segments, x); },
        {"checkpoint_sequential", std::to_string(segments) + " segments for 4 layers"}));

  // An input written in place before backward: the recomputation would see other values.
  Tensor data = tg::ones({2, 3}, tg::kFloat64);
  const Tensor y = tg::checkpoint(layer, {data});
  data.fill_(2.0);
  EXPECT_TRUE(throws<tg::GraphError>(
      [&] { y.sum().backward(); },
      {"checkpoint: input 0 of fn (shape [2, 3]) was modified in place", "softplus"}));

  // An fn that does not run the same ops again.
  int calls = 0;
  const Tensor z = tg::checkpoint(
      [&](const TensorList& in) {
        Tensor h = tg::linear(in[0], w, Tensor());
        return ++calls == 1 ? tg::softplus(h) : tg::softplus(tg::exp(h));
      },
      {x});
  EXPECT_TRUE(throws<tg::GraphError>([&] { z.sum().backward(); },
                                     {"checkpoint: recomputing fn", "saved 4 tensors", "saved 3"}));
}

}  // namespace

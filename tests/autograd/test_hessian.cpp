// Hessian traces: closed forms computed with create_graph, and the two utilities in
// tapegrad/autograd/hessian.hpp checked against them and against each other.
#include <gtest/gtest.h>

#include "thread_count.hpp"

#include <cmath>
#include <cstring>

#include "tapegrad/autograd.hpp"
#include "tapegrad/autograd/parallel.hpp"

namespace {

using tg::Tensor;
using tg::TensorList;

constexpr int64_t kB = 4, kD = 5;

Tensor sample(tg::Shape shape, uint64_t seed) {
  tg::Generator gen(seed);
  return tg::randn(shape, gen, tg::kFloat64);
}

/// A (not symmetric) D×D matrix.
Tensor matrix_a() { return sample({kD, kD}, 77); }

// Per-sample functions [B, D] -> [B].
Tensor quadratic(const Tensor& x, const Tensor& a) {  // ½ xᵀ A x
  return (x * tg::matmul(x, tg::transpose(a, 0, 1))).sum({1}) * 0.5;
}
Tensor log_cosh(const Tensor& x) {  // Σ log cosh xᵢ = Σ log((eˣ + e⁻ˣ)/2)
  return tg::log((tg::exp(x) + tg::exp(-x)) * 0.5).sum({1});
}
Tensor norm4(const Tensor& x) {  // ‖x‖⁴
  Tensor s = (x * x).sum({1});
  return s * s;
}

/// tr ∇² f for one vector x ([D] -> scalar), by D Hessian-vector products.
double trace_by_create_graph(const std::function<Tensor(const Tensor&)>& f, const Tensor& x) {
  Tensor xl = x.detach().requires_grad_();
  Tensor g = tg::grad({f(xl)}, {xl}, {.create_graph = true})[0];
  double trace = 0;
  for (int64_t i = 0; i < xl.numel(); ++i) {
    Tensor e = tg::zeros(xl.shape(), tg::kFloat64);
    e.data<double>()[i] = 1;
    trace += tg::grad({g}, {xl}, {.grad_outputs = {e}, .retain_graph = true})[0]
                 .to_vector<double>()[static_cast<size_t>(i)];
  }
  return trace;
}

double trace_of(const Tensor& a) {
  double t = 0;
  for (int64_t i = 0; i < kD; ++i) t += a.data<double>()[i * kD + i];
  return t;
}

TEST(Hessian, ClosedFormQuadraticForm) {
  const Tensor a = matrix_a();
  const Tensor x = sample({kD}, 1);
  const double t = trace_by_create_graph(
      [&](const Tensor& v) {
        return quadratic(v.reshape({1, kD}), a).sum();
      },
      x);
  EXPECT_NEAR(t, trace_of(a), 1e-12);
}

TEST(Hessian, ClosedFormLogCosh) {
  const Tensor x = sample({kD}, 2);
  const double t = trace_by_create_graph(
      [](const Tensor& v) {
        return log_cosh(v.reshape({1, kD})).sum();
      },
      x);
  double expected = 0;  // Σ sech² xᵢ
  for (double v : x.to_vector<double>()) expected += 1 / (std::cosh(v) * std::cosh(v));
  EXPECT_NEAR(t, expected, 1e-12);
}

TEST(Hessian, ClosedFormNormToTheFourth) {
  const Tensor x = sample({kD}, 3);
  const double t = trace_by_create_graph(
      [](const Tensor& v) {
        return norm4(v.reshape({1, kD})).sum();
      },
      x);
  const double sq = (x * x).sum().item<double>();
  EXPECT_NEAR(t, (4.0 * kD + 8) * sq, 1e-10);
}

/// The per-sample closed form of `which` on the rows of x.
std::vector<double> closed_form(int which, const Tensor& x, const Tensor& a) {
  std::vector<double> out;
  const auto v = x.to_vector<double>();
  for (int64_t b = 0; b < kB; ++b) {
    double sq = 0, sech2 = 0;
    for (int64_t d = 0; d < kD; ++d) {
      const double xi = v[static_cast<size_t>(b * kD + d)];
      sq += xi * xi;
      sech2 += 1 / (std::cosh(xi) * std::cosh(xi));
    }
    out.push_back(which == 0 ? trace_of(a) : which == 1 ? sech2 : (4.0 * kD + 8) * sq);
  }
  return out;
}

class HessianUtility : public ::testing::TestWithParam<int> {};

TEST_P(HessianUtility, BothMethodsMatchTheClosedFormAndEachOther) {
  const int which = GetParam();
  const Tensor a = matrix_a();
  const Tensor x = sample({kB, kD}, 10 + static_cast<uint64_t>(which)).requires_grad_();
  tg::BatchScalarFn f = [&](const Tensor& v) {
    return which == 0 ? quadratic(v, a) : which == 1 ? log_cosh(v) : norm4(v);
  };
  const std::vector<double> expected = closed_form(which, x, a);
  const Tensor loop = tg::hessian_trace_loop(f, x);
  const Tensor replicated = tg::hessian_trace_replicated(f, x);
  ASSERT_EQ(loop.shape(), (tg::Shape{kB}));
  ASSERT_EQ(replicated.shape(), (tg::Shape{kB}));
  EXPECT_FALSE(loop.requires_grad());
  EXPECT_FALSE(replicated.requires_grad());
  const auto l = loop.to_vector<double>(), r = replicated.to_vector<double>();
  for (size_t b = 0; b < static_cast<size_t>(kB); ++b) {
    const double tol = 1e-12 * (1 + std::abs(expected[b]));
    EXPECT_NEAR(l[b], expected[b], tol) << "sample " << b;
    EXPECT_NEAR(r[b], expected[b], tol) << "sample " << b;
    EXPECT_NEAR(l[b], r[b], tol) << "sample " << b;
  }
}

INSTANTIATE_TEST_SUITE_P(ClosedForms, HessianUtility, ::testing::Values(0, 1, 2));

Tensor mlp_energy(const Tensor& x, const Tensor& w1, const Tensor& w2) {  // [B, D] -> [B]
  return tg::matmul(tg::tanh(tg::matmul(x, w1)), w2).reshape({x.size(0)});
}

TEST(Hessian, MethodsAgreeOnAnMlpInFloat32AndFloat64) {
  for (tg::Dtype dt : {tg::kFloat64, tg::kFloat32}) {
    tg::Generator gen(9);
    Tensor x = tg::randn({kB, kD}, gen, dt).requires_grad_();
    Tensor w1 = tg::randn({kD, 7}, gen, dt);
    Tensor w2 = tg::randn({7, 1}, gen, dt);
    tg::BatchScalarFn f = [&](const Tensor& v) { return mlp_energy(v, w1, w2); };
    const auto l = tg::hessian_trace_loop(f, x).to_vector<double>();
    const auto r = tg::hessian_trace_replicated(f, x).to_vector<double>();
    const double tol = dt == tg::kFloat64 ? 1e-12 : 1e-4;
    for (size_t b = 0; b < l.size(); ++b) EXPECT_NEAR(l[b], r[b], tol) << name(dt);
    // against D Hessian-vector products on sample 0 alone
    if (dt == tg::kFloat64) {
      const double t0 = trace_by_create_graph(
          [&](const Tensor& v) {
            return mlp_energy(v.reshape({1, kD}), w1, w2).sum();
          },
          tg::slice(x, 0, 0, 1).reshape({kD}));
      EXPECT_NEAR(l[0], t0, 1e-12);
    }
  }
}

TEST(Hessian, TraceIsDifferentiableWithRespectToParameters) {
  // Σ_b tr ∇²(½ xᵀ A x) = B · tr A, so d/dA = B · I.
  Tensor a = matrix_a().requires_grad_();
  const Tensor x = sample({kB, kD}, 4).requires_grad_();
  tg::BatchScalarFn f = [&](const Tensor& v) { return quadratic(v, a); };
  for (bool loop : {true, false}) {
    Tensor t = loop ? tg::hessian_trace_loop(f, x, {.create_graph = true})
                    : tg::hessian_trace_replicated(f, x, {.create_graph = true});
    ASSERT_TRUE(t.requires_grad());
    Tensor ga = tg::grad({t.sum()}, {a})[0];
    const auto v = ga.to_vector<double>();
    for (int64_t i = 0; i < kD; ++i)
      for (int64_t j = 0; j < kD; ++j)
        EXPECT_NEAR(v[static_cast<size_t>(i * kD + j)], i == j ? double(kB) : 0.0, 1e-12);
  }
}

TEST(Hessian, TraceOfAnMlpPassesGradcheckInItsParameters) {
  tg::Generator gen(21);
  const Tensor x = tg::randn({3, 3}, gen, tg::kFloat64).requires_grad_();
  Tensor w1 = tg::randn({3, 4}, gen, tg::kFloat64).requires_grad_();
  Tensor w2 = tg::randn({4, 1}, gen, tg::kFloat64).requires_grad_();
  for (bool loop : {true, false}) {
    auto trace = [&, loop](const TensorList& p) {
      tg::BatchScalarFn f = [&](const Tensor& v) { return mlp_energy(v, p[0], p[1]); };
      return loop ? tg::hessian_trace_loop(f, x, {.create_graph = true})
                  : tg::hessian_trace_replicated(f, x, {.create_graph = true});
    };
    auto r = tg::gradcheck(trace, {w1, w2});
    EXPECT_TRUE(r) << (loop ? "loop: " : "replicated: ") << r.message;
  }
}

TEST(Hessian, TraceIsDifferentiableWithRespectToX) {
  // tr ∇² ‖x‖⁴ = (4D + 8)‖x‖², whose gradient is 2(4D + 8) x.
  Tensor x = sample({kB, kD}, 6).requires_grad_();
  for (bool loop : {true, false}) {
    Tensor t = loop ? tg::hessian_trace_loop(norm4, x, {.create_graph = true})
                    : tg::hessian_trace_replicated(norm4, x, {.create_graph = true});
    Tensor gx = tg::grad({t.sum()}, {x})[0];
    const auto g = gx.to_vector<double>(), v = x.to_vector<double>();
    for (size_t i = 0; i < g.size(); ++i) EXPECT_NEAR(g[i], 2 * (4.0 * kD + 8) * v[i], 1e-10);
  }
}

TEST(Hessian, LinearFunctionsHaveZeroTrace) {
  const Tensor w = sample({kD, 1}, 8);
  tg::BatchScalarFn f = [&](const Tensor& v) { return tg::matmul(v, w).reshape({v.size(0)}); };
  const Tensor x = sample({kB, kD}, 9).requires_grad_();
  for (double v : tg::hessian_trace_loop(f, x).to_vector<double>()) EXPECT_EQ(v, 0.0);
  for (double v : tg::hessian_trace_replicated(f, x).to_vector<double>()) EXPECT_EQ(v, 0.0);
}

TEST(Hessian, BadShapesThrow) {
  tg::BatchScalarFn keeps_dim = [](const Tensor& v) { return (v * v).sum({1}, true); };
  const Tensor x = sample({kB, kD}, 1).requires_grad_();
  EXPECT_THROW(tg::hessian_trace_loop(keeps_dim, x), tg::ShapeError);
  EXPECT_THROW(tg::hessian_trace_replicated(keeps_dim, x), tg::ShapeError);
  EXPECT_THROW(tg::hessian_trace_loop(norm4, sample({kD}, 1).requires_grad_()), tg::ShapeError);
  EXPECT_THROW(tg::hessian_trace_replicated(norm4, sample({2, 2, 2}, 1).requires_grad_()),
               tg::ShapeError);
}

TEST(Hessian, NoGraphIsLeftBehind) {
  const auto nodes = tg::live_nodes();
  {
    Tensor w = sample({kD, 1}, 3).requires_grad_();
    tg::BatchScalarFn f = [&](const Tensor& v) { return norm4(tg::matmul(v, w) * v); };
    Tensor t =
        tg::hessian_trace_loop(f, sample({kB, kD}, 2).requires_grad_(), {.create_graph = true});
    tg::grad({t.sum()}, {w});
    tg::hessian_trace_replicated(f, sample({kB, kD}, 2).requires_grad_());
  }
  EXPECT_EQ(tg::live_nodes(), nodes);
}

}  // namespace

/// The parameter gradients of the trace of an MLP energy's Hessian (create_graph),
/// flattened; float32, so rounding shows in the last bits. B = 128 and D = 16 make the
/// tasks long enough that both threads take some (with smaller ones the calling thread
/// often finishes them all before the worker wakes, and the test would pass unfixed).
std::vector<float> score_matching_gradients(bool loop) {
  tg::Generator gen(31);
  const Tensor x = tg::randn({128, 16}, gen).requires_grad_();
  Tensor w1 = (tg::randn({16, 64}, gen) * 0.3).detach().requires_grad_();
  Tensor w2 = (tg::randn({64, 1}, gen) * 0.3).detach().requires_grad_();
  tg::BatchScalarFn log_p = [&](const Tensor& v) {
    return tg::matmul(tg::softplus(tg::matmul(v, w1)), w2).reshape({v.size(0)});
  };
  Tensor trace = loop ? tg::hessian_trace_loop(log_p, x, {.create_graph = true})
                      : tg::hessian_trace_replicated(log_p, x, {.create_graph = true});
  trace.mean().backward();
  std::vector<float> flat = w1.grad().to_vector<float>();
  const auto g2 = w2.grad().to_vector<float>();
  flat.insert(flat.end(), g2.begin(), g2.end());
  return flat;
}

// docs/reliability.md: same seed and thread count, same bits. The loop form builds its
// per-dimension graphs on TBB worker threads (Note [Sequence numbers in parallel tasks]).
TEST(Hessian, TraceGradientsAreBitIdenticalOverRunsAtTwoThreadsAndEqualOneThreads) {
  std::vector<float> at_one;
  {
    tgtest::ThreadCount one(1);
    at_one = score_matching_gradients(true);
  }
  tgtest::ThreadCount two(2);
  for (int run = 0; run < 20; ++run) {
    const std::vector<float> g = score_matching_gradients(true);
    ASSERT_EQ(g.size(), at_one.size());
    ASSERT_EQ(std::memcmp(g.data(), at_one.data(), g.size() * sizeof(float)), 0) << "run " << run;
  }
}

// A field that is not a gradient: s(x) = tanh(x A), so ∂s_j/∂x_j = A_jj (1 − s_j²) and
// tr ∇ₓ s = Σ_j A_jj (1 − s_j²) per sample.
TEST(Hessian, JacobianTraceOfAFieldMatchesTheClosedFormBothWays) {
  const Tensor a = matrix_a();
  Tensor x = sample({kB, kD}, 12).requires_grad_();
  tg::BatchFieldFn field = [&](const Tensor& v) { return tg::tanh(tg::matmul(v, a)); };
  const Tensor s = field(x);
  const auto sv = s.to_vector<double>(), av = a.to_vector<double>();
  const Tensor given = tg::jacobian_trace(s, x);
  const auto loop = tg::field_and_jacobian_trace(field, x, tg::TraceMethod::Loop);
  const auto rep = tg::field_and_jacobian_trace(field, x, tg::TraceMethod::Replicated);
  const auto fwd = tg::field_and_jacobian_trace(field, x, tg::TraceMethod::Forward);
  for (const Tensor& f : {loop.field, rep.field, fwd.field}) EXPECT_EQ(f.to_vector<double>(), sv);
  for (int64_t b = 0; b < kB; ++b) {
    double expected = 0;
    for (int64_t j = 0; j < kD; ++j) {
      const double sj = sv[static_cast<size_t>(b * kD + j)];
      expected += av[static_cast<size_t>(j * kD + j)] * (1 - sj * sj);
    }
    for (const Tensor& t : {given, loop.trace, rep.trace, fwd.trace})
      EXPECT_NEAR(t.to_vector<double>()[static_cast<size_t>(b)], expected, 1e-12) << b;
  }
}

// The score handed back is ∇ₓ f itself, in the graph, so a loss can use it without another
// forward pass; and jacobian_trace leaves the graph of s usable.
TEST(Hessian, GradientAndHessianTraceHandBackTheGradientInTheGraph) {
  tg::Generator gen(14);
  Tensor x = tg::randn({kB, kD}, gen, tg::kFloat64).requires_grad_();
  Tensor w1 = tg::randn({kD, 6}, gen, tg::kFloat64).requires_grad_();
  Tensor w2 = tg::randn({6, 1}, gen, tg::kFloat64).requires_grad_();
  tg::BatchScalarFn f = [&](const Tensor& v) { return mlp_energy(v, w1, w2); };
  const auto expected = tg::grad({f(x).sum()}, {x})[0].to_vector<double>();
  std::vector<std::vector<double>> grads;  // d(½‖s‖² + tr)/dw1, per method
  for (auto method :
       {tg::TraceMethod::Loop, tg::TraceMethod::Replicated, tg::TraceMethod::Forward}) {
    auto [s, trace] = tg::gradient_and_hessian_trace(f, x, method, {.create_graph = true});
    const auto sv = s.to_vector<double>();
    for (size_t i = 0; i < sv.size(); ++i) EXPECT_NEAR(sv[i], expected[i], 1e-13);
    ASSERT_TRUE(s.requires_grad());
    grads.push_back(tg::grad({((s * s).sum() * 0.5 + trace.sum())}, {w1})[0].to_vector<double>());
  }
  for (size_t m = 1; m < grads.size(); ++m)
    for (size_t i = 0; i < grads[0].size(); ++i) EXPECT_NEAR(grads[0][i], grads[m][i], 1e-12);
  Tensor s = tg::grad({f(x).sum()}, {x}, {.create_graph = true})[0];
  tg::jacobian_trace(s, x);
  EXPECT_NO_THROW(tg::grad({s.sum()}, {w2}));  // saved values not freed
}

TEST(Hessian, XThatDoesNotRequireGradThrowsLikeGrad) {
  const Tensor x = sample({kB, kD}, 1);
  auto message = [](auto&& call) {
    try {
      call();
    } catch (const tg::GraphError& e) {
      return std::string(e.what());
    }
    return std::string("no GraphError");
  };
  const std::string loop = message([&] { tg::hessian_trace_loop(norm4, x); });
  EXPECT_NE(loop.find("hessian_trace_loop: x (shape [4, 5]) does not require grad"),
            std::string::npos)
      << loop;
  const std::string rep = message([&] { tg::hessian_trace_replicated(norm4, x); });
  EXPECT_NE(rep.find("hessian_trace_replicated: x (shape [4, 5]) does not require grad"),
            std::string::npos)
      << rep;
  const std::string given = message([&] { tg::jacobian_trace(x * 2.0, x); });
  EXPECT_NE(given.find("jacobian_trace: x (shape [4, 5])"), std::string::npos) << given;
}

TEST(Hessian, AFieldOfTheWrongShapeThrowsNamingBothShapes) {
  Tensor x = sample({kB, kD}, 1).requires_grad_();
  tg::BatchFieldFn per_sample_sum = [](const Tensor& v) { return v.sum({1}); };
  for (auto method : {tg::TraceMethod::Loop, tg::TraceMethod::Replicated}) {
    try {
      tg::field_and_jacobian_trace(per_sample_sum, x, method);
      ADD_FAILURE() << "no ShapeError";
    } catch (const tg::ShapeError& e) {
      const std::string m = e.what();
      EXPECT_NE(m.find("field_and_jacobian_trace: the field must map [B, D] to [B, D]"),
                std::string::npos)
          << m;
      EXPECT_NE(
          m.find("it is [" + std::to_string(method == tg::TraceMethod::Loop ? kB : kB * kD) + "]"),
          std::string::npos)
          << m;
    }
  }
}

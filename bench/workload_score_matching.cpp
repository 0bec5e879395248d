// Exact score matching steps: one registered step per trace form and dimension.
//
//   sm_exact_{loop,replicated,grad_loop}_d{2,16,64}
//
// Energy MLP D→128→128→1 with softplus, batch 128 of N(0, I) data, float32, Adam lr 1e-3;
// a step is J = mean(½‖∇ₓ log p‖² + tr ∇²ₓ log p) with log p = −E, its backward and an Adam
// step. `grad_loop` is the reference a user would write by hand: s = ∇ₓ log p with
// create_graph, then D tg::grad calls on s with one-hot cotangents.
#include <memory>

#include "tapegrad.hpp"
#include "workloads.hpp"

namespace tgbench {
namespace {

enum class Form { Loop, Replicated, GradLoop };

struct ScoreMatchingState {
  ScoreMatchingState(int64_t dim, Form form)
      : gen(0),
        energy({dim, 128, 128, 1}, tg::nn::Activation::Softplus, gen),
        opt(energy.parameters(), {.lr = 1e-3}),
        x(tg::randn({128, dim}, gen).requires_grad_()),
        form(form) {}

  tg::Tensor log_p(const tg::Tensor& v) { return -energy(v).reshape({v.size(0)}); }

  /// ½‖s‖² + tr ∇s per sample, by the hand-written loop of tg::grad calls.
  tg::Tensor by_grad_loop() {
    const int64_t b = x.size(0), d = x.size(1);
    tg::Tensor s = tg::grad({log_p(x).sum()}, {x}, {.create_graph = true})[0];
    tg::Tensor trace = tg::zeros({b});
    for (int64_t k = 0; k < d; ++k) {
      tg::Tensor e = tg::zeros({b, d});
      for (int64_t r = 0; r < b; ++r) e.data<float>()[r * d + k] = 1;
      tg::Tensor h =
          tg::grad({s}, {x}, {.grad_outputs = {e}, .retain_graph = true, .create_graph = true})[0];
      trace = trace + tg::slice(h, 1, k, k + 1).reshape({b});
    }
    return (s * s).sum({1}) * 0.5 + trace;
  }

  void step() {
    tg::Tensor per_sample;
    if (form == Form::GradLoop) {
      per_sample = by_grad_loop();
    } else {
      const tg::BatchScalarFn f = [this](const tg::Tensor& v) { return log_p(v); };
      auto [s, trace] = tg::gradient_and_hessian_trace(
          f, x, form == Form::Loop ? tg::TraceMethod::Loop : tg::TraceMethod::Replicated,
          {.create_graph = true});
      per_sample = (s * s).sum({1}) * 0.5 + trace;
    }
    tg::Tensor loss = per_sample.mean();
    opt.zero_grad();
    loss.backward();
    opt.step();
  }

  tg::Generator gen;
  tg::nn::MLP energy;
  tg::optim::Adam opt;
  tg::Tensor x;
  Form form;
};

Step score_matching(int64_t dim, Form form) {
  auto state = std::make_shared<ScoreMatchingState>(dim, form);
  return [state] { state->step(); };
}

}  // namespace

TG_REGISTER_WORKLOAD(sm_exact_loop_d2) { return score_matching(2, Form::Loop); }
TG_REGISTER_WORKLOAD(sm_exact_loop_d16) { return score_matching(16, Form::Loop); }
TG_REGISTER_WORKLOAD(sm_exact_loop_d64) { return score_matching(64, Form::Loop); }
TG_REGISTER_WORKLOAD(sm_exact_replicated_d2) { return score_matching(2, Form::Replicated); }
TG_REGISTER_WORKLOAD(sm_exact_replicated_d16) { return score_matching(16, Form::Replicated); }
TG_REGISTER_WORKLOAD(sm_exact_replicated_d64) { return score_matching(64, Form::Replicated); }
TG_REGISTER_WORKLOAD(sm_exact_grad_loop_d2) { return score_matching(2, Form::GradLoop); }
TG_REGISTER_WORKLOAD(sm_exact_grad_loop_d16) { return score_matching(16, Form::GradLoop); }
TG_REGISTER_WORKLOAD(sm_exact_grad_loop_d64) { return score_matching(64, Form::GradLoop); }

}  // namespace tgbench

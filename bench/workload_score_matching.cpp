// Exact score matching steps: one registered step per trace form and dimension.
//
//   sm_exact_d{2,16,64}             tg::est::exact_score_matching, its default form
//                                   (TraceMethod::Forward: the forward Laplacian)
//   sm_exact_loop_d{2,16,64}        the same with TraceMethod::Loop
//   sm_exact_replicated_d{2,16,64}  the same with TraceMethod::Replicated
//   sm_exact_grad_loop_d{2,16,64}   the reference a user would write by hand: s = ∇ₓ log p
//                                   with create_graph, then D tg::grad calls on s with
//                                   one-hot cotangents
//
// Energy MLP D→128→128→1 with softplus, batch 128 of N(0, I) data, float32, Adam lr 1e-3;
// a step is J = mean(½‖∇ₓ log p‖² + tr ∇²ₓ log p) with log p = −E, its backward and an Adam
// step. Mirrored by bench/torch_twin.py (its loop of autograd.grad calls and
// is_grads_batched=True).
#include <memory>

#include "tapegrad.hpp"
#include "workloads.hpp"

namespace tgbench {
namespace {

enum class Form { Forward, Loop, Replicated, GradLoop };

struct ScoreMatchingState {
  ScoreMatchingState(int64_t dim, Form form)
      : gen(0),
        energy_net({dim, 128, 128, 1}, tg::nn::Activation::Softplus, gen),
        opt(energy_net.parameters(), {.lr = 1e-3}),
        x(tg::randn({128, dim}, gen)),
        form(form) {}

  tg::Tensor log_p(const tg::Tensor& v) { return -energy_net(v).reshape({v.size(0)}); }

  /// ½‖s‖² + tr ∇s per sample, by the hand-written loop of tg::grad calls.
  tg::Tensor by_grad_loop() {
    const int64_t b = x.size(0), d = x.size(1);
    tg::Tensor xl = x.detach().requires_grad_();
    tg::Tensor s = tg::grad({log_p(xl).sum()}, {xl}, {.create_graph = true})[0];
    tg::Tensor trace = tg::zeros({b});
    for (int64_t k = 0; k < d; ++k) {
      tg::Tensor e = tg::zeros({b, d});
      for (int64_t r = 0; r < b; ++r) e.data<float>()[r * d + k] = 1;
      tg::Tensor h =
          tg::grad({s}, {xl}, {.grad_outputs = {e}, .retain_graph = true, .create_graph = true})[0];
      trace = trace + tg::slice(h, 1, k, k + 1).reshape({b});
    }
    return (s * s).sum({1}) * 0.5 + trace;
  }

  void step() {
    tg::Tensor loss;
    if (form == Form::GradLoop) {
      loss = by_grad_loop().mean();
    } else {
      const auto energy = tg::est::ScoreModel::energy(
          [this](const tg::Tensor& v) { return energy_net(v).reshape({v.size(0)}); });
      const tg::TraceMethod method = form == Form::Forward ? tg::TraceMethod::Forward
                                     : form == Form::Loop  ? tg::TraceMethod::Loop
                                                           : tg::TraceMethod::Replicated;
      loss = tg::est::exact_score_matching(energy, x, {.method = method});
    }
    opt.zero_grad();
    loss.backward();
    opt.step();
  }

  tg::Generator gen;
  tg::nn::MLP energy_net;
  tg::optim::Adam opt;
  tg::Tensor x;
  Form form;
};

Step score_matching(int64_t dim, Form form) {
  auto state = std::make_shared<ScoreMatchingState>(dim, form);
  return [state] { state->step(); };
}

}  // namespace

TG_REGISTER_WORKLOAD(sm_exact_d2) { return score_matching(2, Form::Forward); }
TG_REGISTER_WORKLOAD(sm_exact_d16) { return score_matching(16, Form::Forward); }
TG_REGISTER_WORKLOAD(sm_exact_d64) { return score_matching(64, Form::Forward); }
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

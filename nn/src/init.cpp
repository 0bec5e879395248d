#include "tapegrad/nn/init.hpp"

#include <fmt/format.h>

#include <cmath>

#include "tapegrad/autograd/error.hpp"
#include "tapegrad/autograd/grad_mode.hpp"

namespace tg::nn::init {

namespace {

int64_t receptive_field(const Tensor& w, const char* op) {
  if (w.dim() < 2)
    throw ShapeError(
        fmt::format("init::{}: needs a tensor with at least 2 axes, got {}", op, w.shape().str()));
  int64_t r = 1;
  for (int i = 2; i < w.dim(); ++i) r *= w.shape()[i];
  return r;
}

int64_t fan(const Tensor& w, FanMode mode) {
  return mode == FanMode::FanIn ? fan_in(w) : fan_out(w);
}

}  // namespace

int64_t fan_in(const Tensor& w) { return w.shape()[1] * receptive_field(w, "fan_in"); }
int64_t fan_out(const Tensor& w) { return w.shape()[0] * receptive_field(w, "fan_out"); }

void uniform_(Tensor& t, double low, double high, Generator& gen) {
  NoGradGuard no_grad;
  t.copy_(rand(t.shape(), gen, t.dtype(), low, high));
}

void normal_(Tensor& t, double mean, double stddev, Generator& gen) {
  NoGradGuard no_grad;
  t.copy_(randn(t.shape(), gen, t.dtype(), mean, stddev));
}

void constant_(Tensor& t, double value) { t.fill_(value); }
void zeros_(Tensor& t) { t.fill_(0.0); }
void ones_(Tensor& t) { t.fill_(1.0); }

void xavier_uniform_(Tensor& w, Generator& gen, double gain) {
  const double a = gain * std::sqrt(6.0 / static_cast<double>(fan_in(w) + fan_out(w)));
  uniform_(w, -a, a, gen);
}

void xavier_normal_(Tensor& w, Generator& gen, double gain) {
  normal_(w, 0.0, gain * std::sqrt(2.0 / static_cast<double>(fan_in(w) + fan_out(w))), gen);
}

void kaiming_uniform_(Tensor& w, Generator& gen, double gain, FanMode mode) {
  const double bound = gain * std::sqrt(3.0 / static_cast<double>(fan(w, mode)));
  uniform_(w, -bound, bound, gen);
}

void kaiming_normal_(Tensor& w, Generator& gen, double gain, FanMode mode) {
  normal_(w, 0.0, gain / std::sqrt(static_cast<double>(fan(w, mode))), gen);
}

void init_linear_(Tensor& weight, Tensor& bias, Generator& gen, Scheme scheme, Activation act,
                  double param) {
  const double g = gain(act, param);
  switch (scheme) {
    case Scheme::TorchDefault: {
      // torch: kaiming_uniform_(a=√5) on the weight, i.e. U(±1/√fan_in), and the same
      // bound for the bias.
      const double bound = 1.0 / std::sqrt(static_cast<double>(fan_in(weight)));
      uniform_(weight, -bound, bound, gen);
      if (bias.defined()) uniform_(bias, -bound, bound, gen);
      return;
    }
    case Scheme::XavierUniform:
      xavier_uniform_(weight, gen, g);
      break;
    case Scheme::XavierNormal:
      xavier_normal_(weight, gen, g);
      break;
    case Scheme::KaimingUniform:
      kaiming_uniform_(weight, gen, g);
      break;
    case Scheme::KaimingNormal:
      kaiming_normal_(weight, gen, g);
      break;
  }
  if (bias.defined()) zeros_(bias);
}

}  // namespace tg::nn::init

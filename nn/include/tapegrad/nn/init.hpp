// Initialisers. Each writes into an existing tensor in place (no graph; the version
// counter is bumped), drawing from an explicit generator. Fans follow torch: for a
// weight of shape [out, in, ...], fan_in = in·receptive and fan_out = out·receptive.
#pragma once
#include "tapegrad/autograd/random.hpp"
#include "tapegrad/nn/activation.hpp"

namespace tg::nn::init {

enum class FanMode { FanIn, FanOut };

/// How a Linear layer's weight and bias are initialised.
enum class Scheme {
  TorchDefault,    ///< torch.nn.Linear: U(±1/√fan_in) for weight and bias
  XavierUniform,   ///< weight Xavier uniform with the activation's gain, bias 0
  XavierNormal,    ///< weight Xavier normal with the activation's gain, bias 0
  KaimingUniform,  ///< weight Kaiming uniform (fan_in) with the activation's gain, bias 0
  KaimingNormal,   ///< weight Kaiming normal (fan_in) with the activation's gain, bias 0
};

int64_t fan_in(const Tensor& w);
int64_t fan_out(const Tensor& w);

void uniform_(Tensor& t, double low, double high, Generator& gen);
void normal_(Tensor& t, double mean, double stddev, Generator& gen);
void constant_(Tensor& t, double value);
void zeros_(Tensor& t);
void ones_(Tensor& t);

/// U(±gain·√(6/(fan_in+fan_out))).
void xavier_uniform_(Tensor& w, Generator& gen, double gain = 1.0);
/// N(0, gain·√(2/(fan_in+fan_out))).
void xavier_normal_(Tensor& w, Generator& gen, double gain = 1.0);
/// U(±gain·√(3/fan)).
void kaiming_uniform_(Tensor& w, Generator& gen, double gain, FanMode mode = FanMode::FanIn);
/// N(0, gain/√fan).
void kaiming_normal_(Tensor& w, Generator& gen, double gain, FanMode mode = FanMode::FanIn);

/// Initialises a Linear layer's weight [out, in] and bias [out] (bias may be undefined)
/// by `scheme`; `act` and `param` choose the gain for the Xavier and Kaiming schemes.
void init_linear_(Tensor& weight, Tensor& bias, Generator& gen,
                  Scheme scheme = Scheme::TorchDefault, Activation act = Activation::Identity,
                  double param = kDefaultParam);

}  // namespace tg::nn::init

// Checkpoints: a module's parameters and buffers, or an optimiser's state, saved as an
// .npz file that numpy.load reads (see npz.hpp for the file format and Note [Safe
// checkpoint writes]).
//
//   tg::nn::save(net, "model.npz");   tg::nn::load(net, "model.npz");
//   tg::nn::save(opt, "adam.npz");    tg::nn::load(opt, "adam.npz");
//
// The keys are the module's dotted names ("0.weight") and the optimiser's state names
// ("lr", "state.0.step", "state.0.exp_avg"). Loading is all or nothing: it throws
// tg::IoError listing every missing key, unexpected key and shape mismatch (the file's
// shape and the module's) and changes nothing; values are converted to the module's
// dtype.
#pragma once
#include <string>

#include "tapegrad/nn/module.hpp"
#include "tapegrad/optim/optimizer.hpp"

namespace tg::nn {

void save(const Module& module, const std::string& path);
void load(Module& module, const std::string& path);
/// What keeps `given` from restoring `expected`: "; missing keys: ...; shape mismatch: ...;
/// unexpected keys: ..." (each part only if non-empty), or "" if every name and shape fits.
std::string state_mismatch(const NamedTensors& expected, const NamedTensors& given);
/// Restores `module.state()` from named tensors, all or nothing, as `load` does from a file;
/// `source` names where they came from in the error message.
void load_state(Module& module, const NamedTensors& state, const std::string& source);
void save(const optim::Optimizer& optimizer, const std::string& path);
void load(optim::Optimizer& optimizer, const std::string& path);

}  // namespace tg::nn

#include "tapegrad/nn/checkpoint.hpp"

#include <fmt/format.h>

#include <map>

#include "tapegrad/autograd/error.hpp"
#include "tapegrad/autograd/grad_mode.hpp"
#include "tapegrad/nn/npz.hpp"

namespace tg::nn {

void save(const Module& module, const std::string& path) { write_npz(path, module.state()); }

std::string state_mismatch(const NamedTensors& expected, const NamedTensors& given) {
  std::map<std::string, Tensor> remaining(given.begin(), given.end());
  std::string missing, mismatched, unexpected;
  auto append = [](std::string& list, const std::string& item) {
    list += (list.empty() ? "" : ", ") + item;
  };
  for (const auto& [name, t] : expected) {
    auto it = remaining.find(name);
    if (it == remaining.end()) {
      append(missing, name);
      continue;
    }
    if (it->second.shape() != t.shape())
      append(mismatched, fmt::format("{} (file {}, module {})", name, it->second.shape().str(),
                                     t.shape().str()));
    remaining.erase(it);
  }
  for (const auto& [name, t] : remaining) append(unexpected, name);
  std::string why;
  if (!missing.empty()) why += "; missing keys: " + missing;
  if (!mismatched.empty()) why += "; shape mismatch: " + mismatched;
  if (!unexpected.empty()) why += "; unexpected keys: " + unexpected;
  return why;
}

void load_state(Module& module, const NamedTensors& state, const std::string& source) {
  const NamedTensors expected = module.state();
  const std::string why = state_mismatch(expected, state);
  if (!why.empty())
    throw IoError(fmt::format("load {}: the checkpoint does not fit the module{}", source, why));
  std::map<std::string, Tensor> values(state.begin(), state.end());
  NoGradGuard no_grad;
  for (const auto& [name, t] : expected) {
    Tensor dst = t;
    dst.copy_(values.at(name).to(t.dtype()));
  }
}

void load(Module& module, const std::string& path) { load_state(module, read_npz(path), path); }

void save(const optim::Optimizer& optimizer, const std::string& path) {
  write_npz(path, optimizer.state());
}

void load(optim::Optimizer& optimizer, const std::string& path) {
  try {
    optimizer.load_state(read_npz(path));
  } catch (const IoError& e) {
    throw IoError(fmt::format("load {}: {}", path, e.what()));
  }
}

}  // namespace tg::nn

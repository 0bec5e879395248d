#include "tapegrad/nn/checkpoint.hpp"

#include <fmt/format.h>

#include <map>

#include "tapegrad/autograd/error.hpp"
#include "tapegrad/autograd/grad_mode.hpp"
#include "tapegrad/nn/npz.hpp"

namespace tg::nn {

void save(const Module& module, const std::string& path) { write_npz(path, module.state()); }

void load(Module& module, const std::string& path) {
  const NamedTensors file = read_npz(path);
  std::map<std::string, Tensor> given(file.begin(), file.end());
  std::string missing, mismatched, unexpected;
  auto append = [](std::string& list, const std::string& item) {
    list += (list.empty() ? "" : ", ") + item;
  };
  const NamedTensors expected = module.state();
  for (const auto& [name, t] : expected) {
    auto it = given.find(name);
    if (it == given.end()) {
      append(missing, name);
      continue;
    }
    if (it->second.shape() != t.shape())
      append(mismatched, fmt::format("{} (file {}, module {})", name, it->second.shape().str(),
                                     t.shape().str()));
    given.erase(it);
  }
  for (const auto& [name, t] : given) append(unexpected, name);
  if (!missing.empty() || !mismatched.empty() || !unexpected.empty()) {
    std::string why;
    if (!missing.empty()) why += "; missing keys: " + missing;
    if (!mismatched.empty()) why += "; shape mismatch: " + mismatched;
    if (!unexpected.empty()) why += "; unexpected keys: " + unexpected;
    throw IoError(fmt::format("load {}: the checkpoint does not fit the module{}", path, why));
  }
  std::map<std::string, Tensor> values(file.begin(), file.end());
  NoGradGuard no_grad;
  for (const auto& [name, t] : expected) {
    Tensor dst = t;
    dst.copy_(values.at(name).to(t.dtype()));
  }
}

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

#include "tapegrad/optim/optimizer.hpp"

#include <fmt/format.h>

#include <map>

#include "tapegrad/autograd/error.hpp"
#include "tapegrad/autograd/grad_mode.hpp"
#include "tapegrad/autograd/ops/factory.hpp"

namespace tg::optim {

Optimizer::Optimizer(std::vector<Tensor> params, double lr, std::vector<std::string> buffer_names,
                     const char* kind)
    : params_(std::move(params)), lr_(lr), buffer_names_(std::move(buffer_names)), kind_(kind) {
  if (!(lr >= 0)) throw ValueError(fmt::format("{}: learning rate {} must be >= 0", kind, lr));
  for (std::size_t i = 0; i < params_.size(); ++i) {
    const Tensor& p = params_[i];
    if (!p.defined() || !p.is_leaf() || !p.requires_grad())
      throw ValueError(
          fmt::format("{}: parameter {} must be a defined leaf that requires grad (shape {})", kind,
                      i, p.defined() ? p.shape().str() : std::string("undefined")));
    std::vector<Tensor> bufs;
    for (std::size_t k = 0; k < buffer_names_.size(); ++k)
      bufs.push_back(zeros(p.shape(), p.dtype()));
    buffers_.push_back(std::move(bufs));
  }
  steps_.assign(params_.size(), 0);
}

void Optimizer::zero_grad() {
  for (Tensor& p : params_) p.zero_grad();
}

NamedTensors Optimizer::state() const {
  NamedTensors out;
  out.emplace_back("lr", scalar_tensor(lr_, kFloat64));
  for (std::size_t i = 0; i < params_.size(); ++i) {
    out.emplace_back(fmt::format("state.{}.step", i),
                     scalar_tensor(static_cast<double>(steps_[i]), kFloat64));
    for (std::size_t k = 0; k < buffer_names_.size(); ++k)
      out.emplace_back(fmt::format("state.{}.{}", i, buffer_names_[k]), buffers_[i][k]);
  }
  return out;
}

void Optimizer::load_state(const NamedTensors& state) {
  std::map<std::string, Tensor> given(state.begin(), state.end());
  std::string missing;
  std::string mismatched;
  const NamedTensors expected = this->state();
  for (const auto& [name, t] : expected) {
    auto it = given.find(name);
    if (it == given.end()) {
      missing += (missing.empty() ? "" : ", ") + name;
    } else if (it->second.shape() != t.shape()) {
      mismatched += fmt::format("{}{}: checkpoint {} vs {} {}", mismatched.empty() ? "" : "; ",
                                name, it->second.shape().str(), kind_, t.shape().str());
    }
  }
  if (!missing.empty() || !mismatched.empty())
    throw IoError(fmt::format("{}::load_state: {}{}{}", kind_,
                              missing.empty() ? "" : "missing keys: " + missing,
                              !missing.empty() && !mismatched.empty() ? "; " : "",
                              mismatched.empty() ? "" : "shape mismatch: " + mismatched));
  NoGradGuard no_grad;
  lr_ = given.at("lr").item<double>();
  for (std::size_t i = 0; i < params_.size(); ++i) {
    steps_[i] = static_cast<int64_t>(given.at(fmt::format("state.{}.step", i)).item<double>());
    for (std::size_t k = 0; k < buffer_names_.size(); ++k)
      buffers_[i][k].copy_(
          given.at(fmt::format("state.{}.{}", i, buffer_names_[k])).to(buffers_[i][k].dtype()));
  }
}

}  // namespace tg::optim

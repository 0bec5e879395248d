#include "tapegrad/nn/module.hpp"

#include <fmt/format.h>

#include "tapegrad/autograd/error.hpp"
#include "tapegrad/autograd/grad_mode.hpp"
#include "tapegrad/autograd/node.hpp"

namespace tg::nn {

namespace {

Tensor detached_copy_of(const Tensor& values, const char* what, const std::string& name) {
  if (!values.defined())
    throw ValueError(fmt::format("Module::register_{}: '{}' is an undefined tensor", what, name));
  NoGradGuard no_grad;
  return values.detach();
}

// Swaps the storage of the one TensorImpl behind every handle (Note [Parameter handles]).
void convert_in_place(const Tensor& t, Dtype dtype) {
  if (t.dtype() == dtype) return;
  Tensor converted;
  {
    NoGradGuard no_grad;
    converted = t.detach().to(dtype);
  }
  Tensor(t).set_data(converted);
}

}  // namespace

void Module::check_new_name(const std::string& name) const {
  if (name.empty() || name.find('.') != std::string::npos)
    throw ValueError(fmt::format("Module: name '{}' must be non-empty and contain no '.'", name));
  auto taken = [&](const auto& list) {
    for (const auto& [n, v] : list)
      if (n == name) return true;
    return false;
  };
  if (taken(params_) || taken(buffers_) || taken(children_))
    throw ValueError(fmt::format("Module: name '{}' is already registered", name));
}

Tensor Module::register_parameter(const std::string& name, const Tensor& values) {
  check_new_name(name);
  Tensor p = detached_copy_of(values, "parameter", name);
  p.requires_grad_(true);
  params_.emplace_back(name, p);
  return p;
}

Tensor Module::register_buffer(const std::string& name, const Tensor& values) {
  check_new_name(name);
  Tensor b = detached_copy_of(values, "buffer", name);
  buffers_.emplace_back(name, b);
  return b;
}

void Module::add_child(const std::string& name, std::shared_ptr<Module> module) {
  check_new_name(name);
  if (!module) throw ValueError(fmt::format("Module::register_module: '{}' is null", name));
  children_.emplace_back(name, std::move(module));
}

void Module::collect(const std::string& prefix, bool buffers, NamedTensors& out) const {
  for (const auto& [name, t] : buffers ? buffers_ : params_) out.emplace_back(prefix + name, t);
  for (const auto& [name, child] : children_) child->collect(prefix + name + ".", buffers, out);
}

NamedTensors Module::named_parameters() const {
  NamedTensors out;
  collect("", false, out);
  return out;
}

NamedTensors Module::named_buffers() const {
  NamedTensors out;
  collect("", true, out);
  return out;
}

NamedTensors Module::state() const {
  NamedTensors out = named_parameters();
  collect("", true, out);
  return out;
}

std::vector<Tensor> Module::parameters() const {
  std::vector<Tensor> out;
  for (auto& [name, p] : named_parameters()) out.push_back(p);
  return out;
}

void Module::train(bool on) {
  training_ = on;
  for (auto& [name, child] : children_) child->train(on);
}

void Module::zero_grad() {
  for (Tensor& p : parameters()) p.zero_grad();
}

Module& Module::requires_grad_(bool on) {
  for (Tensor& p : parameters()) p.requires_grad_(on);
  return *this;
}

Module& Module::to(Dtype dtype) {
  for (auto& [name, t] : state()) convert_in_place(t, dtype);
  return *this;
}

}  // namespace tg::nn

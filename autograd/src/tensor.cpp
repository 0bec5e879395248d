// Tensor: handle, metadata, raw values, and the method forms of common ops.
#include "tapegrad/autograd/tensor.hpp"

#include <fmt/format.h>

#include <ostream>

#include "allocation.hpp"
#include "kernels/kernels.hpp"
#include "ops/op_helpers.hpp"
#include "tapegrad/autograd/engine.hpp"
#include "tapegrad/autograd/error.hpp"
#include "tapegrad/autograd/ops/conversion.hpp"
#include "tapegrad/autograd/ops/reduction.hpp"
#include "tapegrad/autograd/ops/shape_ops.hpp"
#include "tapegrad/autograd/record.hpp"
#include "tapegrad/autograd/small_alloc.hpp"

namespace tg {

TensorImpl::~TensorImpl() { release_node(std::move(grad_fn)); }

void detail::throw_not_floating(std::string_view op, Dtype d) {
  throw DtypeError(fmt::format(
      "{}: expected float32 or float64, got {} (int64 tensors hold indices; convert with "
      ".to(tg::kFloat32) for arithmetic)",
      op, name(d)));
}

Tensor detail::empty_for(std::string_view op, const Shape& shape, Dtype dtype) {
  for (int64_t d : shape)
    if (d < 0) throw ShapeError(fmt::format("{}: negative extent in shape {}", op, shape.str()));
  // numel() is 0 beside a zero extent and a ShapeError if the element count overflows.
  std::size_t bytes = 0;
  const bool overflow =
      __builtin_mul_overflow(static_cast<std::size_t>(shape.numel()), itemsize(dtype), &bytes);
  if (overflow || bytes > max_allocation_bytes())  // Note [Allocation limit]
    throw MemoryError(fmt::format(
        "{}: a {} tensor of shape {} needs {} bytes, more than this machine's physical memory "
        "({} bytes)",
        op, name(dtype), shape.str(), overflow ? "over 2^64" : fmt::to_string(bytes),
        max_allocation_bytes()));
  std::shared_ptr<TensorImpl> impl;
  try {  // the handle, the storage header and the values (Note [Allocation fault injection])
    impl = make_shared_small<TensorImpl>();
    impl->storage = Storage::allocate(bytes);
  } catch (const MemoryError& e) {
    throw MemoryError(fmt::format("{}: a {} tensor of shape {} ({} bytes): {}", op, name(dtype),
                                  shape.str(), bytes, e.what()));
  }
  impl->shape = shape;
  impl->dtype = dtype;
  return Tensor(std::move(impl));
}

Tensor empty(const Shape& shape, Dtype dtype) { return detail::empty_for("empty", shape, dtype); }

namespace {
void check(const Tensor& t, const char* what) {
  if (!t.defined()) throw Error(fmt::format("{}: called on an undefined tensor", what));
}
}  // namespace

const Shape& Tensor::shape() const {
  check(*this, "shape");
  return impl_->shape;
}
Dtype Tensor::dtype() const {
  check(*this, "dtype");
  return impl_->dtype;
}
int64_t Tensor::size(int64_t axis) const { return shape()[normalize_axis(axis, dim(), "size")]; }

template <class T>
T* Tensor::data() {
  return const_cast<T*>(static_cast<const Tensor*>(this)->data<T>());
}
template <class T>
const T* Tensor::data() const {
  check(*this, "data");
  if (dtype_of<T>() != impl_->dtype)
    throw DtypeError(fmt::format("data: tensor of shape {} holds {}, but {} was requested",
                                 shape().str(), name(impl_->dtype), name(dtype_of<T>())));
  return static_cast<const T*>(impl_->data());
}
template float* Tensor::data<float>();
template double* Tensor::data<double>();
template int64_t* Tensor::data<int64_t>();
template const float* Tensor::data<float>() const;
template const double* Tensor::data<double>() const;
template const int64_t* Tensor::data<int64_t>() const;

template <class T>
std::vector<T> Tensor::to_vector() const {
  check(*this, "to_vector");
  if (std::is_integral_v<T> && is_floating_point(dtype()))
    detail::check_int64_convertible("to_vector", *this);
  std::vector<T> out(static_cast<size_t>(numel()));
  visit_any_dtype(dtype(), [&]<class S>() { kernels::cast<S, T>(data<S>(), out.data(), numel()); });
  return out;
}
template std::vector<float> Tensor::to_vector<float>() const;
template std::vector<double> Tensor::to_vector<double>() const;
template std::vector<int64_t> Tensor::to_vector<int64_t>() const;

template <class T>
T Tensor::item() const {
  check(*this, "item");
  if (numel() != 1)
    throw ShapeError(fmt::format("item: tensor of shape {} has {} elements, expected 1",
                                 shape().str(), numel()));
  return to_vector<T>()[0];
}
template float Tensor::item<float>() const;
template double Tensor::item<double>() const;
template int64_t Tensor::item<int64_t>() const;

Tensor Tensor::to(Dtype d) const { return tg::to(*this, d); }
Tensor Tensor::clone() const { return tg::clone(*this); }

Tensor& Tensor::fill_(double value) {
  check(*this, "fill_");
  visit_any_dtype(dtype(), [&]<class T>() {
    kernels::fill<T>(data<T>(), numel(), detail::value_as<T>("fill_", value));
  });
  bump_version();
  return *this;
}

Tensor& Tensor::copy_(const Tensor& src) {
  check(*this, "copy_");
  check(src, "copy_");
  if (src.shape() != shape() || src.dtype() != dtype())
    detail::throw_mismatch(
        src.dtype() != dtype(),
        fmt::format("copy_: source {} {} does not match destination {} {}", src.shape().str(),
                    name(src.dtype()), shape().str(), name(dtype())));
  if (src.impl()->data() != impl_->data())
    visit_any_dtype(dtype(),
                    [&]<class T>() { kernels::copy<T>(src.data<T>(), data<T>(), numel()); });
  bump_version();
  return *this;
}

Tensor& Tensor::set_data(const Tensor& values) {
  check(*this, "set_data");
  check(values, "set_data");
  if (impl_->grad_fn)
    throw GraphError(fmt::format(
        "set_data: only leaves can take new values; this tensor of shape {} was produced by '{}'",
        shape().str(), impl_->grad_fn->name()));
  if (impl_->requires_grad && !is_floating_point(values.dtype()))
    throw DtypeError(fmt::format(
        "set_data: this leaf of shape {} requires grad, so its values must be float32 or "
        "float64, got {}",
        shape().str(), name(values.dtype())));
  if (values.shape() != shape())
    throw ShapeError(fmt::format("set_data: new values of shape {} for a tensor of shape {}",
                                 values.shape().str(), shape().str()));
  std::lock_guard<std::mutex> lock(impl_->grad_mutex);
  impl_->storage = values.impl()->storage;
  impl_->dtype = values.dtype();
  impl_->grad = Tensor();
  impl_->grad_accumulator.reset();
  return *this;
}

void Tensor::bump_version() { ++impl_->storage->version; }

bool Tensor::requires_grad() const { return defined() && impl_->requires_grad; }

Tensor& Tensor::requires_grad_(bool on) {
  check(*this, "requires_grad_");
  if (impl_->grad_fn)
    throw GraphError(fmt::format(
        "requires_grad_: only leaves can be marked; this tensor of shape {} was produced by "
        "'{}' (use .detach() first)",
        shape().str(), impl_->grad_fn->name()));
  if (on && !is_floating_point(impl_->dtype))
    throw DtypeError(fmt::format(
        "requires_grad_: an {} tensor of shape {} cannot require grad; only float32 and "
        "float64 tensors have gradients",
        name(impl_->dtype), shape().str()));
  impl_->requires_grad = on;
  return *this;
}

bool Tensor::is_leaf() const { return defined() && !impl_->grad_fn; }

Tensor Tensor::grad() const {
  check(*this, "grad");
  std::lock_guard<std::mutex> lock(impl_->grad_mutex);
  return impl_->grad;
}

void Tensor::set_grad(const Tensor& g) {
  check(*this, "set_grad");
  if (g.defined() && (g.shape() != shape() || g.dtype() != dtype()))
    detail::throw_mismatch(
        g.dtype() != dtype(),
        fmt::format("set_grad: gradient {} {} does not match tensor {} {}", g.shape().str(),
                    name(g.dtype()), shape().str(), name(dtype())));
  std::lock_guard<std::mutex> lock(impl_->grad_mutex);
  impl_->grad = g.defined() ? g.detach() : g;
}

void Tensor::zero_grad() { set_grad(Tensor()); }

const std::shared_ptr<Node>& Tensor::grad_fn() const {
  check(*this, "grad_fn");
  return impl_->grad_fn;
}
uint32_t Tensor::output_nr() const { return defined() ? impl_->output_nr : 0; }

Tensor Tensor::alias(const Shape& shape) const {
  check(*this, "alias");
  auto impl = detail::make_shared_small<TensorImpl>();
  impl->storage = impl_->storage;
  impl->shape = shape;
  impl->dtype = impl_->dtype;
  return Tensor(std::move(impl));
}

void Tensor::backward() const { tg::backward({*this}); }
void Tensor::backward(const GradOptions& options) const { tg::backward({*this}, options); }

Tensor Tensor::sum(const Axes& a, bool k) const { return tg::sum(*this, a, k); }
Tensor Tensor::mean(const Axes& a, bool k) const { return tg::mean(*this, a, k); }
Tensor Tensor::max(const Axes& a, bool k) const { return tg::max(*this, a, k); }
Tensor Tensor::min(const Axes& a, bool k) const { return tg::min(*this, a, k); }
Tensor Tensor::var(const Axes& a, int64_t c, bool k) const { return tg::var(*this, a, c, k); }
Tensor Tensor::std(const Axes& a, int64_t c, bool k) const { return tg::std(*this, a, c, k); }
Tensor Tensor::logsumexp(const Axes& a, bool k) const { return tg::logsumexp(*this, a, k); }
Tensor Tensor::norm(const Axes& a, bool k) const { return tg::norm(*this, a, k); }
Tensor Tensor::reshape(const Shape& s) const { return tg::reshape(*this, s); }
Tensor Tensor::flatten(int64_t s, int64_t e) const { return tg::flatten(*this, s, e); }
Tensor Tensor::squeeze(int64_t a) const { return tg::squeeze(*this, a); }
Tensor Tensor::unsqueeze(int64_t a) const { return tg::unsqueeze(*this, a); }
Tensor Tensor::transpose(int64_t a, int64_t b) const { return tg::transpose(*this, a, b); }
Tensor Tensor::permute(const Axes& o) const { return tg::permute(*this, o); }
Tensor Tensor::expand(const Shape& s) const { return tg::expand(*this, s); }

namespace {
// Prints nested brackets, eliding the middle of long axes like NumPy; integers in full.
template <class V>
void print_values(std::string& out, const std::vector<V>& v, const Shape& s, int axis,
                  int64_t offset) {
  if (axis == s.rank()) {
    if constexpr (std::is_integral_v<V>)
      out += fmt::format("{}", v[static_cast<size_t>(offset)]);
    else
      out += fmt::format("{:.6g}", v[static_cast<size_t>(offset)]);
    return;
  }
  const int64_t n = s[axis], stride = s.strides()[static_cast<size_t>(axis)];
  out += '[';
  for (int64_t i = 0; i < n; ++i) {
    if (n > 8 && i == 3) {
      out += "..., ";
      i = n - 3;
    }
    print_values(out, v, s, axis + 1, offset + i * stride);
    if (i + 1 < n) out += ", ";
  }
  out += ']';
}
}  // namespace

std::string Tensor::str() const {
  if (!defined()) return "tensor(undefined)";
  std::string out = "tensor(";
  if (dtype() == kInt64)
    print_values(out, to_vector<int64_t>(), shape(), 0, 0);
  else
    print_values(out, to_vector<double>(), shape(), 0, 0);
  out += fmt::format(", shape={}, {}", shape().str(), name(dtype()));
  if (impl_->grad_fn)
    out += fmt::format(", grad_fn={}", impl_->grad_fn->name());
  else if (impl_->requires_grad)
    out += ", requires_grad";
  return out + ")";
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << t.str(); }

}  // namespace tg

#include "tapegrad/autograd/random.hpp"

#include <fmt/format.h>

#include <cmath>
#include <numeric>

#include "allocation.hpp"
#include "checkpoint_frame.hpp"
#include "ops/op_helpers.hpp"
#include "tapegrad/autograd/error.hpp"

namespace tg {

uint64_t Generator::advance(uint64_t n) {
  detail::checkpoint_note_draw(*this, n);
  const uint64_t first = offset_;
  offset_ += n;
  return first;
}

uint64_t Generator::bits(uint64_t c) const {
  uint64_t z = seed_ * 0x9E3779B97F4A7C15ULL + c * 0xD1B54A32D192ED03ULL + 0x8CB92BA72F3D8DD7ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  z = (z ^ (z >> 29)) * 0xBF58476D1CE4E5B9ULL;  // a second round decorrelates seed and counter
  return z ^ (z >> 32);
}

double Generator::uniform(uint64_t c) const {
  return static_cast<double>(bits(c) >> 11) * 0x1.0p-53;
}

namespace {
/// Throws ShapeError naming `op` for a negative extent, before any counter is reserved.
void check_shape(const char* op, const Shape& shape) {
  for (int64_t d : shape)
    if (d < 0) throw ShapeError(fmt::format("{}: negative extent in shape {}", op, shape.str()));
}

/// A tensor of `shape` whose value i is value_at(base, i), where base is the first of the
/// `per_value` counters per value that the draw reserves on `gen`. They are reserved only
/// once the tensor is allocated, so a draw that fails leaves `gen` as it was.
template <class F>
Tensor generate(std::string_view op, const Shape& shape, Dtype dtype, Generator& gen,
                uint64_t per_value, F value_at) {
  Tensor t = detail::empty_for(op, shape, dtype);
  const uint64_t base = gen.advance(per_value * static_cast<uint64_t>(t.numel()));
  visit_any_dtype(dtype, [&]<class T>() {
    T* p = t.data<T>();
    const int64_t n = t.numel();
    for (int64_t i = 0; i < n; ++i) p[i] = static_cast<T>(value_at(base, i));
  });
  return t;
}
}  // namespace

Tensor rand(const Shape& shape, Generator& gen, Dtype dtype, double low, double high) {
  if (!(low < high))
    throw ValueError(fmt::format("rand: expected low < high, got [{}, {})", low, high));
  detail::check_float_dtype("rand", dtype);
  check_shape("rand", shape);
  Tensor t = generate("rand", shape, dtype, gen, 1, [&](uint64_t base, int64_t i) {
    return low + (high - low) * gen.uniform(base + static_cast<uint64_t>(i));
  });
  // u < 1 can still round up to `high` (in float32 every u ≥ 1 − 2⁻²⁵ does): keep the
  // interval half-open by stepping such values down to the largest one below high.
  visit_dtype(dtype, [&]<class T>() {
    const T top = static_cast<T>(high), below = std::nextafter(top, static_cast<T>(low));
    T* p = t.data<T>();
    const int64_t n = t.numel();
    for (int64_t i = 0; i < n; ++i)
      if (p[i] >= top) p[i] = below;
  });
  return t;
}

// Box–Muller: two counters per value, so each value is independent of the others.
Tensor randn(const Shape& shape, Generator& gen, Dtype dtype, double mean, double stddev) {
  if (!(stddev >= 0)) throw ValueError(fmt::format("randn: stddev must be >= 0, got {}", stddev));
  detail::check_float_dtype("randn", dtype);
  check_shape("randn", shape);
  return generate("randn", shape, dtype, gen, 2, [&](uint64_t base, int64_t i) {
    const uint64_t c = base + 2 * static_cast<uint64_t>(i);
    const double u1 = 1.0 - gen.uniform(c);  // in (0, 1]: log is finite
    const double u2 = gen.uniform(c + 1);
    return mean + stddev * std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
  });
}

Tensor randint(int64_t low, int64_t high, const Shape& shape, Generator& gen, Dtype dtype) {
  if (low >= high)
    throw ValueError(fmt::format("randint: expected low < high, got [{}, {})", low, high));
  check_shape("randint", shape);
  const auto span = static_cast<uint64_t>(high - low);
  return generate("randint", shape, dtype, gen, 1, [&](uint64_t base, int64_t i) {
    return low + static_cast<int64_t>(gen.bits(base + static_cast<uint64_t>(i)) % span);
  });
}

Tensor bernoulli(const Tensor& p, Generator& gen) {
  detail::check_float("bernoulli", p);
  const std::vector<double> probs = p.to_vector<double>();
  for (double q : probs)
    if (!(q >= 0 && q <= 1))
      throw ValueError(fmt::format("bernoulli: probability {} is outside [0, 1]", q));
  return generate("bernoulli", p.shape(), p.dtype(), gen, 1, [&](uint64_t base, int64_t i) {
    return gen.uniform(base + static_cast<uint64_t>(i)) < probs[static_cast<size_t>(i)] ? 1.0 : 0.0;
  });
}

Tensor bernoulli(const Shape& shape, double p, Generator& gen, Dtype dtype) {
  if (!(p >= 0 && p <= 1))
    throw ValueError(fmt::format("bernoulli: probability {} is outside [0, 1]", p));
  detail::check_float_dtype("bernoulli", dtype);
  check_shape("bernoulli", shape);
  return generate("bernoulli", shape, dtype, gen, 1, [&](uint64_t base, int64_t i) {
    return gen.uniform(base + static_cast<uint64_t>(i)) < p ? 1.0 : 0.0;
  });
}

std::vector<int64_t> randperm(int64_t n, Generator& gen) {
  if (n < 0) throw ValueError(fmt::format("randperm: n must be >= 0, got {}", n));
  std::vector<int64_t> perm(static_cast<size_t>(n));
  std::iota(perm.begin(), perm.end(), int64_t{0});
  const uint64_t base = gen.advance(static_cast<uint64_t>(n));
  for (int64_t i = n - 1; i > 0; --i) {
    const auto j = static_cast<int64_t>(gen.bits(base + static_cast<uint64_t>(i)) %
                                        static_cast<uint64_t>(i + 1));
    std::swap(perm[static_cast<size_t>(i)], perm[static_cast<size_t>(j)]);
  }
  return perm;
}

}  // namespace tg

// Helpers of the kernel-layer tests (tests/autograd/test_kernels.cpp, test_cpu_dispatch.cpp):
// random buffers, bitwise equality, distances in ulps.
#pragma once
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <type_traits>
#include <vector>

namespace tgtest {

/// n values uniform in [lo, hi) from a fixed seed.
template <class T>
std::vector<T> random_vec(int64_t n, uint64_t seed, double lo = -1, double hi = 1) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> d(lo, hi);
  std::vector<T> v(static_cast<size_t>(n));
  for (auto& x : v) x = static_cast<T>(d(rng));
  return v;
}

template <class T>
bool bit_equal(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

/// Distance in units in the last place (float or double); NaN matches only NaN.
template <class T>
int64_t ulp_distance(T a, T b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b) ? 0 : INT64_MAX;
  if (a == b) return 0;
  using I = std::conditional_t<sizeof(T) == 4, int32_t, int64_t>;
  // Integer keys in the order of the floats: negative ones mirrored below zero. In
  // float64 the difference of two keys cannot overflow a signed 64-bit integer unless
  // the values are of opposite signs and huge, which no caller compares.
  auto key = [](T x) {
    const auto i = std::bit_cast<I>(x);
    return i < 0 ? int64_t{std::numeric_limits<I>::min()} - int64_t{i} : int64_t{i};
  };
  return std::abs(key(a) - key(b));
}

}  // namespace tgtest

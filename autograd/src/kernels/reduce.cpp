// Reductions along one axis of an input viewed as [outer, r, inner].
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "kernels.hpp"

namespace tg::kernels {

template <class T>
void reduce(Reduce op, const T* x, T* y, int64_t outer, int64_t r, int64_t inner) {
  // Accumulate in double for float sums: a column sum of 1e6 floats keeps its digits.
  using Acc = double;
  std::vector<Acc> acc(static_cast<size_t>(inner));
  for (int64_t o = 0; o < outer; ++o) {
    const T* xo = x + o * r * inner;
    T* yo = y + o * inner;
    if (op == Reduce::Sum) {
      std::fill(acc.begin(), acc.end(), Acc(0));
      for (int64_t k = 0; k < r; ++k)
        for (int64_t i = 0; i < inner; ++i) acc[static_cast<size_t>(i)] += xo[k * inner + i];
      for (int64_t i = 0; i < inner; ++i) yo[i] = static_cast<T>(acc[static_cast<size_t>(i)]);
      continue;
    }
    const bool is_max = op == Reduce::Max;
    for (int64_t i = 0; i < inner; ++i) yo[i] = xo[i];
    for (int64_t k = 1; k < r; ++k)
      for (int64_t i = 0; i < inner; ++i) {
        const T v = xo[k * inner + i];
        T& m = yo[i];
        if (std::isnan(v) || (is_max ? v > m : v < m)) m = std::isnan(m) ? m : v;
      }
  }
}

template void reduce<float>(Reduce, const float*, float*, int64_t, int64_t, int64_t);
template void reduce<double>(Reduce, const double*, double*, int64_t, int64_t, int64_t);

}  // namespace tg::kernels

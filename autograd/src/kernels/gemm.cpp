// Matrix multiply. Reference loop order (i, p, j) keeps the innermost loop contiguous.
#include "kernels.hpp"

namespace tg::kernels {

template <class T>
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, T alpha, const T* a,
          int64_t lda, const T* b, int64_t ldb, T beta, T* c, int64_t ldc) {
  for (int64_t i = 0; i < m; ++i) {
    T* ci = c + i * ldc;
    for (int64_t j = 0; j < n; ++j) ci[j] = beta == T(0) ? T(0) : beta * ci[j];
    for (int64_t p = 0; p < k; ++p) {
      const T aip = alpha * (trans_a ? a[p * lda + i] : a[i * lda + p]);
      if (trans_b)
        for (int64_t j = 0; j < n; ++j) ci[j] += aip * b[j * ldb + p];
      else
        for (int64_t j = 0; j < n; ++j) ci[j] += aip * b[p * ldb + j];
    }
  }
}

template void gemm<float>(bool, bool, int64_t, int64_t, int64_t, float, const float*, int64_t,
                          const float*, int64_t, float, float*, int64_t);
template void gemm<double>(bool, bool, int64_t, int64_t, int64_t, double, const double*,
                           int64_t, const double*, int64_t, double, double*, int64_t);

}  // namespace tg::kernels

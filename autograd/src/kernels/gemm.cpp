// Matrix multiply: C = alpha * op(A) * op(B) + beta * C, row-major.
//
// A BLIS-style packed GEMM (docs/kernels.md):
//   for each column block jc of NC columns of C
//     for each depth block pc of KC
//       pack op(B)[pc, jc] into KC×NR micro-panels (zero-padded)       -- parallel
//       pack op(A)[:, pc]  into MR×KC micro-panels (zero-padded)       -- parallel
//       for each tile (MC rows × kTileCols columns) of C               -- parallel
//         for each NR micro-panel of B (stays in L1)
//           for each MR micro-panel of A (streams from L2)
//             micro-kernel: MR×NR accumulators in vector registers
// Transposes cost nothing extra: they only change the packing loops. Every element of C is
// computed by the same chain of FMAs whatever the tiling, so results do not depend on
// the thread count.
#include "parallel_for.hpp"  // first: see the note on GCC 12 there

#include <tbb/scalable_allocator.h>

#include <array>
#include <cstring>
#include <memory>
#include <type_traits>
#include <utility>

#include <fmt/format.h>

#include "../allocation.hpp"
#include "kernels.hpp"
#include "tapegrad/autograd/error.hpp"

#ifdef TAPEGRAD_USE_OPENBLAS
#include <cblas.h>
#endif
#if defined(__AVX__)
#include <immintrin.h>
#endif

namespace tg::kernels::TG_KERNEL_ISA {
namespace {

using detail::Vec;

/// Register and cache blocking per type. NR is NV vectors wide; MR × NV accumulators, NV B
/// vectors and one broadcast A value must fit the vector registers: 32 with AVX-512
/// (12 × 2 + 2 + 1 = 27), 16 with AVX2 and SSE (6 × 2 + 2 + 1 = 15). A 12-row kernel on 16
/// registers spills its accumulators to the stack every step and runs at half speed. The
/// row blocking does not change any element's summation order (each C element still sums
/// over p in order), so every ISA gives the same bits.
template <class T>
struct Blocking {
  static constexpr int64_t W = detail::kWidth<T>;
#if defined(__AVX512F__)
  static constexpr int MR = 12;
#else
  static constexpr int MR = 6;
#endif
  static constexpr int NV = 2;
  static constexpr int64_t NR = NV * W;
  static constexpr int64_t KC = 256;  // KC×NR panel of B in L1
  static constexpr int64_t MC = 192;  // MC×KC block of A in L2 (multiple of MR)
  static constexpr int64_t NC = 4096;
  static constexpr int64_t kTileCols = 4 * NR;  // columns of C per parallel tile
};

struct ScalableDeleter {
  void operator()(void* p) const { scalable_aligned_free(p); }
};

/// The [m, k] @ [k, n] product a call computes, named when a packing buffer cannot be had
/// (the whole product, also when a part of it asked).
struct Product {
  int64_t m, n, k;
};

/// `count` values for packing one operand of `product`; a MemoryError names the product.
template <class T>
std::unique_ptr<T[], ScalableDeleter> alloc_packed(int64_t count, Product product) {
  const auto [m, n, k] = product;
  const size_t bytes = (static_cast<size_t>(count) * sizeof(T) + 63) / 64 * 64;
  try {
    void* p = tg::detail::allocate_aligned(bytes == 0 ? 64 : bytes, 64, "its packing buffer");
    return std::unique_ptr<T[], ScalableDeleter>(static_cast<T*>(p));
  } catch (const MemoryError& e) {
    throw MemoryError(fmt::format("matmul: a {} [{}, {}] @ [{}, {}] product: {}",
                                  name(dtype_of<T>()), m, k, k, n, e.what()));
  }
}

#if defined(__AVX__) && !defined(__AVX512F__)
/// dst[p * ldd + q] = src[q * lds + p] for p, q in [0, 8): the standard AVX 8×8 transpose
/// (unpack pairs of rows, shuffle pairs of pairs, swap 128-bit halves). xsimd 8 has no
/// transpose, and its zip_lo/zip_hi work within 128-bit lanes on AVX.
inline void transpose_8x8(const float* src, int64_t lds, float* dst, int64_t ldd) {
  __m256 r[8], t[8], u[8];
  for (int i = 0; i < 8; ++i) r[i] = _mm256_loadu_ps(src + i * lds);
  for (int i = 0; i < 4; ++i) {
    t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  for (int h = 0; h < 2; ++h) {
    u[4 * h + 0] = _mm256_shuffle_ps(t[4 * h], t[4 * h + 2], _MM_SHUFFLE(1, 0, 1, 0));
    u[4 * h + 1] = _mm256_shuffle_ps(t[4 * h], t[4 * h + 2], _MM_SHUFFLE(3, 2, 3, 2));
    u[4 * h + 2] = _mm256_shuffle_ps(t[4 * h + 1], t[4 * h + 3], _MM_SHUFFLE(1, 0, 1, 0));
    u[4 * h + 3] = _mm256_shuffle_ps(t[4 * h + 1], t[4 * h + 3], _MM_SHUFFLE(3, 2, 3, 2));
  }
  for (int i = 0; i < 4; ++i) {
    _mm256_storeu_ps(dst + i * ldd, _mm256_permute2f128_ps(u[i], u[i + 4], 0x20));
    _mm256_storeu_ps(dst + (i + 4) * ldd, _mm256_permute2f128_ps(u[i], u[i + 4], 0x31));
  }
}
#define TG_GEMM_HAS_TRANSPOSE_8X8 1
#endif

/// Packs a panel of W lines (rows of op(A), or columns of op(B)) [q0, q0 + W) × depth
/// [p0, p0 + kc) as dst[p * W + q], zero lines past `extent`. `runs_along_lines` says how
/// the operand is stored: element (q, p) at src[p * ld + q] (each depth step is a
/// contiguous run across the lines) or at src[q * ld + p] (each line is a run).
///
/// Note [Fast packing]: packing moves every element of B once per GEMM, against m
/// multiply-adds per element, so for a batch of m = 100 element-by-element packing took a
/// fifth of a GAN step (perf, gan_mnist). Full panels therefore copy a depth step's W values
/// in one fixed-size block, and transpose 8 × 8 blocks in registers when the lines are the
/// runs (a Linear layer's forward, op(B) = Wᵀ) on AVX with float. Only where values go
/// changes, never a value: same bits.
template <class T, int64_t W>
void pack_panel(bool runs_along_lines, const T* src, int64_t ld, int64_t extent, int64_t q0,
                int64_t p0, int64_t kc, T* dst) {
  const int64_t lines = std::min<int64_t>(W, extent - q0);
  if (runs_along_lines) {
    for (int64_t p = 0; p < kc; ++p) {
      const T* s = src + (p0 + p) * ld + q0;
      T* d = dst + p * W;
      if (lines == W) {
        std::memcpy(d, s, W * sizeof(T));
        continue;
      }
      for (int64_t q = 0; q < lines; ++q) d[q] = s[q];
      for (int64_t q = lines; q < W; ++q) d[q] = T(0);
    }
    return;
  }
  int64_t p_done = 0;
#ifdef TG_GEMM_HAS_TRANSPOSE_8X8
  if constexpr (std::is_same_v<T, float> && W % 8 == 0) {
    if (lines == W) {
      for (; p_done + 8 <= kc; p_done += 8)
        for (int64_t g = 0; g < W; g += 8)
          transpose_8x8(src + (q0 + g) * ld + p0 + p_done, ld, dst + p_done * W + g, W);
    }
  }
#endif
  for (int64_t q = 0; q < lines; ++q) {
    const T* s = src + (q0 + q) * ld + p0;
    for (int64_t p = p_done; p < kc; ++p) dst[p * W + q] = s[p];
  }
  for (int64_t q = lines; q < W; ++q)
    for (int64_t p = 0; p < kc; ++p) dst[p * W + q] = T(0);
}

/// Rows [i0, i0 + MR) of op(A): op(A)(i, p) is a[p * lda + i] when transposed.
template <class T, int MR>
void pack_a_panel(bool trans, const T* a, int64_t lda, int64_t m, int64_t i0, int64_t p0,
                  int64_t kc, T* dst) {
  pack_panel<T, MR>(trans, a, lda, m, i0, p0, kc, dst);
}

/// Columns [j0, j0 + NR) of op(B): op(B)(p, j) is b[p * ldb + j] when not transposed.
template <class T, int64_t NR>
void pack_b_panel(bool trans, const T* b, int64_t ldb, int64_t n, int64_t p0, int64_t kc,
                  int64_t j0, T* dst) {
  pack_panel<T, NR>(!trans, b, ldb, n, j0, p0, kc, dst);
}

/// The register micro-kernel: C[0:MR, 0:NR] = alpha * Ap·Bp + beta * C (beta == 0: C is
/// not read). ap is MR×kc packed, bp is kc×NR packed.
template <class T, int MR, int NV>
inline void micro_kernel(int64_t kc, const T* __restrict ap, const T* __restrict bp, T* c,
                         int64_t ldc, T alpha, T beta) {
  using V = Vec<T>;
  constexpr int64_t W = detail::kWidth<T>, NR = NV * W;
  V acc[MR][NV];
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[i][v] = V(T(0));
  for (int64_t p = 0; p < kc; ++p) {
    V bv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) bv[v] = V::load_aligned(bp + p * NR + v * W);
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
      const V av(ap[p * MR + i]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[i][v] = xsimd::fma(av, bv[v], acc[i][v]);
    }
  }
  const V va(alpha), vb(beta);
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      T* ci = c + i * ldc + v * W;
      V r = va * acc[i][v];
      if (beta != T(0)) r = r + vb * V::load_unaligned(ci);
      r.store_unaligned(ci);
    }
}

/// An edge tile (rows < MR or cols < NR): the micro-kernel into a scratch tile, then the
/// valid part merged with the same arithmetic as the full tile.
template <class T, int MR, int NV>
void edge_kernel(int64_t kc, const T* ap, const T* bp, T* c, int64_t ldc, T alpha, T beta,
                 int64_t rows, int64_t cols) {
  constexpr int64_t NR = NV * detail::kWidth<T>;
  alignas(64) T tile[MR * NR];
  micro_kernel<T, MR, NV>(kc, ap, bp, tile, NR, T(1), T(0));
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) {
      T r = alpha * tile[i * NR + j];
      if (beta != T(0)) r = r + beta * c[i * ldc + j];
      c[i * ldc + j] = r;
    }
}

/// C = beta * C (beta == 0 writes zeros, ignoring NaN in C).
template <class T>
void scale_c(int64_t m, int64_t n, T beta, T* c, int64_t ldc) {
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) c[i * ldc + j] = beta == T(0) ? T(0) : beta * c[i * ldc + j];
}

/// Below this many multiply-adds a GEMM runs on the calling thread.
constexpr int64_t kSerialMacs = int64_t{1} << 18;  // 64×64×64
/// Up to this many, a parallel GEMM is split once into one serial product per thread
/// (Note [One fork for a small product]).
constexpr int64_t kSplitMacs = int64_t{1} << 22;  // 256×128×128

/// The blocked product; `serial`: every loop on the calling thread. `whole`: the product
/// this one is part of, for messages.
template <class T>
void packed_gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, T alpha, const T* a,
                 int64_t lda, const T* b, int64_t ldb, T beta, T* c, int64_t ldc, bool serial,
                 Product whole) {
  using B = Blocking<T>;
  constexpr int MR = B::MR, NV = B::NV;
  constexpr int64_t NR = B::NR;
  const int64_t m_panels = (m + MR - 1) / MR;
  const int64_t nc_max = std::min(n, B::NC), kc_max = std::min(k, B::KC);
  auto apack = alloc_packed<T>(m_panels * MR * kc_max, whole);
  auto bpack = alloc_packed<T>((nc_max + NR - 1) / NR * NR * kc_max, whole);
  auto run = [serial](int64_t count, auto&& body) {
    if (serial || count == 1) {
      for (int64_t i = 0; i < count; ++i) body(i);
      return;
    }
    detail::fork_join(int64_t{0}, count, body);
  };
  for (int64_t jc = 0; jc < n; jc += B::NC) {
    const int64_t nc = std::min(B::NC, n - jc);
    const int64_t n_panels = (nc + NR - 1) / NR;
    for (int64_t pc = 0; pc < k; pc += B::KC) {
      const int64_t kc = std::min(B::KC, k - pc);
      const T beta_eff = pc == 0 ? beta : T(1);
      run(n_panels, [&](int64_t jp) {
        pack_b_panel<T, NR>(trans_b, b, ldb, jc + nc, pc, kc, jc + jp * NR,
                            bpack.get() + jp * NR * kc);
      });
      run(m_panels, [&](int64_t ip) {
        pack_a_panel<T, MR>(trans_a, a, lda, m, ip * MR, pc, kc, apack.get() + ip * MR * kc);
      });
      const int64_t tiles_m = (m + B::MC - 1) / B::MC;
      const int64_t tiles_n = (nc + B::kTileCols - 1) / B::kTileCols;
      run(tiles_m * tiles_n, [&](int64_t t) {
        const int64_t i_begin = (t / tiles_n) * B::MC, i_end = std::min(m, i_begin + B::MC);
        const int64_t j_begin = (t % tiles_n) * B::kTileCols;
        const int64_t j_end = std::min(nc, j_begin + B::kTileCols);
        for (int64_t j = j_begin; j < j_end; j += NR) {
          const T* bp = bpack.get() + (j / NR) * NR * kc;
          const int64_t cols = std::min(NR, nc - j);
          for (int64_t i = i_begin; i < i_end; i += MR) {
            const T* ap = apack.get() + (i / MR) * MR * kc;
            T* cij = c + i * ldc + jc + j;
            const int64_t rows = std::min<int64_t>(MR, m - i);
            if (rows == MR && cols == NR)
              micro_kernel<T, MR, NV>(kc, ap, bp, cij, ldc, alpha, beta_eff);
            else
              edge_kernel<T, MR, NV>(kc, ap, bp, cij, ldc, alpha, beta_eff, rows, cols);
          }
        }
      });
    }
  }
}

// Note [One fork for a small product]
// The blocked product forks and joins twice per depth block (packing, then tiles). At the
// sizes of a 128-wide MLP (a 128×128×128 product takes ~65 µs on one core) each fork costs
// a hand-off to the other thread, and a thread that is slow to take its share leaves the
// caller to do it alone: perf of gan2d at two threads found the second thread spinning
// with almost no GEMM samples. Such products are instead split once into one part per
// thread: rows (whole MR panels) when m >= n, else columns (whole NR panels), each a serial
// blocked product that packs its own operands (the shared operand is packed once per
// part, a few percent more work). The parts' micro-tiles are the undivided product's, and
// each element still sums over k in order, so the bits do not change.
template <class T>
void split_gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, T alpha, const T* a,
                int64_t lda, const T* b, int64_t ldb, T beta, T* c, int64_t ldc, int parts) {
  using B = Blocking<T>;
  const bool by_rows = m >= n;
  const int64_t extent = by_rows ? m : n, unit = by_rows ? int64_t{B::MR} : B::NR;
  const int64_t units = (extent + unit - 1) / unit;
  const int64_t per_part = (units + parts - 1) / parts * unit;
  const int64_t count = (extent + per_part - 1) / per_part;
  detail::fork_join(
      int64_t{0}, count,
      [&](int64_t part) {
        const int64_t lo = part * per_part, len = std::min(extent, lo + per_part) - lo;
        if (by_rows)  // rows lo.. of op(A) and of C
          packed_gemm(trans_a, trans_b, len, n, k, alpha, a + (trans_a ? lo : lo * lda), lda, b,
                      ldb, beta, c + lo * ldc, ldc, true, {m, n, k});
        else  // columns lo.. of op(B) and of C
          packed_gemm(trans_a, trans_b, m, len, k, alpha, a, lda, b + (trans_b ? lo * ldb : lo),
                      ldb, beta, c + lo, ldc, true, {m, n, k});
      },
      tbb::static_partitioner());
}

/// Small GEMMs (at most kSmallMacs multiply-adds, at most kSmallCols columns) skip the
/// blocked machinery, whose packing of A, edge tiles and fixed 6×16 tiles cost more than
/// the arithmetic at these sizes (the GAN layers: n = 1 or 2 outputs, k = 2 inputs).
/// op(B) is packed once into panels of W columns (k rows each, zero-padded) by the blocked
/// product's pack_panel; each row of C is then Σₚ A(i, p)·op(B)[p, :] accumulated in p
/// order: one fixed chain of FMAs per element chosen by the shape alone, so still
/// thread-count invariant.
constexpr int64_t kSmallMacs = int64_t{1} << 17;
constexpr int64_t kSmallCols = 256;

/// The widest block of small_gemm, in vectors: MB × NB accumulators, NB B vectors and one
/// broadcast A value must fit the vector registers, as in Blocking (6 × 4 + 4 + 1 = 29 of
/// AVX-512's 32; 6 × 2 + 2 + 1 = 15 of AVX2's 16). A 6 × 4 block on AVX2 spilled half its
/// accumulators to the stack every step (perf annotate, gan_small).
#if defined(__AVX512F__)
constexpr int kSmallMaxNB = 4;
#else
constexpr int kSmallMaxNB = 2;
#endif

/// One block of small_gemm: C[i0 : i0 + MB, j0 : j0 + NB·W] with MB·NB accumulators in
/// registers (independent FMA chains, so the loop is not bound by the FMA latency). `bp`
/// is the packed panel of column j0; the next panels follow every k·W values.
template <class T, int MB, int NB>
void small_gemm_block(bool trans_a, int64_t i0, int64_t j0, int64_t n, int64_t k, T alpha,
                      const T* a, int64_t lda, const T* bp, T beta, T* c, int64_t ldc) {
  using V = Vec<T>;
  constexpr int64_t W = detail::kWidth<T>;
  V acc[MB][NB];
  for (int r = 0; r < MB; ++r)
    for (int v = 0; v < NB; ++v) acc[r][v] = V(T(0));
  const int64_t sa_i = trans_a ? 1 : lda, sa_p = trans_a ? lda : 1;  // A(i, p) strides
  for (int64_t p = 0; p < k; ++p) {
    V bv[NB];
    for (int v = 0; v < NB; ++v) bv[v] = V::load_aligned(bp + (v * k + p) * W);
    for (int r = 0; r < MB; ++r) {
      const V av(a[(i0 + r) * sa_i + p * sa_p]);
      for (int v = 0; v < NB; ++v) acc[r][v] = xsimd::fma(av, bv[v], acc[r][v]);
    }
  }
  const int64_t j1 = std::min(n, j0 + NB * W);
  if (beta == T(0) && j1 - j0 == NB * W) {  // whole vectors: the same α·Σ, stored directly
    const V va(alpha);
    for (int r = 0; r < MB; ++r)
      for (int v = 0; v < NB; ++v)
        (va * acc[r][v]).store_unaligned(c + (i0 + r) * ldc + j0 + v * W);
    return;
  }
  for (int r = 0; r < MB; ++r) {
    alignas(64) T out[NB * W];
    for (int v = 0; v < NB; ++v) acc[r][v].store_aligned(out + v * W);
    T* ci = c + (i0 + r) * ldc;
    for (int64_t j = j0; j < j1; ++j)
      ci[j] = beta == T(0) ? alpha * out[j - j0] : alpha * out[j - j0] + beta * ci[j];
  }
}

/// small_gemm_block<T, MB, v> for v = 1 … kSmallMaxNB vectors, at index v − 1.
template <class T, int MB, size_t... V>
constexpr auto small_gemm_blocks(std::index_sequence<V...>) {
  return std::array{&small_gemm_block<T, MB, static_cast<int>(V) + 1>...};
}

template <class T>
void small_gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, T alpha, const T* a,
                int64_t lda, const T* b, int64_t ldb, T beta, T* c, int64_t ldc) {
  constexpr int64_t W = detail::kWidth<T>;
  constexpr int MB = 6;
  const int64_t panels = (n + W - 1) / W;
  auto bp = alloc_packed<T>(panels * k * W, {m, n, k});
  for (int64_t q = 0; q < panels; ++q)
    pack_b_panel<T, W>(trans_b, b, ldb, n, 0, k, q * W, bp.get() + q * k * W);
  // Blocks of 6 rows × up to kSmallMaxNB vectors, then single rows.
  auto row_block = [&]<int R>(int64_t i0) {
    static constexpr auto kBlocks =
        small_gemm_blocks<T, R>(std::make_index_sequence<kSmallMaxNB>{});
    for (int64_t q = 0; q < panels; q += kSmallMaxNB) {
      const int64_t vectors = std::min<int64_t>(kSmallMaxNB, panels - q);
      kBlocks[vectors - 1](trans_a, i0, q * W, n, k, alpha, a, lda, bp.get() + q * k * W, beta, c,
                           ldc);
    }
  };
  int64_t i = 0;
  for (; i + MB <= m; i += MB) row_block.template operator()<MB>(i);
  for (; i < m; ++i) row_block.template operator()<1>(i);
}

}  // namespace

template <class T>
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, T alpha, const T* a,
          int64_t lda, const T* b, int64_t ldb, T beta, T* c, int64_t ldc) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0 || alpha == T(0)) return scale_c(m, n, beta, c, ldc);
#ifdef TAPEGRAD_USE_OPENBLAS
  const auto ta = trans_a ? CblasTrans : CblasNoTrans, tb = trans_b ? CblasTrans : CblasNoTrans;
  if constexpr (std::is_same_v<T, float>)
    return cblas_sgemm(CblasRowMajor, ta, tb, static_cast<int>(m), static_cast<int>(n),
                       static_cast<int>(k), alpha, a, static_cast<int>(lda), b,
                       static_cast<int>(ldb), beta, c, static_cast<int>(ldc));
  else
    return cblas_dgemm(CblasRowMajor, ta, tb, static_cast<int>(m), static_cast<int>(n),
                       static_cast<int>(k), alpha, a, static_cast<int>(lda), b,
                       static_cast<int>(ldb), beta, c, static_cast<int>(ldc));
#else
  if (n <= kSmallCols && m * n * k <= kSmallMacs)
    return small_gemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  const int64_t macs = m * n * k;
  const int threads = tg::get_num_threads();
  if (macs > kSerialMacs && macs <= kSplitMacs && threads > 1)
    return split_gemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, threads);
  packed_gemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, macs <= kSerialMacs,
              {m, n, k});
#endif
}

template void gemm<float>(bool, bool, int64_t, int64_t, int64_t, float, const float*, int64_t,
                          const float*, int64_t, float, float*, int64_t);
template void gemm<double>(bool, bool, int64_t, int64_t, int64_t, double, const double*, int64_t,
                           const double*, int64_t, double, double*, int64_t);

}  // namespace tg::kernels::TG_KERNEL_ISA

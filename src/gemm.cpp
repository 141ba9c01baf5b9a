// The matrix multiply behind every dense layer. The fast path follows the BLIS design (Van Zee & van de Geijn,
// "BLIS: A Framework for Rapidly Instantiating BLAS Functionality", 2015):
//
//   for each block of NC columns of C                       (jc)
//     for each block of KC of the inner dimension            (pc)   pack op(B)[pc, jc] into NR-wide panels
//       for each block of MC rows of C                       (ic)   pack op(A)[ic, pc] into MR-tall panels
//         for each MR × NR tile of C                         (ir, jr)  micro-kernel: C_tile += A_panel · B_panel
//
// Packing makes both operands contiguous in the order the micro-kernel reads them, which also absorbs the
// transposes: op(A) and op(B) cost the same. The micro-kernel keeps an MR × NR tile of C in registers and is plain
// C++ that g++ vectorizes (-O3 -march=native) because NR is a compile-time multiple of the vector width.
//
// Threads (src/thread_pool.cpp) share a product in two rounds of chunks: first the packing (each chunk packs one
// stretch of A or B into its own place in the caller's workspace), then the multiply (each chunk owns a block of
// rows × columns of C over the whole of K, and hands the finished block to the caller's GemmBlockDone). Every element of C is computed by one chunk in the same order — K cut
// into the same blocks, each block's products summed in registers, then added to C — whichever thread runs it and
// however many there are, so results are bit-identical for any thread count and any load.
#include "nnlab/gemm.hpp"

#include <algorithm>
#include <type_traits>
#include <vector>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

// g++ 12 warns that the shuffle intrinsics' deliberately undefined pass-through operand (_mm512_undefined_ps) "may be
// used uninitialized" where they are inlined: a known false positive (GCC bug 105593).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include "nnlab/thread_pool.hpp"

namespace nnlab {
namespace {

// Element (i, j) of op(X) where X is stored row-major with row stride ld.
template <typename T>
T element(const T* X, std::size_t ld, Transpose trans, std::size_t i, std::size_t j) {
  return trans == Transpose::no ? X[i * ld + j] : X[j * ld + i];
}

template <typename T>
void scale_output(std::size_t M, std::size_t N, T beta, T* C, std::size_t ldc) {
  for (std::size_t i = 0; i < M; ++i) {
    T* c = C + i * ldc;
    if (beta == T(0))
      std::fill(c, c + N, T(0));
    else if (beta != T(1))
      for (std::size_t j = 0; j < N; ++j) c[j] *= beta;
  }
}

// Register tile and cache blocks: MR × NR accumulators in vector registers, KC × NR of B in L1, MC × KC of A in L2.
// NC columns and MO rows of C are packed at a time, which bounds the workspace at K × (NC + MO) elements.
// float: a 12 × 32 tile is 24 of AVX-512's 32 registers (two per row), the tile the hand-written kernel below uses;
// double: 6 × 32 (four registers per row), measured fastest on a Zen 4 core for the plain C++ kernel.
// KC is the same for both and must stay so: K's blocks decide the order of the sums (see packed_gemm).
template <typename T>
struct Blocking {
  static constexpr std::size_t MR = 6, NR = 32, KC = 256, MC = 96, NC = 2048, MO = 768;
};
#if defined(__AVX512F__)
template <>
struct Blocking<float> {
  static constexpr std::size_t MR = 12, NR = 32, KC = 256, MC = 96, NC = 2048, MO = 768;
};
#endif

#if defined(__AVX512F__)
constexpr bool kAvx512 = true;
// The first n lanes of a 16-float vector.
inline __mmask16 first_lanes(std::size_t n) { return __mmask16(n >= 16 ? 0xffffu : (1u << n) - 1); }

// Transposes a block of up to 16 rows × 16 floats (row stride ld; rows past `rows` and columns past `cols` read as
// zero, and are not read) in registers: afterwards column[k] holds source[r * ld + k] in lane r. The packing routines
// below use it where they would otherwise gather one float at a time (X·Wᵀ's B, and A's row panels): 64 shuffles per
// 256 floats.
inline void transpose_16x16(const float* source, std::size_t ld, std::size_t rows, __m512 column[16],
                            std::size_t cols = 16) {
  __m512 r[16], t[16];
  const __mmask16 mask = first_lanes(cols);
  for (std::size_t i = 0; i < 16; ++i)
    r[i] = i < rows ? _mm512_maskz_loadu_ps(mask, source + i * ld) : _mm512_setzero_ps();
  for (std::size_t i = 0; i < 16; i += 2) {  // interleave pairs of rows: 32-bit elements
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
  for (std::size_t i = 0; i < 16; i += 4) {  // then pairs of pairs: 64-bit elements
    const __m512d a = _mm512_castps_pd(t[i]), b = _mm512_castps_pd(t[i + 1]);
    const __m512d c = _mm512_castps_pd(t[i + 2]), d = _mm512_castps_pd(t[i + 3]);
    r[i] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
    r[i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
    r[i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, d));
    r[i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, d));
  }
  for (std::size_t i = 0; i < 4; ++i) {  // then 128-bit lanes of rows 0-7 and 8-15 among themselves
    t[i] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0x88);
    t[i + 4] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0xdd);
    t[i + 8] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0x88);
    t[i + 12] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0xdd);
  }
  for (std::size_t i = 0; i < 8; ++i) {  // and across the two halves
    column[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
    column[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xdd);
  }
}
#else
constexpr bool kAvx512 = false;
#endif

// Packs op(A)[i0 .. i0+mc, p0 .. p0+kc] into panels of MR rows, each stored k-major: panel[k * MR + r].
// Rows past the matrix are zero, so the micro-kernel never needs an edge case. Each loop reads its source
// contiguously.
template <typename T>
void pack_a(Transpose trans, const T* A, std::size_t lda, std::size_t i0, std::size_t mc, std::size_t p0,
            std::size_t kc, T* packed) {
  constexpr std::size_t MR = Blocking<T>::MR;
  for (std::size_t ir = 0; ir < mc; ir += MR) {
    const std::size_t rows = std::min(MR, mc - ir);
    T* panel = packed + ir * kc;
    if (rows < MR) std::fill(panel, panel + kc * MR, T(0));
    std::size_t k_done = 0;
#if defined(__AVX512F__)
    if constexpr (std::is_same_v<T, float>) {
      static_assert(MR <= 16);
      if (trans == Transpose::no) {  // 16 k of every row at once, turned into 16 k-rows of the panel
        const T* source = A + (i0 + ir) * lda + p0;
        __m512 column[16];
        for (; k_done + 16 <= kc; k_done += 16) {
          transpose_16x16(source + k_done, lda, rows, column);
          for (std::size_t k = 0; k < 16; ++k)
            _mm512_mask_storeu_ps(panel + (k_done + k) * MR, __mmask16((1u << MR) - 1), column[k]);
        }
      }
    }
#endif
    if (trans == Transpose::no && rows == MR) {
      // All MR rows at once, k outermost: each store continues the last one, the MR reads run along their rows.
      const T* source = A + (i0 + ir) * lda + p0;
      for (std::size_t k = k_done; k < kc; ++k)
        for (std::size_t r = 0; r < MR; ++r) panel[k * MR + r] = source[r * lda + k];
    } else if (trans == Transpose::no) {
      for (std::size_t r = 0; r < rows; ++r) {
        const T* source = A + (i0 + ir + r) * lda + p0;
        for (std::size_t k = k_done; k < kc; ++k) panel[k * MR + r] = source[k];
      }
    } else {
      for (std::size_t k = 0; k < kc; ++k) {
        const T* source = A + (p0 + k) * lda + i0 + ir;
        for (std::size_t r = 0; r < rows; ++r) panel[k * MR + r] = source[r];
      }
    }
  }
}

// Packs op(B)[p0 .. p0+kc, j0 .. j0+cols] into one panel of NR columns, stored k-major: panel[k * NR + c].
template <typename T>
void pack_b_panel(Transpose trans, const T* B, std::size_t ldb, std::size_t p0, std::size_t kc, std::size_t j0,
                  std::size_t cols, T* panel) {
  constexpr std::size_t NR = Blocking<T>::NR;
  if (cols < NR) std::fill(panel, panel + kc * NR, T(0));
  if (trans == Transpose::no) {
    for (std::size_t k = 0; k < kc; ++k) std::copy_n(B + (p0 + k) * ldb + j0, cols, panel + k * NR);
    return;
  }
  std::size_t k_done = 0;
#if defined(__AVX512F__)
  if constexpr (std::is_same_v<T, float>) {  // 16 k × 16 columns at a time, each a register transpose
    static_assert(NR == 32);
    __m512 column[16];
    for (; k_done + 16 <= kc; k_done += 16)
      for (std::size_t c0 = 0; c0 < cols; c0 += 16) {
        transpose_16x16(B + (j0 + c0) * ldb + p0 + k_done, ldb, std::min<std::size_t>(16, cols - c0), column);
        for (std::size_t k = 0; k < 16; ++k) _mm512_storeu_ps(panel + (k_done + k) * NR + c0, column[k]);
      }
  }
#endif
  if (cols == NR) {
    // Blocks of 8 k by all NR columns: reads along 8 elements of each row of B, writes whole rows of the panel.
    const T* source = B + j0 * ldb + p0;
    std::size_t k0 = k_done;
    for (; k0 + 8 <= kc; k0 += 8)
      for (std::size_t k = k0; k < k0 + 8; ++k)
        for (std::size_t c = 0; c < NR; ++c) panel[k * NR + c] = source[c * ldb + k];
    for (std::size_t k = k0; k < kc; ++k)
      for (std::size_t c = 0; c < NR; ++c) panel[k * NR + c] = source[c * ldb + k];
  } else {
    for (std::size_t c = 0; c < cols; ++c) {
      const T* source = B + (j0 + c) * ldb + p0;
      for (std::size_t k = k_done; k < kc; ++k) panel[k * NR + c] = source[k];
    }
  }
}

// C_tile (rows × cols of it are real) += alpha · A_panel · B_panel over kc; with `overwrite` (K's first block of a
// product with beta = 0), C_tile = alpha · A_panel · B_panel + 0 without reading C: the same bits as adding to a C
// zeroed beforehand, without the pass that zeroes it (6% of a Fashion-MNIST step went to that memset).
template <typename T>
void micro_kernel(std::size_t kc, const T* __restrict a, const T* __restrict b, T alpha, T* C, std::size_t ldc,
                  std::size_t rows, std::size_t cols, bool overwrite) {
  constexpr std::size_t MR = Blocking<T>::MR, NR = Blocking<T>::NR;
  T acc[MR][NR] = {};
  for (std::size_t k = 0; k < kc; ++k) {
    const T* bk = b + k * NR;
    const T* ak = a + k * MR;
    for (std::size_t r = 0; r < MR; ++r)
      for (std::size_t c = 0; c < NR; ++c) acc[r][c] += ak[r] * bk[c];
  }
  if (overwrite) {
    for (std::size_t r = 0; r < rows; ++r)
      for (std::size_t c = 0; c < cols; ++c) C[r * ldc + c] = alpha * acc[r][c] + T(0);
  } else if (rows == MR && cols == NR) {
    for (std::size_t r = 0; r < MR; ++r)
      for (std::size_t c = 0; c < NR; ++c) C[r * ldc + c] += alpha * acc[r][c];
  } else {
    for (std::size_t r = 0; r < rows; ++r)
      for (std::size_t c = 0; c < cols; ++c) C[r * ldc + c] += alpha * acc[r][c];
  }
}

#if defined(__AVX512F__)
// The float micro-kernel in AVX-512 intrinsics: the same arithmetic as the plain one above (per element of C, the
// products of one block of K summed in k order with fused multiply-adds, then C = alpha · sum + C, fused), so results
// are the same bits; only the instructions are chosen by hand. Each k step loads the two 16-float halves of a row of
// the B panel once and multiplies them by MR broadcast elements of A into 2·MR accumulators that stay in registers
// from the first k to the store (g++'s version of the loop above spilled them through the stack at the end, and its
// 6-row tile read B twice as often per multiply-add). The C tile is prefetched while the k loop runs.
template <>
void micro_kernel<float>(std::size_t kc, const float* __restrict a, const float* __restrict b, float alpha, float* C,
                         std::size_t ldc, std::size_t rows, std::size_t cols, bool overwrite) {
  constexpr std::size_t MR = Blocking<float>::MR;
  static_assert(Blocking<float>::NR == 32, "two 16-float vectors per row of the tile");
  __m512 low[MR], high[MR];
#pragma GCC unroll 16
  for (std::size_t r = 0; r < MR; ++r) low[r] = high[r] = _mm512_setzero_ps();
#pragma GCC unroll 16
  for (std::size_t r = 0; r < rows; ++r) {
    _mm_prefetch(reinterpret_cast<const char*>(C + r * ldc), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(C + r * ldc + 16), _MM_HINT_T0);
  }
  for (std::size_t k = 0; k < kc; ++k) {
    const __m512 b_low = _mm512_loadu_ps(b), b_high = _mm512_loadu_ps(b + 16);
#pragma GCC unroll 16
    for (std::size_t r = 0; r < MR; ++r) {
      const __m512 a_r = _mm512_set1_ps(a[r]);
      low[r] = _mm512_fmadd_ps(a_r, b_low, low[r]);
      high[r] = _mm512_fmadd_ps(a_r, b_high, high[r]);
    }
    a += MR;
    b += 32;
  }
  const __m512 scale = _mm512_set1_ps(alpha), zero = _mm512_setzero_ps();
  if (cols == 32) {
#pragma GCC unroll 16
    for (std::size_t r = 0; r < MR; ++r) {
      if (r >= rows) break;
      float* c = C + r * ldc;
      _mm512_storeu_ps(c, _mm512_fmadd_ps(scale, low[r], overwrite ? zero : _mm512_loadu_ps(c)));
      _mm512_storeu_ps(c + 16, _mm512_fmadd_ps(scale, high[r], overwrite ? zero : _mm512_loadu_ps(c + 16)));
    }
  } else {  // the last column panel: only `cols` columns are C's (maskz_loadu reads nothing outside the mask)
    const __mmask16 mask_low = __mmask16(cols >= 16 ? 0xffffu : (1u << cols) - 1);
    const __mmask16 mask_high = __mmask16(cols >= 32 ? 0xffffu : cols > 16 ? (1u << (cols - 16)) - 1 : 0);
#pragma GCC unroll 16
    for (std::size_t r = 0; r < MR; ++r) {
      if (r >= rows) break;
      float* c = C + r * ldc;
      const __mmask16 read_low = overwrite ? 0 : mask_low, read_high = overwrite ? 0 : mask_high;
      _mm512_mask_storeu_ps(c, mask_low, _mm512_fmadd_ps(scale, low[r], _mm512_maskz_loadu_ps(read_low, c)));
      _mm512_mask_storeu_ps(c + 16, mask_high,
                            _mm512_fmadd_ps(scale, high[r], _mm512_maskz_loadu_ps(read_high, c + 16)));
    }
  }
}
#endif

// At most about this many multiply-adds per chunk of a product on several threads: 28 µs at 150 GFLOP/s.
constexpr std::size_t kChunkWork = std::size_t(1) << 21;

// Below this many multiply-adds packing costs more than it saves: small products (the spiral network's 10 × 16 × 16)
// take the direct loops.
constexpr std::size_t kPackedWork = 1 << 13;

// Direct loops for small products (the spiral network's 10 × 16 × 16): C[i, :] += alpha · op(A)[i, k] · op(B)[k, :],
// the innermost loop along a row of op(B) and of C, so g++ vectorizes it. A transposed B (the forward pass's X·Wᵀ) is
// first copied into `b_rows` as op(B), K × N row-major: a few hundred elements, cheaper than the dot products with a
// horizontal sum at the end of each that reading it in place would need.
template <typename T>
void small_gemm(Transpose trans_a, Transpose trans_b, std::size_t M, std::size_t N, std::size_t K, T alpha,
                const T* A, std::size_t lda, const T* B, std::size_t ldb, T* C, std::size_t ldc, T* b_rows) {
  if (trans_b == Transpose::yes) {
    for (std::size_t j = 0; j < N; ++j)
      for (std::size_t k = 0; k < K; ++k) b_rows[k * N + j] = B[j * ldb + k];
    B = b_rows;
    ldb = N;
  }
  for (std::size_t i = 0; i < M; ++i) {
    T* __restrict c = C + i * ldc;
    for (std::size_t k = 0; k < K; ++k) {
      const T a = alpha * element(A, lda, trans_a, i, k);
      const T* __restrict b = B + k * ldb;
      for (std::size_t j = 0; j < N; ++j) c[j] += a * b[j];
    }
  }
}

#if defined(__AVX512F__)
// The same direct loops for float in AVX-512: op(B)ᵀ is turned into rows by register transposes, and four rows of C
// are accumulated at once in registers over all of K (four independent chains of fused multiply-adds, where one row
// alone would wait on each FMA's latency). Per element the arithmetic is the loops' above, c = fma(alpha·a, b, c) in
// k order from the C that scale_output left, so the bits are the same.
template <>
void small_gemm<float>(Transpose trans_a, Transpose trans_b, std::size_t M, std::size_t N, std::size_t K, float alpha,
                       const float* A, std::size_t lda, const float* B, std::size_t ldb, float* C, std::size_t ldc,
                       float* b_rows) {
  if (trans_b == Transpose::yes) {
    __m512 column[16];
    for (std::size_t j0 = 0; j0 < N; j0 += 16)
      for (std::size_t k0 = 0; k0 < K; k0 += 16) {
        const std::size_t depth = std::min<std::size_t>(16, K - k0);
        transpose_16x16(B + j0 * ldb + k0, ldb, std::min<std::size_t>(16, N - j0), column, depth);
        for (std::size_t k = 0; k < depth; ++k)
          _mm512_mask_storeu_ps(b_rows + (k0 + k) * N + j0, first_lanes(N - j0), column[k]);
      }
    B = b_rows;
    ldb = N;
  }
  constexpr std::size_t kRows = 4;
  for (std::size_t i0 = 0; i0 < M; i0 += kRows) {
    const std::size_t rows = std::min(kRows, M - i0);
    for (std::size_t j0 = 0; j0 < N; j0 += 16) {
      const __mmask16 mask = first_lanes(N - j0);
      __m512 acc[kRows];
#pragma GCC unroll 4
      for (std::size_t r = 0; r < kRows; ++r)
        acc[r] = r < rows ? _mm512_maskz_loadu_ps(mask, C + (i0 + r) * ldc + j0) : _mm512_setzero_ps();
      for (std::size_t k = 0; k < K; ++k) {
        const __m512 b = _mm512_maskz_loadu_ps(mask, B + k * ldb + j0);
#pragma GCC unroll 4
        for (std::size_t r = 0; r < kRows; ++r) {
          const float a = r < rows ? alpha * element(A, lda, trans_a, i0 + r, k) : 0.0f;
          acc[r] = _mm512_fmadd_ps(_mm512_set1_ps(a), b, acc[r]);
        }
      }
#pragma GCC unroll 4
      for (std::size_t r = 0; r < kRows; ++r)
        if (r < rows) _mm512_mask_storeu_ps(C + (i0 + r) * ldc + j0, mask, acc[r]);
    }
  }
}
#endif

}  // namespace

template <typename T>
void gemm_reference(Transpose trans_a, Transpose trans_b, std::size_t M, std::size_t N, std::size_t K, T alpha,
                    const T* A, std::size_t lda, const T* B, std::size_t ldb, T beta, T* C, std::size_t ldc) {
  for (std::size_t i = 0; i < M; ++i)
    for (std::size_t j = 0; j < N; ++j) {
      T sum = 0;
      for (std::size_t k = 0; k < K; ++k) sum += element(A, lda, trans_a, i, k) * element(B, ldb, trans_b, k, j);
      C[i * ldc + j] = alpha * sum + (beta == T(0) ? T(0) : beta * C[i * ldc + j]);
    }
}

namespace {

// One product's shapes and where its packed copies go, for the chunks that share it.
template <typename T>
struct Product {
  using Bk = Blocking<T>;
  Transpose trans_a, trans_b;
  std::size_t M, N, K;
  T alpha;
  const T* A;
  std::size_t lda;
  const T* B;
  std::size_t ldb;
  T* C;
  std::size_t ldc;
  bool overwrite = false;  // beta = 0: K's first block writes C instead of adding to it
  const GemmBlockDone* block_done = nullptr;  // called on each chunk's block of C once it is final (never null)
  std::size_t k_step = 0;                      // K is cut into blocks of this size (the last may be shorter)
  std::size_t i0 = 0, mo = 0, j0 = 0, nc = 0;  // the rows and columns of C packed at present
  std::size_t m_pad = 0, n_pad = 0;            // mo and nc rounded up to whole panels
  T* a_packed = nullptr;  // block of K starting at pc: a_packed + pc · m_pad, MR-row panels of kc each
  T* b_packed = nullptr;  // block of K starting at pc: b_packed + pc · n_pad, NR-column panels of kc each
  std::size_t k_blocks = 0, a_groups = 0, b_groups = 0, pack_panels = 0;
  std::size_t group_rows = 0, row_groups = 0, group_panels = 0, col_groups = 0;

  // Packing chunk: one k-block of one group of MC rows of A, or of `pack_panels` column panels of B. They come in
  // the order of B's columns, with A's groups in the middle: the calling thread takes chunks from the front and the
  // pool's from the back (thread_pool.cpp), so each packs the columns it is about to multiply.
  std::size_t pack_chunks() const { return k_blocks * (a_groups + b_groups); }
  void pack(std::size_t chunk) const {
    const std::size_t item = chunk / k_blocks, block = chunk % k_blocks, b_front = b_groups / 2;
    const std::size_t pc = block * k_step, kc = std::min(k_step, K - pc);
    if (item >= b_front && item < b_front + a_groups) {
      const std::size_t ir = (item - b_front) * Bk::MC;
      pack_a(trans_a, A, lda, i0 + ir, std::min(Bk::MC, mo - ir), pc, kc, a_packed + pc * m_pad + ir * kc);
    } else {
      const std::size_t first = (item < b_front ? item : item - a_groups) * pack_panels;
      const std::size_t last = std::min(first + pack_panels, (nc + Bk::NR - 1) / Bk::NR);
      for (std::size_t jr = first; jr < last; ++jr)
        pack_b_panel(trans_b, B, ldb, pc, kc, j0 + jr * Bk::NR, std::min(Bk::NR, nc - jr * Bk::NR),
                     b_packed + pc * n_pad + jr * Bk::NR * kc);
    }
  }

  // Multiply chunk: group_rows rows × group_panels column panels of C, over all of K, then handed to block_done.
  // Where a column panel is cut into several groups of rows (the second layer's forward at batch 64, the weight
  // gradients, any product on many threads), they are numbered column group by column group: the calling thread,
  // which claims from the front, multiplies the first columns of C, the panels of B it packed itself, and the pool's
  // threads the last ones. Numbered row group by row group, both cores read all of packed B, half of it written by the
  // other (with 48 one-tile chunks for the first layer's forward, an epoch on two threads took 1.05 times as long,
  // docs/performance.md).
  std::size_t multiply_chunks() const { return row_groups * col_groups; }
  void multiply(std::size_t chunk) const {
    const std::size_t ic = (chunk % row_groups) * group_rows, mc = std::min(group_rows, mo - ic);
    const std::size_t first = (chunk / row_groups) * group_panels;
    const std::size_t last = std::min(first + group_panels, (nc + Bk::NR - 1) / Bk::NR);
    for (std::size_t pc = 0; pc < K; pc += k_step) {
      const std::size_t kc = std::min(k_step, K - pc);
      for (std::size_t jr = first; jr < last; ++jr) {
        const std::size_t cols = std::min(Bk::NR, nc - jr * Bk::NR);
        for (std::size_t ir = ic; ir < ic + mc; ir += Bk::MR)
          micro_kernel(kc, a_packed + pc * m_pad + ir * kc, b_packed + pc * n_pad + jr * Bk::NR * kc, alpha,
                       C + (i0 + ir) * ldc + j0 + jr * Bk::NR, ldc, std::min(Bk::MR, mo - ir), cols,
                       overwrite && pc == 0);
      }
    }
    if (*block_done)
      (*block_done)(i0 + ic, mc, j0 + first * Bk::NR, std::min(last * Bk::NR, nc) - first * Bk::NR);
  }
};

// How a product is cut into chunks: about three per thread, so that a thread held up elsewhere leaves its share to the
// others, and for a large product none over kChunkWork multiply-adds, so that the threads finish a round within a
// chunk's time of each other. Not smaller: a chunk reuses its panel of B from L1 across its rows, and with at most
// 2^18 multiply-adds the first layer's forward at batch 64 was cut into 48 chunks of one 12 × 32 tile each instead of
// 8 whole column panels, and an epoch on two threads took 3% longer (docs/performance.md). The multiply chunks start
// as MC rows × every column panel and are halved, columns first (each keeps its rows of A in L2 across its panels),
// then rows down to one MR-row panel: a batch of 64 through a layer of 256 units offers 6 × 8 = 48 tiles, enough for
// 16 threads. Only which chunk computes which tile depends on the thread count, never how a tile is computed, so the
// bits do not.
template <typename T>
void split_into_chunks(Product<T>& p, std::size_t panels, int threads) {
  using Bk = Blocking<T>;
  const std::size_t work = p.mo * panels * Bk::NR * p.K;
  const std::size_t wanted = threads > 1 ? std::max(3 * std::size_t(threads), work / kChunkWork) : 1;
  const std::size_t row_panels = (p.mo + Bk::MR - 1) / Bk::MR;
  std::size_t rows = Bk::MC / Bk::MR, cols = panels;  // in panels
  auto count = [&] { return ((row_panels + rows - 1) / rows) * ((panels + cols - 1) / cols); };
  while (count() < wanted && (cols > 1 || rows > 1)) {
    if (cols > 1)
      cols = (cols + 1) / 2;
    else
      rows = (rows + 1) / 2;
  }
  p.group_rows = rows * Bk::MR;
  p.row_groups = (p.mo + p.group_rows - 1) / p.group_rows;
  p.group_panels = cols;
  p.col_groups = (panels + cols - 1) / cols;
  // Packing: each k-block of A's MC-row groups, and of B in groups of up to 4 panels, fewer when that gives too few
  // chunks.
  p.pack_panels = 4;
  auto pack_count = [&] { return p.k_blocks * (p.a_groups + (panels + p.pack_panels - 1) / p.pack_panels); };
  while (pack_count() < wanted && p.pack_panels > 1) p.pack_panels /= 2;
  p.b_groups = (panels + p.pack_panels - 1) / p.pack_panels;
}

template <typename T>
void packed_gemm(Product<T>& p, GemmWorkspace& workspace, int threads) {
  using Bk = Blocking<T>;
  // K is cut into equal blocks of at most KC (784 = 4 × 196, not 3 × 256 + 16): a short last block would pay the
  // cost of loading and storing C tiles for very little arithmetic. The cut depends on K alone, never on threads.
  p.k_blocks = (p.K + Bk::KC - 1) / Bk::KC;
  p.k_step = (p.K + p.k_blocks - 1) / p.k_blocks;
  const std::size_t m_max = (std::min(p.M, Bk::MO) + Bk::MR - 1) / Bk::MR * Bk::MR;
  const std::size_t n_max = (std::min(p.N, Bk::NC) + Bk::NR - 1) / Bk::NR * Bk::NR;
  const std::size_t a_size = (p.K * m_max + 15) / 16 * 16;  // B's panels start on a cache line (64 bytes, as A's)
  T* const space = static_cast<T*>(workspace.reserve(sizeof(T) * (a_size + p.K * n_max)));
  p.a_packed = space;
  p.b_packed = space + a_size;
  for (p.j0 = 0; p.j0 < p.N; p.j0 += Bk::NC) {
    p.nc = std::min(Bk::NC, p.N - p.j0);
    p.n_pad = (p.nc + Bk::NR - 1) / Bk::NR * Bk::NR;
    const std::size_t panels = p.n_pad / Bk::NR;
    for (p.i0 = 0; p.i0 < p.M; p.i0 += Bk::MO) {
      p.mo = std::min(Bk::MO, p.M - p.i0);
      p.m_pad = (p.mo + Bk::MR - 1) / Bk::MR * Bk::MR;
      p.a_groups = (p.mo + Bk::MC - 1) / Bk::MC;
      split_into_chunks(p, panels, threads);
      auto pack = [&p](std::size_t chunk) { p.pack(chunk); };
      parallel_for(p.pack_chunks(), threads - 1, pack);
      auto multiply = [&p](std::size_t chunk) { p.multiply(chunk); };
      parallel_for(p.multiply_chunks(), threads - 1, multiply);
    }
  }
}

// Per calling thread, for callers that bring no workspace of their own.
GemmWorkspace& thread_workspace() {
  thread_local GemmWorkspace workspace;
  return workspace;
}

}  // namespace

void* GemmWorkspace::reserve(std::size_t bytes) {
  const std::size_t lines = (bytes + sizeof(Line) - 1) / sizeof(Line);
  if (storage_.size() < lines) storage_.resize(lines);
  return storage_.data();
}

std::size_t gemm_chunks(std::size_t M, std::size_t N, std::size_t K, int threads) {
  using Bk = Blocking<float>;
  if (M * N * K < kPackedWork) return 1;
  Product<float> p{Transpose::no, Transpose::no, M, N, K, 1.0f, nullptr, K, nullptr, N, nullptr, N};
  p.k_blocks = (K + Bk::KC - 1) / Bk::KC;
  const std::size_t nc = std::min(Bk::NC, N), mo = std::min(Bk::MO, M);
  p.mo = mo;
  p.a_groups = (mo + Bk::MC - 1) / Bk::MC;
  split_into_chunks(p, (nc + Bk::NR - 1) / Bk::NR, std::max(threads, 1));
  return p.multiply_chunks();
}

int gemm_threads_for(std::size_t M, std::size_t N, std::size_t K, bool awake) {
  const std::size_t work = M * N * K;
  if (work < kPackedWork || running_a_chunk()) return 1;  // inside a chunk every chunk runs on this thread anyway
  const std::size_t per_thread = awake ? kGemmAwakeThreadWork : kGemmThreadWork;
  return int(std::clamp<std::size_t>(work / per_thread, 1, std::size_t(max_threads())));
}

int gemm_threads_for(std::size_t M, std::size_t N, std::size_t K) {
  return gemm_threads_for(M, N, K, M * N * K >= kGemmAwakeThreadWork && pool_awake());
}

template <typename T>
void gemm(Transpose trans_a, Transpose trans_b, std::size_t M, std::size_t N, std::size_t K, T alpha, const T* A,
          std::size_t lda, const T* B, std::size_t ldb, T beta, T* C, std::size_t ldc, GemmWorkspace& workspace,
          const GemmBlockDone& block_done) {
  if (M == 0 || N == 0) return;
  if (K == 0 || alpha == T(0) || M * N * K < kPackedWork) {  // on the calling thread: C is one block
    scale_output(M, N, beta, C, ldc);
    if (K != 0 && alpha != T(0)) {
      T* b_rows = trans_b == Transpose::yes ? static_cast<T*>(workspace.reserve(sizeof(T) * N * K)) : nullptr;
      small_gemm(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, C, ldc, b_rows);
    }
    if (block_done) block_done(0, M, 0, N);
    return;
  }
  if (beta != T(0)) scale_output(M, N, beta, C, ldc);  // beta = 0: the first block of K overwrites C
  Product<T> product{trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, C, ldc, beta == T(0), &block_done};
  packed_gemm(product, workspace, gemm_threads_for(M, N, K));
}

template <typename T>
void gemm(Transpose trans_a, Transpose trans_b, std::size_t M, std::size_t N, std::size_t K, T alpha, const T* A,
          std::size_t lda, const T* B, std::size_t ldb, T beta, T* C, std::size_t ldc, const GemmBlockDone& block_done) {
  gemm(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, thread_workspace(), block_done);
}

int gemm_threads() { return max_threads(); }

void set_gemm_threads(int threads) { set_threads(threads); }

#define NNLAB_INSTANTIATE_GEMM(T)                                                                               \
  template void gemm<T>(Transpose, Transpose, std::size_t, std::size_t, std::size_t, T, const T*, std::size_t, \
                        const T*, std::size_t, T, T*, std::size_t, const GemmBlockDone&);                      \
  template void gemm<T>(Transpose, Transpose, std::size_t, std::size_t, std::size_t, T, const T*, std::size_t, \
                        const T*, std::size_t, T, T*, std::size_t, GemmWorkspace&, const GemmBlockDone&);      \
  template void gemm_reference<T>(Transpose, Transpose, std::size_t, std::size_t, std::size_t, T, const T*,    \
                                  std::size_t, const T*, std::size_t, T, T*, std::size_t);
NNLAB_INSTANTIATE_GEMM(float)
NNLAB_INSTANTIATE_GEMM(double)

}  // namespace nnlab

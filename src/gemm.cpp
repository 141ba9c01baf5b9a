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
// Threads split the tiles of C between them; every tile is computed by exactly one thread in the same order
// whatever the thread count, so results are bit-identical with 1 or N threads.
#include "nnlab/gemm.hpp"

#include <algorithm>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

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

// Register tile and cache blocks, per element type: MR × NR accumulators fit the 32 vector registers of AVX-512
// (and spill little on AVX2); KC × NR of B stays in L1, MC × KC of A in L2. Measured on a Zen 4 core (see
// docs/performance.md): 6 × 32 is the fastest tile for both float and double; 6 × 16 doubles, oddly, ran 10× slower
// with g++ 12.
template <typename T> struct Blocking;
template <> struct Blocking<float> {
  static constexpr std::size_t MR = 6, NR = 32, KC = 256, MC = 96, NC = 2048;
};
template <> struct Blocking<double> {
  static constexpr std::size_t MR = 6, NR = 32, KC = 256, MC = 96, NC = 2048;
};

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
    if (trans == Transpose::no) {
      for (std::size_t r = 0; r < rows; ++r) {
        const T* source = A + (i0 + ir + r) * lda + p0;
        for (std::size_t k = 0; k < kc; ++k) panel[k * MR + r] = source[k];
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
  } else {
    for (std::size_t c = 0; c < cols; ++c) {
      const T* source = B + (j0 + c) * ldb + p0;
      for (std::size_t k = 0; k < kc; ++k) panel[k * NR + c] = source[k];
    }
  }
}

// C_tile (rows × cols of it are real) += alpha · A_panel · B_panel over kc.
template <typename T>
void micro_kernel(std::size_t kc, const T* __restrict a, const T* __restrict b, T alpha, T* C, std::size_t ldc,
                  std::size_t rows, std::size_t cols) {
  constexpr std::size_t MR = Blocking<T>::MR, NR = Blocking<T>::NR;
  T acc[MR][NR] = {};
  for (std::size_t k = 0; k < kc; ++k) {
    const T* bk = b + k * NR;
    const T* ak = a + k * MR;
    for (std::size_t r = 0; r < MR; ++r)
      for (std::size_t c = 0; c < NR; ++c) acc[r][c] += ak[r] * bk[c];
  }
  if (rows == MR && cols == NR) {
    for (std::size_t r = 0; r < MR; ++r)
      for (std::size_t c = 0; c < NR; ++c) C[r * ldc + c] += alpha * acc[r][c];
  } else {
    for (std::size_t r = 0; r < rows; ++r)
      for (std::size_t c = 0; c < cols; ++c) C[r * ldc + c] += alpha * acc[r][c];
  }
}

// Below this many multiply-adds a second thread costs more than it saves...
constexpr std::size_t kParallelWork = 1 << 16;
// ... and below this many, packing does: small products (the spiral network's 10 × 16 × 16) take the direct loops.
constexpr std::size_t kPackedWork = 1 << 13;

// Direct loops for small products, arranged so the innermost loop runs over contiguous memory.
template <typename T>
void small_gemm(Transpose trans_a, Transpose trans_b, std::size_t M, std::size_t N, std::size_t K, T alpha,
                const T* A, std::size_t lda, const T* B, std::size_t ldb, T* C, std::size_t ldc) {
  if (trans_b == Transpose::no) {
    for (std::size_t i = 0; i < M; ++i) {
      T* c = C + i * ldc;
      for (std::size_t k = 0; k < K; ++k) {
        const T a = alpha * element(A, lda, trans_a, i, k);
        const T* b = B + k * ldb;
        for (std::size_t j = 0; j < N; ++j) c[j] += a * b[j];
      }
    }
  } else {
    for (std::size_t i = 0; i < M; ++i)
      for (std::size_t j = 0; j < N; ++j) {
        T sum = 0;
        for (std::size_t k = 0; k < K; ++k) sum += element(A, lda, trans_a, i, k) * B[j * ldb + k];
        C[i * ldc + j] += alpha * sum;
      }
  }
}

// Packing buffers shared by the threads of one call (each thread writes its own panels), grown on demand and then
// reused: no allocation per call in the steady state.
template <typename T>
std::vector<T>& packing_buffer(int which) {
  static std::vector<T> buffers[2];
  return buffers[which];
}

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

template <typename T>
void gemm(Transpose trans_a, Transpose trans_b, std::size_t M, std::size_t N, std::size_t K, T alpha, const T* A,
          std::size_t lda, const T* B, std::size_t ldb, T beta, T* C, std::size_t ldc) {
  scale_output(M, N, beta, C, ldc);
  if (M == 0 || N == 0 || K == 0 || alpha == T(0)) return;
  if (M * N * K < kPackedWork) return small_gemm(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, C, ldc);
  using Bk = Blocking<T>;
  const bool parallel = M * N * K >= kParallelWork;
  // K is cut into equal blocks of at most KC (784 = 4 × 196, not 3 × 256 + 16): a short last block would pay the
  // cost of loading and storing C tiles for very little arithmetic.
  const std::size_t k_blocks = (K + Bk::KC - 1) / Bk::KC;
  const std::size_t k_step = (K + k_blocks - 1) / k_blocks;
  const std::size_t nc_max = std::min(N, Bk::NC), mc_max = std::min(M, Bk::MC);
  std::vector<T>& b_buffer = packing_buffer<T>(0);
  std::vector<T>& a_buffer = packing_buffer<T>(1);
  if (b_buffer.size() < k_step * ((nc_max + Bk::NR - 1) / Bk::NR * Bk::NR))
    b_buffer.resize(k_step * ((nc_max + Bk::NR - 1) / Bk::NR * Bk::NR));
  if (a_buffer.size() < k_step * ((mc_max + Bk::MR - 1) / Bk::MR * Bk::MR))
    a_buffer.resize(k_step * ((mc_max + Bk::MR - 1) / Bk::MR * Bk::MR));
  T* const b_packed = b_buffer.data();
  T* const a_packed = a_buffer.data();

  // One team for the whole product; every thread walks the same loops and shares out each stage (`omp for`,
  // whose implicit barrier ends the stage): pack B, pack A, multiply.
#pragma omp parallel if (parallel)
  for (std::size_t jc = 0; jc < N; jc += Bk::NC) {
    const std::size_t nc = std::min(Bk::NC, N - jc);
    const std::size_t panels = (nc + Bk::NR - 1) / Bk::NR;
    for (std::size_t pc = 0; pc < K; pc += k_step) {
      const std::size_t kc = std::min(k_step, K - pc);
#pragma omp for schedule(static)
      for (std::size_t jr = 0; jr < panels; ++jr)
        pack_b_panel(trans_b, B, ldb, pc, kc, jc + jr * Bk::NR, std::min(Bk::NR, nc - jr * Bk::NR),
                     b_packed + jr * Bk::NR * kc);
      for (std::size_t ic = 0; ic < M; ic += Bk::MC) {
        const std::size_t mc = std::min(Bk::MC, M - ic);
        const std::size_t row_panels = (mc + Bk::MR - 1) / Bk::MR;
#pragma omp for schedule(static)
        for (std::size_t ir = 0; ir < row_panels; ++ir)
          pack_a(trans_a, A, lda, ic + ir * Bk::MR, std::min(Bk::MR, mc - ir * Bk::MR), pc, kc,
                 a_packed + ir * Bk::MR * kc);
        // Each thread takes whole MC × NR column strips of C, so no two threads write the same element.
#pragma omp for schedule(static)
        for (std::size_t jr = 0; jr < panels; ++jr) {
          const std::size_t cols = std::min(Bk::NR, nc - jr * Bk::NR);
          for (std::size_t ir = 0; ir < mc; ir += Bk::MR)
            micro_kernel(kc, a_packed + ir * kc, b_packed + jr * Bk::NR * kc, alpha,
                         C + (ic + ir) * ldc + jc + jr * Bk::NR, ldc, std::min(Bk::MR, mc - ir), cols);
        }
      }
    }
  }
}

int gemm_threads() {
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

void set_gemm_threads(int threads) {
#ifdef _OPENMP
  if (threads > 0) omp_set_num_threads(threads);
#else
  (void)threads;
#endif
}

#define NNLAB_INSTANTIATE_GEMM(T)                                                                               \
  template void gemm<T>(Transpose, Transpose, std::size_t, std::size_t, std::size_t, T, const T*, std::size_t, \
                        const T*, std::size_t, T, T*, std::size_t);                                            \
  template void gemm_reference<T>(Transpose, Transpose, std::size_t, std::size_t, std::size_t, T, const T*,    \
                                  std::size_t, const T*, std::size_t, T, T*, std::size_t);
NNLAB_INSTANTIATE_GEMM(float)
NNLAB_INSTANTIATE_GEMM(double)

}  // namespace nnlab

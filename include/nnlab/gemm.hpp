// General matrix multiply, the one kernel every dense layer uses (forward, input gradient, weight gradient).
//
//   C = alpha · op(A) · op(B) + beta · C        (row-major; op(X) is X or Xᵀ)
//
// op(A) is M×K, op(B) is K×N and C is M×N. lda, ldb and ldc are the row strides of A, B and C as stored.
// beta = 0 overwrites C without reading it (so C may hold garbage, as BLAS allows).
#pragma once

#include <cstddef>

namespace nnlab {

enum class Transpose { no, yes };

template <typename T>
void gemm(Transpose trans_a, Transpose trans_b, std::size_t M, std::size_t N, std::size_t K, T alpha, const T* A,
          std::size_t lda, const T* B, std::size_t ldb, T beta, T* C, std::size_t ldc);

// The textbook triple loop, kept as the reference the fast kernel is tested against.
template <typename T>
void gemm_reference(Transpose trans_a, Transpose trans_b, std::size_t M, std::size_t N, std::size_t K, T alpha,
                    const T* A, std::size_t lda, const T* B, std::size_t ldb, T beta, T* C, std::size_t ldc);

// Threads the kernel may use (OpenMP); results do not depend on it.
int gemm_threads();
void set_gemm_threads(int threads);

}  // namespace nnlab

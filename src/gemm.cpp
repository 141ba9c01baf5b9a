#include "nnlab/gemm.hpp"

#include <algorithm>

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

// Every case is arranged so the innermost loop runs over contiguous memory of both B and C (j), which the compiler
// vectorizes; when B is transposed, the inner loop is a dot product over contiguous rows of A and B instead.
template <typename T>
void gemm(Transpose trans_a, Transpose trans_b, std::size_t M, std::size_t N, std::size_t K, T alpha, const T* A,
          std::size_t lda, const T* B, std::size_t ldb, T beta, T* C, std::size_t ldc) {
  scale_output(M, N, beta, C, ldc);
  if (M == 0 || N == 0 || K == 0 || alpha == T(0)) return;

  if (trans_b == Transpose::no) {
    // C[i,:] += alpha · op(A)[i,k] · B[k,:]
    for (std::size_t i = 0; i < M; ++i) {
      T* c = C + i * ldc;
      for (std::size_t k = 0; k < K; ++k) {
        const T a = alpha * element(A, lda, trans_a, i, k);
        const T* b = B + k * ldb;
        for (std::size_t j = 0; j < N; ++j) c[j] += a * b[j];
      }
    }
  } else if (trans_a == Transpose::no) {
    // C[i,j] += alpha · A[i,:]·B[j,:]
    for (std::size_t i = 0; i < M; ++i) {
      const T* a = A + i * lda;
      for (std::size_t j = 0; j < N; ++j) {
        const T* b = B + j * ldb;
        T sum = 0;
        for (std::size_t k = 0; k < K; ++k) sum += a[k] * b[k];
        C[i * ldc + j] += alpha * sum;
      }
    }
  } else {
    for (std::size_t i = 0; i < M; ++i)
      for (std::size_t j = 0; j < N; ++j) {
        T sum = 0;
        for (std::size_t k = 0; k < K; ++k) sum += A[k * lda + i] * B[j * ldb + k];
        C[i * ldc + j] += alpha * sum;
      }
  }
}

#define NNLAB_INSTANTIATE_GEMM(T)                                                                               \
  template void gemm<T>(Transpose, Transpose, std::size_t, std::size_t, std::size_t, T, const T*, std::size_t, \
                        const T*, std::size_t, T, T*, std::size_t);                                            \
  template void gemm_reference<T>(Transpose, Transpose, std::size_t, std::size_t, std::size_t, T, const T*,    \
                                  std::size_t, const T*, std::size_t, T, T*, std::size_t);
NNLAB_INSTANTIATE_GEMM(float)
NNLAB_INSTANTIATE_GEMM(double)

}  // namespace nnlab

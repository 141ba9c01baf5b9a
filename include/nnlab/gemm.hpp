// General matrix multiply, the one kernel every dense layer uses (forward, input gradient, weight gradient).
//
//   C = alpha · op(A) · op(B) + beta · C        (row-major; op(X) is X or Xᵀ)
//
// op(A) is M×K, op(B) is K×N and C is M×N. lda, ldb and ldc are the row strides of A, B and C as stored.
// beta = 0 overwrites C without reading it (so C may hold garbage, as BLAS allows).
#pragma once

#include <cstddef>
#include <vector>

namespace nnlab {

enum class Transpose { no, yes };

// Scratch space for the packed copies of A and B: grown on demand and then reused, so a product of a size seen before
// allocates nothing. Owned by whoever calls gemm (a layer, a test); one product at a time uses it.
class GemmWorkspace {
 public:
  void* reserve(std::size_t bytes);  // 64-byte aligned; valid until the next reserve

 private:
  struct alignas(64) Line {
    unsigned char bytes[64];
  };
  std::vector<Line> storage_;
};

template <typename T>
void gemm(Transpose trans_a, Transpose trans_b, std::size_t M, std::size_t N, std::size_t K, T alpha, const T* A,
          std::size_t lda, const T* B, std::size_t ldb, T beta, T* C, std::size_t ldc, GemmWorkspace& workspace);

// The same with a workspace kept per calling thread.
template <typename T>
void gemm(Transpose trans_a, Transpose trans_b, std::size_t M, std::size_t N, std::size_t K, T alpha, const T* A,
          std::size_t lda, const T* B, std::size_t ldb, T beta, T* C, std::size_t ldc);

// The textbook triple loop, kept as the reference the fast kernel is tested against.
template <typename T>
void gemm_reference(Transpose trans_a, Transpose trans_b, std::size_t M, std::size_t N, std::size_t K, T alpha,
                    const T* A, std::size_t lda, const T* B, std::size_t ldb, T beta, T* C, std::size_t ldc);

// Threads the kernel may use (src/thread_pool.cpp); results do not depend on it.
int gemm_threads();
void set_gemm_threads(int threads);

// A product takes one thread per kGemmThreadWork multiply-adds (M·N·K), up to gemm_threads(): below it, handing
// work to a second thread costs more than the thread saves (measured in docs/performance.md).
inline constexpr std::size_t kGemmThreadWork = std::size_t(1) << 19;
// The number of threads a product of this shape runs on.
int gemm_threads_for(std::size_t M, std::size_t N, std::size_t K);
// How many chunks the multiply round of a float product of this shape is cut into for `threads` threads (its first
// block of at most 768 rows × 2048 columns): about three per thread where the tiles allow, so that many cores have work
// at batch 64 too (a test and docs/performance.md read it; results never depend on it).
std::size_t gemm_chunks(std::size_t M, std::size_t N, std::size_t K, int threads);

}  // namespace nnlab

// General matrix multiply, the one kernel every dense layer uses (forward, input gradient, weight gradient).
//
//   C = alpha · op(A) · op(B) + beta · C        (row-major; op(X) is X or Xᵀ)
//
// op(A) is M×K, op(B) is K×N and C is M×N. lda, ldb and ldc are the row strides of A, B and C as stored.
// beta = 0 overwrites C without reading it (so C may hold garbage, as BLAS allows).
#pragma once

#include <cstddef>
#include <type_traits>
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

// What a caller may do with each block of C once the product has finished it (all of K summed): rows
// [row, row + rows) × columns [col, col + cols). Every element of C is in exactly one block. The thread that computed
// a block calls it at once, while the block is still in its core's cache, so elementwise work that follows a product
// (a layer's bias and activation, dense.cpp) needs no pass of its own, and the threads go on to the next product
// without a serial gap in which they would fall asleep. It refers to the caller's function object (a lambda) without
// copying it, so a step allocates nothing: that object must outlive the call to gemm.
class GemmBlockDone {
 public:
  GemmBlockDone() = default;
  template <typename F>
    requires(!std::is_same_v<std::remove_cvref_t<F>, GemmBlockDone>)
  GemmBlockDone(F& function)  // NOLINT: converts implicitly, like std::function
      : function_(&function), call_([](void* f, std::size_t row, std::size_t rows, std::size_t col, std::size_t cols) {
          (*static_cast<F*>(f))(row, rows, col, cols);
        }) {}

  explicit operator bool() const { return call_ != nullptr; }
  void operator()(std::size_t row, std::size_t rows, std::size_t col, std::size_t cols) const {
    call_(function_, row, rows, col, cols);
  }

 private:
  void* function_ = nullptr;
  void (*call_)(void*, std::size_t, std::size_t, std::size_t, std::size_t) = nullptr;
};

template <typename T>
void gemm(Transpose trans_a, Transpose trans_b, std::size_t M, std::size_t N, std::size_t K, T alpha, const T* A,
          std::size_t lda, const T* B, std::size_t ldb, T beta, T* C, std::size_t ldc, GemmWorkspace& workspace,
          const GemmBlockDone& block_done = {});

// The same with a workspace kept per calling thread.
template <typename T>
void gemm(Transpose trans_a, Transpose trans_b, std::size_t M, std::size_t N, std::size_t K, T alpha, const T* A,
          std::size_t lda, const T* B, std::size_t ldb, T beta, T* C, std::size_t ldc,
          const GemmBlockDone& block_done = {});

// The textbook triple loop, kept as the reference the fast kernel is tested against.
template <typename T>
void gemm_reference(Transpose trans_a, Transpose trans_b, std::size_t M, std::size_t N, std::size_t K, T alpha,
                    const T* A, std::size_t lda, const T* B, std::size_t ldb, T beta, T* C, std::size_t ldc);

// Threads the kernel may use (src/thread_pool.cpp); results do not depend on it.
int gemm_threads();
void set_gemm_threads(int threads);

// A product takes one thread per kGemmThreadWork multiply-adds (M·N·K), up to gemm_threads(): below it, waking a
// sleeping thread (15 µs of the waker's time) costs more than the thread saves (measured in docs/performance.md).
// While the pool's threads are awake, spinning after the product before (pool_awake(), thread_pool.hpp), handing them
// work costs a fraction of a microsecond, and a product takes one thread per kGemmAwakeThreadWork: Fashion-MNIST's
// last layer (64 × 10 × 128) then keeps the second thread busy, and awake for the next layer's products, instead of
// leaving it to fall asleep through 20 µs of single-threaded work. A network whose products are all small (the
// spiral's) never starts the pool, so its products stay on one thread either way.
inline constexpr std::size_t kGemmThreadWork = std::size_t(1) << 19;
inline constexpr std::size_t kGemmAwakeThreadWork = std::size_t(1) << 15;
// The number of threads a product of this shape runs on now; the second form for pool threads known to be awake or
// not.
int gemm_threads_for(std::size_t M, std::size_t N, std::size_t K);
int gemm_threads_for(std::size_t M, std::size_t N, std::size_t K, bool awake);
// How many chunks the multiply round of a float product of this shape is cut into for `threads` threads (its first
// block of at most 768 rows × 2048 columns): at least three per thread where the tiles allow, so that many cores have
// work at batch 64 too, and more for a large product, so that none is over 2^21 multiply-adds (a test and
// docs/performance.md read it; results never depend on it).
std::size_t gemm_chunks(std::size_t M, std::size_t N, std::size_t K, int threads);

}  // namespace nnlab

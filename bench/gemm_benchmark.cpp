// The GEMM kernel in GFLOP/s (2·M·N·K floating-point operations per multiply), beside OpenBLAS's SGEMM/DGEMM on the
// same shapes and threads, and beside a plain blocked loop nest. Run: build-bench/bench/gemm_benchmark
// (nnlab on NNLAB_THREADS threads, default 1; OpenBLAS on OPENBLAS_NUM_THREADS, which bench/run_benchmarks.py sets to 1)
#include <benchmark/benchmark.h>
#include <cblas.h>

#include <algorithm>
#include <cstdlib>
#include <vector>

#include "nnlab/gemm.hpp"
#include "nnlab/random.hpp"

namespace {

using nnlab::Transpose;

template <typename T>
struct Operands {
  std::vector<T> a, b, c;
  Operands(std::size_t m, std::size_t n, std::size_t k) : a(m * k), b(k * n), c(m * n) {
    nnlab::Rng rng(1);
    for (auto& v : a) v = T(rng.uniform(-1, 1));
    for (auto& v : b) v = T(rng.uniform(-1, 1));
  }
};

void report(benchmark::State& state, std::size_t m, std::size_t n, std::size_t k) {
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * double(m * n * k) * double(state.iterations()) / 1e9,
                                                 benchmark::Counter::kIsRate);
}

// args: M, N, K, which operand is stored transposed: 0 none (dX = dZ·W), 1 B (the forward pass's X·Wᵀ), 2 A (the
// weight gradient's dZᵀ·X)
template <typename T>
void nnlab_gemm(benchmark::State& state) {
  const auto m = std::size_t(state.range(0)), n = std::size_t(state.range(1)), k = std::size_t(state.range(2));
  const bool trans_a = state.range(3) == 2, trans_b = state.range(3) == 1;
  Operands<T> op(m, n, k);
  for (auto _ : state) {
    nnlab::gemm(trans_a ? Transpose::yes : Transpose::no, trans_b ? Transpose::yes : Transpose::no, m, n, k, T(1),
                op.a.data(), trans_a ? m : k, op.b.data(), trans_b ? k : n, T(0), op.c.data(), n);
    benchmark::DoNotOptimize(op.c.data());
  }
  report(state, m, n, k);
}

template <typename T>
void openblas_gemm(benchmark::State& state) {
  const auto m = int(state.range(0)), n = int(state.range(1)), k = int(state.range(2));
  const bool trans_a = state.range(3) == 2, trans_b = state.range(3) == 1;
  const auto op_a = trans_a ? CblasTrans : CblasNoTrans, op_b = trans_b ? CblasTrans : CblasNoTrans;
  Operands<T> op(m, n, k);
  for (auto _ : state) {
    if constexpr (std::is_same_v<T, float>)
      cblas_sgemm(CblasRowMajor, op_a, op_b, m, n, k, 1.0f, op.a.data(), trans_a ? m : k, op.b.data(),
                  trans_b ? k : n, 0.0f, op.c.data(), n);
    else
      cblas_dgemm(CblasRowMajor, op_a, op_b, m, n, k, 1.0, op.a.data(), trans_a ? m : k, op.b.data(),
                  trans_b ? k : n, 0.0, op.c.data(), n);
    benchmark::DoNotOptimize(op.c.data());
  }
  report(state, m, n, k);
}

// The reference a learner would write after one lecture on caches: the triple loop reordered i-k-j and blocked, so
// the innermost loop runs along rows of B and C and g++ vectorizes it; no packing, no register tile. B not transposed.
template <typename T>
void naive_blocked(benchmark::State& state) {
  const auto m = std::size_t(state.range(0)), n = std::size_t(state.range(1)), k = std::size_t(state.range(2));
  Operands<T> op(m, n, k);
  constexpr std::size_t kRows = 64, kDepth = 256;
  for (auto _ : state) {
    std::fill(op.c.begin(), op.c.end(), T(0));
    for (std::size_t i0 = 0; i0 < m; i0 += kRows)
      for (std::size_t p0 = 0; p0 < k; p0 += kDepth)
        for (std::size_t i = i0; i < std::min(m, i0 + kRows); ++i) {
          T* c = op.c.data() + i * n;
          for (std::size_t p = p0; p < std::min(k, p0 + kDepth); ++p) {
            const T a = op.a[i * k + p];
            const T* b = op.b.data() + p * n;
            for (std::size_t j = 0; j < n; ++j) c[j] += a * b[j];
          }
        }
    benchmark::DoNotOptimize(op.c.data());
  }
  report(state, m, n, k);
}

// The Fashion-MNIST network 784-256-128-10's products, as dense.cpp calls them.
void shapes(benchmark::internal::Benchmark* b) {
  b->Args({512, 512, 512, 0});
  b->Args({64, 256, 784, 1});   // first layer forward X·Wᵀ, batch 64
  b->Args({256, 784, 64, 2});   // its weight gradient dZᵀ·X
  b->Args({64, 128, 256, 1});   // second layer forward
  b->Args({128, 256, 64, 2});   // its weight gradient
  b->Args({64, 256, 128, 0});   // its input gradient dZ·W
  b->Args({256, 256, 784, 1});  // first layer forward, batch 256
  b->Args({256, 784, 256, 2});  // its weight gradient
  b->Args({10, 16, 16, 1});     // spiral network, batch 10
}

}  // namespace

BENCHMARK_TEMPLATE(nnlab_gemm, float)->Apply(shapes);
BENCHMARK_TEMPLATE(openblas_gemm, float)->Apply(shapes);
BENCHMARK_TEMPLATE(naive_blocked, float)->Args({512, 512, 512, 0});
BENCHMARK_TEMPLATE(nnlab_gemm, double)->Args({512, 512, 512, 0});
BENCHMARK_TEMPLATE(openblas_gemm, double)->Args({512, 512, 512, 0});

int main(int argc, char** argv) {
  const char* threads = std::getenv("NNLAB_THREADS");
  nnlab::set_gemm_threads(threads ? std::atoi(threads) : 1);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
}

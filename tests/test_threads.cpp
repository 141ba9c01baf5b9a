// What the threads promise: the same bits for any thread count and any load, small products on one thread, two
// trainers in one process, chunks run exactly once (speed itself is measured in bench/, never asserted here).
#include <catch2/catch.hpp>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <stdexcept>
#include <thread>
#include <vector>

#include "helpers.hpp"
#include "nnlab/dense.hpp"
#include "nnlab/float_environment.hpp"
#include "nnlab/gemm.hpp"
#include "nnlab/random.hpp"
#include "nnlab/thread_pool.hpp"
#include "nnlab/trainer.hpp"

using namespace nnlab;
using namespace nnlab::test;

namespace {

// Trains a model large enough for the threaded, packed path with whatever thread count is set, and returns every
// weight it ends with.
template <typename T>
std::vector<T> train_model() {
  Config config;
  // Every product of a step over kGemmThreadWork but the last layer's: the threaded path (48 × 256 × 600 = 7.4M),
  // and 195,301 parameters, over the size where the optimizer's update is shared by the threads too.
  config.layers = {{256, ActivationKind::relu}, {160, ActivationKind::tanh}, {5, ActivationKind::softmax}};
  config.loss = LossKind::cross_entropy;
  config.init = Init::he;
  config.batch_size = 48;
  config.epochs = 3;
  config.optimizer = {0.05, 0.9, false};
  config.regularization.l2 = 1e-4;
  Rng rng(3);
  Tensor<double> x(300, 600), y(300, 1);
  for (auto& v : x.values()) v = rng.uniform(-1, 1);
  for (auto& v : y.values()) v = double(rng.below(5));
  Trainer<T> trainer(config, Dataset(x, y));
  REQUIRE((gemm_threads_for(48, 256, 600) > 1 || gemm_threads() == 1));
  trainer.run();
  std::vector<T> values;
  for (auto* p : trainer.network().parameters()) values.insert(values.end(), p->value.data(), p->value.data() + p->value.size());
  return values;
}

template <typename T>
std::vector<T> train_with_threads(int threads) {
  set_gemm_threads(threads);
  return train_model<T>();
}

}  // namespace

TEMPLATE_TEST_CASE("training is bit-identical with 1, 2, 3, 8 and 16 threads", "[speed][threads]", float, double) {
  const int before = gemm_threads();
  const auto one = train_with_threads<TestType>(1);
  REQUIRE(one.size() > 10000);
  for (int threads : {2, 3, 8, 16}) {
    CAPTURE(threads);
    const std::size_t handoffs_before = handoffs();
    REQUIRE(train_with_threads<TestType>(threads) == one);  // exact, not approximate
    REQUIRE(handoffs() > handoffs_before);                  // the threads did take part
  }
  set_gemm_threads(before);
}

TEST_CASE("products split into chunks give the same bits for any thread count", "[speed][threads][gemm]") {
  // Shapes with ragged edges in every blocking dimension: more rows than one packed block (768), K over two
  // blocks, N over two column panels.
  const int before = gemm_threads();
  for (const auto& [M, N, K] : std::vector<std::array<std::size_t, 3>>{{64, 256, 784}, {1000, 70, 300}, {97, 131, 513}}) {
    Rng rng(M + N + K);
    std::vector<float> A(M * K), B(N * K), reference(M * N);
    for (auto& v : A) v = float(rng.uniform(-1, 1));
    for (auto& v : B) v = float(rng.uniform(-1, 1));
    set_gemm_threads(1);
    gemm(Transpose::no, Transpose::yes, M, N, K, 1.0f, A.data(), K, B.data(), K, 0.0f, reference.data(), N);
    for (int threads : {2, 3, 8, 16}) {
      CAPTURE(M, N, K, threads);
      set_gemm_threads(threads);
      std::vector<float> C(M * N);
      gemm(Transpose::no, Transpose::yes, M, N, K, 1.0f, A.data(), K, B.data(), K, 0.0f, C.data(), N);
      REQUIRE(C == reference);
    }
  }
  set_gemm_threads(before);
}

TEST_CASE("every product of a Fashion-MNIST step, in every layout, gives the same bits for 1 to 16 threads",
          "[speed][threads][gemm]") {
  // The 784-256-128-10 network's forward (X·Wᵀ), weight gradient (dZᵀ·X) and input gradient (dZ·W) at batch 64,
  // where the chunks cut rows of the batch as well as columns, and batch 1000 (two row blocks, ragged tiles).
  struct Shape {
    std::size_t M, N, K;
    Transpose ta, tb;
  };
  const int before = gemm_threads();
  for (const Shape& s : std::vector<Shape>{{64, 256, 784, Transpose::no, Transpose::yes},
                                           {256, 784, 64, Transpose::yes, Transpose::no},
                                           {64, 128, 256, Transpose::no, Transpose::yes},
                                           {128, 256, 64, Transpose::yes, Transpose::no},
                                           {64, 256, 128, Transpose::no, Transpose::no},
                                           {1000, 250, 100, Transpose::no, Transpose::yes}}) {
    Rng rng(s.M * 7 + s.N + s.K);
    std::vector<float> A(s.M * s.K), B(s.N * s.K), reference(s.M * s.N), loop(s.M * s.N);
    for (auto& v : A) v = float(rng.uniform(-1, 1));
    for (auto& v : B) v = float(rng.uniform(-1, 1));
    const std::size_t lda = s.ta == Transpose::no ? s.K : s.M, ldb = s.tb == Transpose::no ? s.N : s.K;
    set_gemm_threads(1);
    gemm(s.ta, s.tb, s.M, s.N, s.K, 1.0f, A.data(), lda, B.data(), ldb, 0.0f, reference.data(), s.N);
    gemm_reference(s.ta, s.tb, s.M, s.N, s.K, 1.0f, A.data(), lda, B.data(), ldb, 0.0f, loop.data(), s.N);
    for (std::size_t i = 0; i < loop.size(); ++i) REQUIRE(reference[i] == Approx(loop[i]).margin(1e-4));
    for (int threads : {2, 3, 8, 16}) {
      CAPTURE(s.M, s.N, s.K, threads);
      set_gemm_threads(threads);
      std::vector<float> C(s.M * s.N, std::nanf(""));
      gemm(s.ta, s.tb, s.M, s.N, s.K, 1.0f, A.data(), lda, B.data(), ldb, 0.0f, C.data(), s.N);
      REQUIRE(C == reference);
    }
  }
  set_gemm_threads(before);
}

TEST_CASE("batch 64 offers enough chunks for 16 threads: rows of the batch are split as well as columns",
          "[speed][threads][gemm]") {
  // Fashion-MNIST's first layer at batch 64: 8 column panels of 32 units, but 6 row panels of 12 samples each too.
  REQUIRE(gemm_chunks(64, 256, 784, 16) >= 3 * 16);
  REQUIRE(gemm_chunks(64, 256, 784, 8) >= 3 * 8);
  REQUIRE(gemm_chunks(64, 256, 128, 16) >= 3 * 16);  // the second layer's input gradient
  REQUIRE(gemm_chunks(64, 128, 256, 16) >= 24);       // its forward: 6 × 4 tiles in all
  REQUIRE(gemm_chunks(64, 256, 784, 2) >= 6);
  REQUIRE(gemm_chunks(64, 256, 784, 1) == 1);  // one thread: one chunk, nothing to hand over
}

TEST_CASE("a product under the threshold runs on the calling thread alone", "[speed][threads][gemm]") {
  const int before = gemm_threads();
  set_gemm_threads(1);  // a new pool: its threads not started, so not awake (pool_awake())
  set_gemm_threads(4);
  REQUIRE_FALSE(pool_awake());
  // 64 × 64 × 64 = 262,144 multiply-adds, under kGemmThreadWork; 64 × 256 × 784 (Fashion-MNIST's first layer at
  // batch 64) is over it.
  REQUIRE(64 * 64 * 64 < kGemmThreadWork);
  REQUIRE(gemm_threads_for(64, 64, 64) == 1);
  REQUIRE(gemm_threads_for(64, 256, 784) > 1);
  REQUIRE(gemm_threads_for(64, 256, 784) <= 4);
  REQUIRE(gemm_threads_for(10, 16, 16) == 1);  // the spiral network's products
  std::vector<float> A(64 * 64, 0.5f), B(64 * 64, 0.25f), C(64 * 64);
  std::size_t handoffs_before = handoffs();
  gemm(Transpose::no, Transpose::no, 64, 64, 64, 1.0f, A.data(), 64, B.data(), 64, 0.0f, C.data(), 64);
  REQUIRE(handoffs() == handoffs_before);  // no pool thread was asked to help
  REQUIRE(C[0] == 64 * 0.125f);
  // ... and a product over it does hand work to the pool: the counter sees a hand-off.
  std::vector<float> X(64 * 784, 0.5f), W(256 * 784, 0.25f), Y(64 * 256);
  handoffs_before = handoffs();
  gemm(Transpose::no, Transpose::yes, 64, 256, 784, 1.0f, X.data(), 784, W.data(), 784, 0.0f, Y.data(), 256);
  REQUIRE(handoffs() > handoffs_before);
  set_gemm_threads(before);
}

TEST_CASE("while the pool's threads are awake a smaller product shares them, and a tiny one never does",
          "[speed][threads][gemm]") {
  const int before = gemm_threads();
  set_gemm_threads(2);
  // Fashion-MNIST's last layer at batch 64: 64 × 10 × 128 = 81,920 multiply-adds, under kGemmThreadWork and over
  // kGemmAwakeThreadWork.
  REQUIRE(64 * 10 * 128 < kGemmThreadWork);
  REQUIRE(64 * 10 * 128 >= 2 * kGemmAwakeThreadWork);
  REQUIRE(gemm_threads_for(64, 10, 128, /*awake=*/false) == 1);
  REQUIRE(gemm_threads_for(64, 10, 128, /*awake=*/true) == 2);
  REQUIRE(gemm_threads_for(16, 16, 64, /*awake=*/true) == 1);  // 16,384, under kGemmAwakeThreadWork
  REQUIRE(gemm_threads_for(10, 16, 16, /*awake=*/true) == 1);  // the spiral network's products
  REQUIRE(gemm_threads_for(64, 256, 784, /*awake=*/false) == 2);
  // Right after a product in which the pool's thread computed a block, it spins for kSpinMicroseconds: awake. (Not
  // every time: the operating system may take the core from it; other tests run beside this one. So: at least once
  // in ten seconds of tries; on a quiet machine the first try.)
  std::vector<float> X(64 * 784, 0.5f), W(256 * 784, 0.25f), Y(64 * 256);
  const std::thread::id caller = std::this_thread::get_id();
  std::atomic<bool> helped{false};
  auto note_helper = [&](std::size_t, std::size_t, std::size_t, std::size_t) {
    if (std::this_thread::get_id() != caller) helped = true;
  };
  bool seen_awake = false;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!seen_awake && std::chrono::steady_clock::now() < give_up) {
    helped = false;
    gemm(Transpose::no, Transpose::yes, 64, 256, 784, 1.0f, X.data(), 784, W.data(), 784, 0.0f, Y.data(), 256,
         note_helper);
    seen_awake = helped && pool_awake();
  }
  REQUIRE(seen_awake);
  // ... and then a product under kGemmThreadWork but over kGemmAwakeThreadWork hands work to it (the wiring from
  // pool_awake() to the products), at least once in ten seconds.
  std::vector<float> dZ(64 * 10, 0.5f), W3(10 * 128, 0.25f), dX(64 * 128);
  bool handed = false;
  const auto stop = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!handed && std::chrono::steady_clock::now() < stop) {
    gemm(Transpose::no, Transpose::yes, 64, 256, 784, 1.0f, X.data(), 784, W.data(), 784, 0.0f, Y.data(), 256);
    const std::size_t before_small = handoffs();
    gemm(Transpose::no, Transpose::no, 64, 128, 10, 1.0f, dZ.data(), 10, W3.data(), 128, 0.0f, dX.data(), 128);
    handed = handoffs() > before_small;
  }
  REQUIRE(handed);
  REQUIRE(dX[0] == 10 * 0.125f);
  // Asleep after kSpinMicroseconds without work: not awake (the flags are read, not just the threads' existence).
  bool seen_asleep = false;
  const auto last = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!seen_asleep && std::chrono::steady_clock::now() < last) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    seen_asleep = !pool_awake();
  }
  REQUIRE(seen_asleep);
  set_gemm_threads(1);
  REQUIRE(gemm_threads_for(64, 10, 128, /*awake=*/true) == 1);  // one thread allowed: one thread
  REQUIRE_FALSE(pool_awake());
  set_gemm_threads(before);
}

TEST_CASE("an exception thrown in a chunk reaches the caller after every chunk has run, and the pool goes on",
          "[threads]") {
  const int before = gemm_threads();
  set_gemm_threads(2);
  for (int round = 0; round < 200; ++round) {  // the throwing chunk runs on either thread, whichever claims it
    std::atomic<int> ran{0};
    auto body = [&](std::size_t chunk) {
      ran.fetch_add(1);
      if (chunk == 57) throw std::runtime_error("chunk 57");
    };
    REQUIRE_THROWS_WITH(parallel_for(100, 1, body), "chunk 57");
    REQUIRE(ran.load() == 100);
  }
  std::atomic<int> ran{0};
  auto count = [&](std::size_t) { ran.fetch_add(1); };
  parallel_for(100, 1, count);
  REQUIRE(ran.load() == 100);
  set_gemm_threads(before);
}

TEST_CASE("on two threads a layer's dW and dX run side by side, with the bits of one thread", "[speed][threads]") {
  const int before = gemm_threads();
  Rng rng(5);
  // Fashion-MNIST's second layer at batch 64: 2.1M multiply-adds in each of dW and dX.
  Dense<float> layer(256, 128, make_activation<float>({ActivationKind::relu}, "test", 128), Init::he, rng, "l", 1,
                     false, 0);
  Tensor<float> X(64, 256), dZ(64, 128);
  for (auto& v : X.values()) v = float(rng.uniform(-1, 1));
  for (auto& v : dZ.values()) v = float(rng.uniform(-1, 1));
  set_gemm_threads(1);
  const Tensor<float> dX_alone = layer.backward_linear(X, dZ, true);
  const Tensor<float> dW_alone = layer.weight.grad, db_alone = layer.bias.grad;
  set_gemm_threads(2);
  // Side by side is one hand-off (two chunks); the two products cut in halves are four or more. It needs the pool's
  // thread awake, so: right after a product that wakes it, at least once in ten seconds.
  std::vector<float> A(64 * 784, 0.5f), B(256 * 784, 0.25f), C(64 * 256);
  bool side_by_side = false;
  const auto stop = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!side_by_side && std::chrono::steady_clock::now() < stop) {
    layer.weight.grad.fill(0.0f);
    gemm(Transpose::no, Transpose::yes, 64, 256, 784, 1.0f, A.data(), 784, B.data(), 784, 0.0f, C.data(), 256);
    const std::size_t handoffs_before = handoffs();
    const Tensor<float>& dX = layer.backward_linear(X, dZ, true);
    side_by_side = handoffs() - handoffs_before == 1;
    REQUIRE(dX == dX_alone);  // either way
    REQUIRE(layer.weight.grad == dW_alone);
    REQUIRE(layer.bias.grad == db_alone);
  }
  REQUIRE(side_by_side);
  set_gemm_threads(before);
}

TEST_CASE("two models train at once on two threads and each ends as it would alone", "[speed][threads]") {
  const int before = gemm_threads();
  set_gemm_threads(2);
  const auto alone_float = train_model<float>();
  const auto alone_double = train_model<double>();
  std::vector<float> together_float;
  std::vector<double> together_double;
  // Two trainers in one process, each with its own packing workspace, sharing (or, when busy, not sharing) the pool.
  std::thread first([&] { together_float = train_model<float>(); });
  std::thread second([&] { together_double = train_model<double>(); });
  first.join();
  second.join();
  std::vector<float> again_float;
  std::thread third([&] { again_float = train_model<float>(); });
  std::thread fourth([&] { together_float = train_model<float>(); });
  third.join();
  fourth.join();
  REQUIRE(together_double == alone_double);
  REQUIRE(together_float == alone_float);
  REQUIRE(again_float == alone_float);
  set_gemm_threads(before);
}

namespace {
// Runs two chunks that must land on two threads (each waits where it starts until the other has started too); returns
// how many of them saw `tiny` flushed to zero.
int chunks_that_flush(volatile float& tiny) {
  std::atomic<int> started{0};
  std::atomic<int> flushed{0};
  std::thread::id ran_on[2];
  auto body = [&](std::size_t chunk) {
    ran_on[chunk] = std::this_thread::get_id();
    ++started;
    for (int i = 0; i < 10000 && started < 2; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    flushed += tiny * 1.0f == 0.0f;
  };
  parallel_for(2, 1, body);
  REQUIRE(ran_on[0] != ran_on[1]);
  return flushed;
}
}  // namespace

TEST_CASE("steps flush subnormals to zero, and pool threads round as their caller does", "[speed][threads]") {
  volatile float tiny = 1e-39f;  // subnormal in float
  const int before = gemm_threads();
  set_gemm_threads(2);
  // The pool thread starts here, before any flushing (a new thread would inherit its creator's setting).
  REQUIRE(chunks_that_flush(tiny) == 0);
  {
    const FlushSubnormals flush;
    REQUIRE(tiny * 1.0f == 0.0f);
    REQUIRE(chunks_that_flush(tiny) == 2);
  }
  REQUIRE(tiny * 1.0f != 0.0f);  // restored when the guard ends...
  REQUIRE(chunks_that_flush(tiny) == 0);  // ... for the pool thread too
  set_gemm_threads(before);
}

TEST_CASE("every chunk runs exactly once, over thousands of short jobs of every size", "[speed][threads]") {
  // Short jobs back to back are where a pool thread arriving late for one job meets the next: it must never claim a
  // chunk of a job it was not asked to, nor count a chunk twice.
  const int before = gemm_threads();
  for (int threads : {2, 3, 4}) {
    set_gemm_threads(threads);
    std::vector<std::atomic<int>> runs(16);
    for (int job = 0; job < 3000; ++job) {
      const std::size_t chunks = std::size_t(job % 16) + 1;
      for (auto& r : runs) r = 0;
      auto body = [&](std::size_t chunk) { ++runs[chunk]; };
      parallel_for(chunks, threads - 1, body);
      for (std::size_t c = 0; c < runs.size(); ++c) {
        if (runs[c] != (c < chunks ? 1 : 0)) FAIL("job " << job << ": chunk " << c << " ran " << runs[c] << " times");
      }
    }
  }
  set_gemm_threads(before);
}

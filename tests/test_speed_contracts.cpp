// What the fast paths promise besides speed (speed itself is measured in bench/, never asserted here).
#include <catch2/catch.hpp>
#include <atomic>
#include <cstdlib>
#include <new>
#include <numeric>

#include "helpers.hpp"
#include "nnlab/gemm.hpp"
#include "nnlab/random.hpp"
#include "nnlab/trainer.hpp"

using namespace nnlab;
using namespace nnlab::test;

TEST_CASE("the packed kernel and the direct loops agree on layer-sized products", "[speed][gemm]") {
  // Shapes on both sides of the size where gemm switches from direct loops to packing.
  for (std::size_t m : {5, 20, 64}) {
    const std::size_t n = 33, k = 130;
    Rng rng(m);
    std::vector<float> a(m * k), b(k * n), fast(m * n), reference(m * n);
    for (auto& v : a) v = float(rng.uniform(-1, 1));
    for (auto& v : b) v = float(rng.uniform(-1, 1));
    gemm(Transpose::no, Transpose::yes, m, n, k, 1.0f, a.data(), k, b.data(), k, 0.0f, fast.data(), n);
    gemm_reference(Transpose::no, Transpose::yes, m, n, k, 1.0f, a.data(), k, b.data(), k, 0.0f, reference.data(), n);
    for (std::size_t i = 0; i < fast.size(); ++i) REQUIRE(fast[i] == Approx(reference[i]).margin(1e-4));
  }
}

// Every heap allocation of this test program is counted, so a test can check that a stretch of code makes none.
namespace {
std::atomic<std::size_t> g_allocations{0};
}
void* operator new(std::size_t size) {
  ++g_allocations;
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return operator new(size); }
// Every other form too, so that whatever allocates (Catch2 uses the nothrow form) frees through the same pair.
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  ++g_allocations;
  return std::malloc(size ? size : 1);
}
void* operator new[](std::size_t size, const std::nothrow_t& tag) noexcept { return operator new(size, tag); }
void* operator new(std::size_t size, std::align_val_t align) {
  ++g_allocations;
  const std::size_t a = static_cast<std::size_t>(align);
  if (void* p = std::aligned_alloc(a, (size + a - 1) / a * a)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size, std::align_val_t align) { return operator new(size, align); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

TEST_CASE("a training step allocates no memory once the buffers are sized", "[speed][allocation]") {
  Config config;
  config.layers = {{64, ActivationKind::relu}, {32, ActivationKind::prelu}, {4, ActivationKind::softmax}};
  config.loss = LossKind::cross_entropy;
  config.optimizer = {0.01, 0.9, true};
  config.regularization.l1 = 1e-4;
  config.batch_size = 32;
  Rng rng(4);
  Tensor<double> x(256, 100), y(256, 1);
  for (auto& v : x.values()) v = rng.uniform(-1, 1);
  for (auto& v : y.values()) v = double(rng.below(4));
  Trainer<float> trainer(config, Dataset(x, y));
  Tensor<float> batch_x, batch_y;
  std::vector<std::size_t> rows(32);
  auto step = [&](std::size_t i) {
    std::iota(rows.begin(), rows.end(), (i * 32) % 224);
    trainer.data().train.gather(rows, batch_x, batch_y);
    trainer.train_step(batch_x, batch_y);
  };
  for (std::size_t i = 0; i < 5; ++i) step(i);  // first steps size every buffer
  const std::size_t before = g_allocations.load();
  for (std::size_t i = 5; i < 25; ++i) step(i);
  REQUIRE(g_allocations.load() - before == 0);
  // The counter does count: forming a new tensor allocates.
  Tensor<float> fresh(3, 3);
  REQUIRE(g_allocations.load() - before >= 1);
}


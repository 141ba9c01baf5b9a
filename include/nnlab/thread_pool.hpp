// The threads behind the matrix products: a small pool whose threads claim chunks of work, never a static split.
//
//   parallel_for(chunks, helpers, body)   runs body(0) … body(chunks - 1), each exactly once, on the calling thread
//                                          and up to `helpers` pool threads, and returns when all have finished
//
// Chunks, not threads, own the work: a thread takes the next unclaimed chunk (one atomic word; the caller from the
// front, pool threads from the back, so that each keeps to the same part of a product from one step to the next)
// until none is left, so a thread that the operating system parks behind another program delays at most the one
// chunk it holds; the others, the caller included, take the rest. A caller whose chunks each write their own part of the output, and
// compute it in an order that depends only on the chunk, gets the same bits for any number of threads and any load.
//
// Waiting never burns a core for long: an idle pool thread spins for kSpinMicroseconds (long enough to catch the
// next product of the same training step on a quiet machine) and then sleeps in the kernel (a futex) until it is
// handed work; the caller waits for the last chunk the same way. Pool threads start on the first call that wants
// them, so a program whose products are all small never starts one.
#pragma once

#include <cstddef>

namespace nnlab {

// How long an idle thread spins before it sleeps: a few microseconds, less than the 15 µs a wake cost the waking
// thread on the project's machine (spinning up to the cost of a wake wastes at most about as much again as sleeping
// at once would), and enough to bridge most gaps between the products of a Fashion-MNIST step on two threads (with
// 5 µs one epoch took 5% longer; docs/performance.md).
inline constexpr double kSpinMicroseconds = 10;

// Threads the products may use, the caller included (1 = everything on the calling thread). The default is the
// number of cores this process may run on (sched_getaffinity); set_threads(n) with n ≥ 1 changes it.
int max_threads();
void set_threads(int threads);

// Runs body(context, i) for every i < chunks, on the calling thread and at most `helpers` pool threads (fewer when
// max_threads() is smaller, or when another thread is using the pool or the call comes from inside a chunk: then the
// caller runs every chunk itself). An exception thrown by a chunk reaches the caller once every chunk has finished.
void parallel_for(std::size_t chunks, int helpers, void (*body)(void* context, std::size_t chunk), void* context);

template <typename Body>
void parallel_for(std::size_t chunks, int helpers, Body& body) {
  parallel_for(chunks, helpers, [](void* context, std::size_t chunk) { (*static_cast<Body*>(context))(chunk); },
               &body);
}

// How many parallel_for calls so far handed chunks to pool threads (a test's way to see that a small product stayed
// on the calling thread).
std::size_t handoffs();

// True on a thread while it runs a chunk of a parallel_for (whose nested parallel_for calls run on that thread).
bool running_a_chunk();

// True while the pool's threads have all been started and none is asleep (each spinning after its last chunk, or
// about to): handing them work then costs a fraction of a microsecond, against about 15 µs to wake a sleeping one
// (gemm.hpp and dense.cpp use it). False inside a chunk, and while another thread's job holds the pool.
bool pool_awake();

}  // namespace nnlab

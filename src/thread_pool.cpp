#include "nnlab/thread_pool.hpp"

#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "nnlab/float_environment.hpp"

namespace nnlab {
namespace {

// Sleeping and waking on a 32-bit word (Linux futex): wait returns at once if the word no longer holds `expected`,
// so a wake that comes between the caller's last look and the call is never lost.
void futex_wait(std::atomic<std::uint32_t>& word, std::uint32_t expected) {
  syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAIT_PRIVATE, expected, nullptr, nullptr, 0);
}
void futex_wake(std::atomic<std::uint32_t>& word) {
  syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
}

void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// Spins until word != value or kSpinMicroseconds pass; returns the word's last value.
std::uint32_t spin_while_equal(const std::atomic<std::uint32_t>& word, std::uint32_t value) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::nanoseconds(std::int64_t(kSpinMicroseconds * 1000));
  for (;;) {
    for (int i = 0; i < 32; ++i) {
      const std::uint32_t now = word.load(std::memory_order_acquire);
      if (now != value) return now;
      cpu_relax();
    }
    if (std::chrono::steady_clock::now() >= deadline) return word.load(std::memory_order_acquire);
  }
}

// Waits until `word` differs from `value`: a bounded spin, then sleep. `sleeping` tells the waker whether a futex
// wake is needed; both sides use sequentially consistent order (store one flag, then read the other's), so either the
// waiter sees the new value or the waker sees the waiter asleep.
std::uint32_t wait_while_equal(std::atomic<std::uint32_t>& word, std::uint32_t value, std::atomic<bool>& sleeping) {
  std::uint32_t now = spin_while_equal(word, value);
  if (now != value) return now;
  sleeping.store(true);
  while ((now = word.load()) == value) futex_wait(word, value);
  sleeping.store(false, std::memory_order_relaxed);
  return now;
}

// True on a thread while it runs a chunk: a parallel_for called from inside a chunk (a product run whole on one thread
// beside another, dense.cpp) runs all its chunks on that thread, since the pool is busy with the outer job.
thread_local bool in_chunk = false;
class InChunk {
 public:
  InChunk() : outer_(in_chunk) { in_chunk = true; }
  ~InChunk() { in_chunk = outer_; }
  InChunk(const InChunk&) = delete;
  InChunk& operator=(const InChunk&) = delete;

 private:
  bool outer_;
};

int cores_available() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
  return int(std::max(1u, std::thread::hardware_concurrency()));
}

class Pool {
 public:
  explicit Pool(int threads) : threads_(threads) {}

  int threads() const { return threads_.load(std::memory_order_relaxed); }

  void set_threads(int threads) {
    std::lock_guard lock(busy_);
    stop_workers();
    threads_.store(threads, std::memory_order_relaxed);
  }

  void run(std::size_t chunks, int helpers, void (*body)(void*, std::size_t), void* context) {
    helpers = int(std::min<std::size_t>({std::size_t(std::max(helpers, 0)), std::size_t(threads() - 1),
                                         chunks > 0 ? chunks - 1 : 0}));
    if (helpers == 0 || chunks > kMaxChunks || in_chunk) {  // alone, or inside a chunk of an outer job: all here
      for (std::size_t i = 0; i < chunks; ++i) body(context, i);
      return;
    }
    std::unique_lock lock(busy_, std::try_to_lock);
    if (!lock.owns_lock()) {  // another thread's job has the pool: all here
      for (std::size_t i = 0; i < chunks; ++i) body(context, i);
      return;
    }
    start_workers(helpers);
    handoffs_.fetch_add(1, std::memory_order_relaxed);
    if (++job_ == kStop) job_ = 1;
    const std::uint32_t job = job_;
    // Close the old job before describing the new one: the new job's number with no chunk left, so that a thread
    // still in work_on for an older job cannot claim anything.
    next_.store(std::uint64_t(job) << 32);
    chunks_.store(chunks, std::memory_order_relaxed);
    body_.store(body, std::memory_order_relaxed);
    context_.store(context, std::memory_order_relaxed);
    float_control_.store(float_control(), std::memory_order_relaxed);
    done_.store(0, std::memory_order_relaxed);
    next_.store((std::uint64_t(job) << 32) | chunks, std::memory_order_release);  // chunks [0, chunks) unclaimed
    for (int w = 0; w < helpers; ++w) {
      Worker& worker = *workers_[std::size_t(w)];
      worker.job.store(job);
      if (worker.sleeping.load()) futex_wake(worker.job);
    }
    work_on(job, /*from_back=*/false);
    // The chunks still running belong to helpers: wait for the last, spinning briefly, then asleep.
    const std::uint32_t total = std::uint32_t(chunks);
    std::uint32_t done = done_.load(std::memory_order_acquire);
    while (done != total) done = wait_while_equal(done_, done, caller_sleeping_);
    if (failed_.load(std::memory_order_acquire)) {
      std::lock_guard error_lock(error_mutex_);
      failed_.store(false, std::memory_order_relaxed);
      std::rethrow_exception(std::exchange(error_, nullptr));
    }
  }

  std::size_t handoffs() const { return handoffs_.load(std::memory_order_relaxed); }

  // True while every pool thread has been started and none is asleep. False inside a chunk (the caller holds busy_),
  // and while another caller's job holds the pool (its threads are not free).
  bool awake() {
    if (in_chunk) return false;
    std::unique_lock lock(busy_, std::try_to_lock);
    const int helpers = threads() - 1;
    if (!lock.owns_lock() || helpers <= 0 || int(workers_.size()) < helpers) return false;
    for (int w = 0; w < helpers; ++w)
      if (workers_[std::size_t(w)]->sleeping.load(std::memory_order_relaxed)) return false;
    return true;
  }

 private:
  struct Worker {
    std::thread thread;
    std::atomic<std::uint32_t> job{0};  // the job this worker is asked to join
    std::atomic<bool> sleeping{false};
  };

  // Claims chunks of `job` until none is left or a newer job has replaced it. The claim names the job (its number in
  // the high 32 bits), so a thread that wakes late can never take a chunk of a job it was not asked to.
  //
  // The caller claims from the front of the unclaimed chunks, the pool threads from the back. Callers cut their
  // products the same way every step (a chunk's place follows its rows and columns), so on two threads the caller
  // keeps computing, and finding in its own cache, roughly the same part of every layer's weights, its packed copy
  // and its gradient each step, and the other thread the other part: a cache line written by the other core took
  // about 4 times as long to read (docs/performance.md). Where the two meet depends on timing, as does which thread
  // runs a chunk, never what a chunk computes.
  void work_on(std::uint32_t job, bool from_back) {
    std::uint64_t next = next_.load(std::memory_order_acquire);
    for (;;) {
      if (std::uint32_t(next >> 32) != job) return;
      const std::size_t front = std::size_t(next >> 16) & kMaxChunks, back = std::size_t(next) & kMaxChunks;
      if (front >= back) return;
      const std::uint64_t claimed = from_back ? next - 1 : next + (std::uint64_t(1) << 16);
      const std::size_t chunk = from_back ? back - 1 : front;
      if (!next_.compare_exchange_weak(next, claimed, std::memory_order_acq_rel, std::memory_order_acquire)) continue;
      // Holding an unfinished chunk of `job`, so the job's description cannot change until it is counted done.
      const std::size_t total = chunks_.load(std::memory_order_relaxed);
      adopt_float_control(float_control_.load(std::memory_order_relaxed));  // round exactly as the caller does
      try {
        const InChunk running;
        body_.load(std::memory_order_relaxed)(context_.load(std::memory_order_relaxed), chunk);
      } catch (...) {  // counted done all the same; the caller rethrows the first once every chunk has finished
        std::lock_guard lock(error_mutex_);
        if (!error_) error_ = std::current_exception();
        failed_.store(true, std::memory_order_release);
      }
      if (done_.fetch_add(1) + 1 == total && caller_sleeping_.load()) futex_wake(done_);
      next = next_.load(std::memory_order_acquire);
    }
  }

  void worker_loop(Worker& worker) {
    std::uint32_t seen = 0;
    for (;;) {
      seen = wait_while_equal(worker.job, seen, worker.sleeping);
      if (seen == kStop) return;
      work_on(seen, /*from_back=*/true);
    }
  }

  void start_workers(int helpers) {
    while (int(workers_.size()) < helpers) {
      workers_.push_back(std::make_unique<Worker>());
      Worker& worker = *workers_.back();
      worker.job.store(job_);
      worker.thread = std::thread([this, &worker] { worker_loop(worker); });
    }
  }

  void stop_workers() {
    for (auto& worker : workers_) {
      worker->job.store(kStop);
      futex_wake(worker->job);
      worker->thread.join();
    }
    workers_.clear();
  }

  static constexpr std::uint32_t kStop = 0xffffffffu;    // a worker's job word: end the thread
  static constexpr std::size_t kMaxChunks = 0xffff;      // more than this run on the calling thread

  std::atomic<int> threads_;
  std::mutex busy_;  // held by the one caller whose job the helpers work on
  std::vector<std::unique_ptr<Worker>> workers_;
  std::uint32_t job_ = 0;  // number of the latest job (only the holder of busy_ changes it)
  std::atomic<std::uint64_t> next_{0};  // (job << 32) | (front << 16) | back: chunks [front, back) are unclaimed
  std::atomic<std::size_t> chunks_{0};
  std::atomic<void (*)(void*, std::size_t)> body_{nullptr};
  std::atomic<void*> context_{nullptr};
  std::atomic<unsigned> float_control_{0};  // the caller's floating-point control word (flush-to-zero and rounding)
  std::atomic<std::uint32_t> done_{0};  // finished chunks of the latest job
  std::atomic<bool> caller_sleeping_{false};
  std::atomic<std::size_t> handoffs_{0};
  std::mutex error_mutex_;
  std::exception_ptr error_;  // the first exception a chunk of the current job threw (error_mutex_)
  std::atomic<bool> failed_{false};  // error_ is set
};

// One pool per process, like the cores it stands for. Never destroyed: its threads sleep until the process ends,
// so no exit path has to wait for them.
Pool& pool() {
  static Pool* const instance = new Pool(cores_available());
  return *instance;
}

}  // namespace

int max_threads() { return pool().threads(); }

void set_threads(int threads) {
  if (threads >= 1 && threads != pool().threads()) pool().set_threads(threads);
}

void parallel_for(std::size_t chunks, int helpers, void (*body)(void*, std::size_t), void* context) {
  pool().run(chunks, helpers, body, context);
}

std::size_t handoffs() { return pool().handoffs(); }

bool pool_awake() { return pool().awake(); }

bool running_a_chunk() { return in_chunk; }

}  // namespace nnlab

#include "nnlab/interrupt.hpp"

#include <atomic>
#include <csignal>
#include <unistd.h>

namespace nnlab {
namespace {

std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free, "a signal handler may only touch lock-free atomics");

extern "C" void on_stop_signal(int signal) {
  if (g_stop.exchange(true)) _exit(128 + signal);  // the second Ctrl-C: the user means it
}

}  // namespace

void request_stop() { g_stop.store(true); }
bool stop_requested() { return g_stop.load(std::memory_order_relaxed); }
void clear_stop_request() { g_stop.store(false); }
StopToken stop_token() { return StopToken(g_stop); }

void install_stop_handlers() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGHUP, &action, nullptr);  // the terminal closed (an ssh session dropped): keep the run too
  // `nnlab train ... | head` must not die when head has read enough: with SIGPIPE ignored, writes to the closed pipe
  // fail quietly and the run still finishes and saves its model.
  std::signal(SIGPIPE, SIG_IGN);
}

}  // namespace nnlab

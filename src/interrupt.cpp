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
  action.sa_flags = SA_RESTART;  // a write interrupted by Ctrl-C goes on: the handler only sets a flag
  sigemptyset(&action.sa_mask);
  // SIGHUP: the terminal closed (an ssh session dropped): keep the run too. A signal that was ignored when nnlab
  // started (`nohup nnlab train ...`, a background job of a non-interactive shell) stays ignored: the user or the
  // shell asked for that, so only signals at their default get a handler.
  for (const int signal : {SIGINT, SIGTERM, SIGHUP}) {
    struct sigaction current {};
    if (sigaction(signal, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) sigaction(signal, &action, nullptr);
  }
  // `nnlab train ... | head` must not die when head has read enough: with SIGPIPE ignored, writes to the closed pipe
  // fail quietly and the run still finishes and saves its model.
  std::signal(SIGPIPE, SIG_IGN);
}

}  // namespace nnlab

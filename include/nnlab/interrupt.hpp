// The command line's stop request: a flag that a signal handler may set (SIGINT, SIGTERM, SIGHUP). The CLI hands
// stop_token() to Trainer::run, which reads it after every batch, so a run ends between two steps, with its weights
// whole, and can be saved and resumed. Only the CLI uses this file; the core takes a StopToken (stop.hpp).
#pragma once

#include "nnlab/stop.hpp"

namespace nnlab {

void request_stop();  // async-signal-safe
bool stop_requested();
void clear_stop_request();
StopToken stop_token();  // a view of the flag the handlers set

// Installs handlers for SIGINT, SIGTERM and SIGHUP that call request_stop(); a second one ends the process at once.
// A signal that is ignored when this is called (nohup) stays ignored.
// Also ignores SIGPIPE, so output piped into a reader that stops early (head) does not end the run unsaved.
void install_stop_handlers();

}  // namespace nnlab

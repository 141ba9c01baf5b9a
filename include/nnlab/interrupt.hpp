// A stop request that a signal handler may set (SIGINT, SIGTERM, SIGHUP) and the training loop reads after every batch,
// so a run ends between two steps, with its weights whole, and can be saved and resumed.
#pragma once

namespace nnlab {

void request_stop();  // async-signal-safe
bool stop_requested();
void clear_stop_request();

// Installs handlers for SIGINT, SIGTERM and SIGHUP that call request_stop(); a second one ends the process at once.
// A signal that is ignored when this is called (nohup) stays ignored.
// Also ignores SIGPIPE, so output piped into a reader that stops early (head) does not end the run unsaved.
void install_stop_handlers();

}  // namespace nnlab

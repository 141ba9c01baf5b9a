// A request to end a training run between two batches, handed to Trainer::run by whoever owns the run: the command
// line passes the flag its signal handlers set (interrupt.hpp), a test or another thread its own. The core keeps no
// global stop flag, so two runs in one process stop independently.
#pragma once

#include <atomic>

namespace nnlab {

class StopToken {
 public:
  StopToken() = default;  // a run that is never asked to stop
  explicit StopToken(const std::atomic<bool>& flag) : flag_(&flag) {}
  bool stop_requested() const { return flag_ && flag_->load(std::memory_order_relaxed); }

 private:
  const std::atomic<bool>* flag_ = nullptr;
};

}  // namespace nnlab

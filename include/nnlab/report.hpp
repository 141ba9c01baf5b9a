// Observers that turn training events into what users see: console lines and a metrics CSV.
#pragma once

#include <filesystem>
#include <fstream>
#include <ostream>

#include "nnlab/trainer.hpp"

namespace nnlab {

// One line per logged epoch: every `log_every` epochs, and always the first and the last.
class ConsoleReporter : public TrainingObserver {
 public:
  ConsoleReporter(std::ostream& out, std::size_t log_every) : out_(out), log_every_(log_every) {}
  void on_start(const RunInfo& info) override;
  void on_epoch(const EpochReport& report) override;

 private:
  std::ostream& out_;
  std::size_t log_every_;
};

// A CSV row per epoch (all of them), numbers at round-trip precision. The file is opened, and so checked to be
// writable, when the writer is made: before training starts.
class MetricsCsvWriter : public TrainingObserver {
 public:
  explicit MetricsCsvWriter(const std::filesystem::path& path);
  void on_epoch(const EpochReport& report) override;

 private:
  std::filesystem::path path_;
  std::ofstream file_;
};

}  // namespace nnlab

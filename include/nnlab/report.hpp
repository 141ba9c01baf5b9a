// Observers that turn training events into what users see: console lines, a metrics CSV and a progress bar.
#pragma once

#include <chrono>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "nnlab/trainer.hpp"

namespace nnlab {

// One line per logged epoch: every `log_every` epochs, and always the first and the last.
class ConsoleReporter : public TrainingObserver {
 public:
  ConsoleReporter(std::ostream& out, std::size_t log_every) : out_(out), log_every_(log_every) {}
  void on_start(const RunInfo& info) override;
  void on_epoch(const EpochReport& report) override;
  void on_before_training(const EpochReport& report) override { on_epoch(report); }  // as "epoch 0"
  void on_end(const RunSummary& summary) override;

 private:
  std::ostream& out_;
  std::size_t log_every_;
  std::size_t first_epoch_ = 1;
  std::set<std::string> warned_;  // "layer/kind" of each warning printed: each kind once per layer and run
  OvershootWatch overshoot_;
};

// A CSV row per epoch (all of them), numbers at round-trip precision; cells that do not apply stay empty. The file
// is opened, and so checked to be writable, when the writer is made: before training starts. A resumed run
// (first_epoch > 1) keeps the rows of the epochs before first_epoch that the file already has, when its columns are
// the same, so an interrupted run's metrics continue in one file.
class MetricsCsvWriter : public TrainingObserver {
 public:
  explicit MetricsCsvWriter(const std::filesystem::path& path, std::size_t first_epoch = 1);
  void on_start(const RunInfo& info) override;  // writes the header (with diagnostics: columns per layer)
  void on_epoch(const EpochReport& report) override;
  void on_before_training(const EpochReport& report) override { on_epoch(report); }  // the epoch-0 row

 private:
  std::filesystem::path path_;
  std::vector<std::string> earlier_;  // with first_epoch > 1: the file's header, then its rows before first_epoch
  std::ofstream file_;
  void flush_checked();  // throws TrainingError "writing metrics file m.csv: No space left on device"
};

// A bar on a terminal that redraws at most ten times a second, once an epoch has run for half a second.
class ProgressBar : public TrainingObserver {
 public:
  explicit ProgressBar(std::ostream& out) : out_(out) {}
  void on_batch(std::size_t done, std::size_t batches) override;

 private:
  void clear();
  using Clock = std::chrono::steady_clock;
  std::ostream& out_;
  Clock::time_point epoch_start_ = Clock::now(), last_draw_{};
  bool drawn_ = false;
};

// A confusion matrix as a table, one row per true class.
std::string format_confusion(const Evaluation& evaluation, const std::vector<std::string>& class_names);

}  // namespace nnlab

// Observers that turn training events into what users see: console lines, a metrics CSV and a progress bar.
#pragma once

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "nnlab/trainer.hpp"

namespace nnlab {

class ProgressBar;

// What the console shows besides the numbers every run has.
struct ConsoleStyle {
  bool penalty = true;  // a penalty is on: show the loss as data loss + penalty
  bool quiet = false;   // only warnings (and the early-stopping note): no start line, no epoch lines
  // A warning's text in the user's words (the command line names the flag where a flag set a config key it names).
  std::function<std::string(const std::string&)> words;
};

// The warnings an epoch calls for, each kind once per layer per run, in the words both the console and the HTML
// report use: overshooting (from epoch 1 on) and diagnose()'s, which are told whether the loss fell.
class EpochWarnings {
 public:
  std::vector<std::string> check(const EpochReport& report);

 private:
  std::set<std::string> warned_;
  OvershootWatch overshoot_;
  double previous_loss_ = 0;
  bool has_previous_ = false;
};

// One line per logged epoch: every `log_every` epochs, and always the first and the last; warnings (each once per
// run) with their hint on an indented second line. Every line fits in 100 columns (see format_epoch_line).
class ConsoleReporter : public TrainingObserver {
 public:
  ConsoleReporter(std::ostream& out, std::size_t log_every, ConsoleStyle style = {})
      : out_(out), log_every_(log_every), style_(style) {}
  // A progress bar on the same terminal: erased before each line this reporter writes.
  void share_terminal_with(ProgressBar* bar) { bar_ = bar; }
  void on_start(const RunInfo& info) override;
  void on_before_training(const EpochReport& report) override { on_epoch(report); }
  void on_epoch(const EpochReport& report) override;
  void on_end(const RunSummary& summary) override;

 private:
  void warn(std::size_t epoch, const std::string& text);
  std::ostream& out_;
  std::size_t log_every_;
  ConsoleStyle style_;
  ProgressBar* bar_ = nullptr;
  std::size_t first_epoch_ = 1;
  EpochWarnings warnings_;
};

// An epoch's line: `epoch 5/100  loss 0.312345  acc 88.77%  val 0.354321 87.23%  12 ms  43210 samples/s`. Losses
// have 6 significant digits, accuracies are percentages; with a penalty the loss reads `loss L = D + P` (total =
// data loss + penalty); the speed is shown only for epochs of at least 10 ms.
// A line longer than kEpochLineWidth columns leaves the speed out, and failing that (numbers like 1e+100) goes on
// over indented lines: no line is ever wider, whatever the timing.
inline constexpr std::size_t kEpochLineWidth = 100;
std::string format_epoch_line(const EpochReport& report, bool penalty);

// --diagnostics' table under an epoch line, within 80 columns for up to 99 layers (a row per layer):
//   layer              act mean±std        |dW|    upd/w     zero dead/sat sparse
//   layer 0 relu         0.416±0.691     7.54e-05 3.95e-05     0/16    87.5%  51.1%
// `initial`: the epoch-0 row, before any step (no gradient, no update: "-").
std::string format_layer_table(const std::vector<LayerDiagnostics>& layers, bool initial);

// Numbers as the console shows them: 6 significant digits ("16.942", "0.0158731"); accuracies as percentages with
// two decimals ("98.54%"). Files (metrics CSV, models) keep round-trip precision.
std::string screen_number(double value);
std::string screen_percent(double fraction);

// "test loss 0.0123978, test accuracy 99.50% (200 samples)" and, for a classifier, the confusion matrix.
std::string format_evaluation(const std::string& name, const Evaluation& evaluation, const DataSchema& schema);

// A duration as people write it: "120 µs", "1.2 ms", "12 ms", "1.4 s", "3 min 05 s".
std::string format_duration(double seconds);

// "warning: epoch 5: what happened" and, on the next lines indented by two spaces, the hint (the text after the
// first "; "), each line at most `width` columns where the words allow.
std::string format_warning(std::size_t epoch, const std::string& text, std::size_t width = 100);

// A CSV row per epoch (all of them), numbers at round-trip precision; cells that do not apply stay empty. The file
// is opened, and so checked to be writable, when the writer is made: before training starts. A resumed run
// (first_epoch > 1) keeps the rows of the epochs before first_epoch that the file already has, when its columns are
// the same, so an interrupted run's metrics continue in one file. While the writer lives it holds a lock on the file
// (flock): a second run given the same --metrics file is refused before it trains, instead of both runs writing
// their rows into one another's.
class MetricsCsvWriter : public TrainingObserver {
 public:
  explicit MetricsCsvWriter(const std::filesystem::path& path, std::size_t first_epoch = 1);
  ~MetricsCsvWriter() override;
  MetricsCsvWriter(const MetricsCsvWriter&) = delete;
  MetricsCsvWriter& operator=(const MetricsCsvWriter&) = delete;
  void on_start(const RunInfo& info) override;  // writes the header (with diagnostics: columns per layer)
  void on_epoch(const EpochReport& report) override;
  void on_before_training(const EpochReport& report) override { on_epoch(report); }  // the epoch-0 row

 private:
  std::filesystem::path path_;
  std::vector<std::string> earlier_;  // with first_epoch > 1: the file's header, then its rows before first_epoch
  std::ofstream file_;
  int lock_ = -1;  // a descriptor of the file that holds the flock
  void flush_checked();  // throws TrainingError "writing metrics file m.csv: No space left on device"
};

// Progress on a terminal (stderr), redrawn at most ten times a second once the run has gone on for half a second:
//   epoch 3/10 [####........] 312/938  loss 0.412345  ETA 12 s  41230 samples/s
// with the running mean loss of the epoch's batches so far. When epochs are short (under half a second) and only
// every log_every > 1 of them prints a line, it follows the run across epochs instead:
//   epoch 340/1000 [####........]  loss 0.0412345  ETA 3.2 s
// It erases itself before anything else is written (ConsoleReporter::share_terminal_with), at the end of the run
// and when it is destroyed (an error or an interrupt), leaving nothing behind.
class ProgressBar : public TrainingObserver {
 public:
  explicit ProgressBar(std::ostream& out, std::size_t log_every = 1) : out_(out), log_every_(log_every) {}
  ~ProgressBar() override { clear(); }
  void on_start(const RunInfo& info) override;
  bool wants_batch_loss() const override { return true; }
  void on_batch_loss(double loss) override;
  void on_batch(std::size_t done, std::size_t batches) override;
  void on_epoch(const EpochReport& report) override;
  void on_end(const RunSummary&) override { clear(); }
  void clear();  // erase the bar if it is drawn

 private:
  using Clock = std::chrono::steady_clock;
  double seconds_since(Clock::time_point then) const;
  void draw(const std::string& line);
  std::ostream& out_;
  std::size_t log_every_;
  std::size_t epochs_ = 0, epoch_ = 1, batch_size_ = 0, samples_ = 0, epochs_timed_ = 0;
  double loss_sum_ = 0, last_loss_ = 0, epoch_seconds_sum_ = 0;
  std::size_t losses_ = 0;
  bool across_epochs_ = false;
  Clock::time_point run_start_ = Clock::now(), epoch_start_ = Clock::now(), last_draw_{};
  bool drawn_ = false;
};

// A confusion matrix as a table, one row per true class.
std::string format_confusion(const Evaluation& evaluation, const std::vector<std::string>& class_names);

}  // namespace nnlab

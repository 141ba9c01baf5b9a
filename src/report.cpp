#include "nnlab/report.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <sstream>
#include <string>
#include <system_error>

#include "nnlab/errors.hpp"
#include "nnlab/files.hpp"
#include "nnlab/text.hpp"

namespace nnlab {
namespace {

std::string format(const char* pattern, double value) { return formatted(pattern, value); }

std::string optional_cell(const std::optional<double>& value) {
  return value ? round_trip(*value) : "";
}

}  // namespace

namespace {

// A field that lines up from one epoch line to the next: the value, then spaces up to `width`.
std::string padded(std::string text, std::size_t width) {
  if (columns(text) < width) text.append(width - columns(text), ' ');
  return text;
}

// One row of the --diagnostics table; every row starts with "  layer " (the header's name cell is empty).
std::string format_layer_row(const std::string& name, const std::string& act, const std::string& gradient,
                             const std::string& update, const std::string& zero, const std::string& units,
                             const std::string& sparse) {
  const auto right = [](const std::string& text, std::size_t width) {
    const std::size_t used = columns(text);
    return (used < width ? std::string(width - used, ' ') : "") + text;
  };
  std::string row = "  layer " + padded(name, 12) + " " + padded(act, 15) + " " + right(gradient, 8) + " " +
                    right(update, 8) + " " + right(zero, 8) + " " + right(units, 8) + " " + right(sparse, 6);
  while (row.back() == ' ') row.pop_back();
  return row + "\n";
}

}  // namespace

std::string screen_number(double value) { return format("%.6g", value); }
std::string screen_percent(double fraction) { return format("%.2f%%", 100 * fraction); }

std::string format_evaluation(const std::string& name, const Evaluation& evaluation, const DataSchema& schema) {
  std::string text = name + " loss " + screen_number(evaluation.loss);
  if (evaluation.accuracy) text += ", " + name + " accuracy " + screen_percent(*evaluation.accuracy);
  text += " (" + std::to_string(evaluation.samples) + " samples)\n";
  if (evaluation.accuracy && !schema.soft_targets) text += format_confusion(evaluation, schema.class_names);
  return text;
}

std::string format_duration(double seconds) {
  if (seconds < 1e-6) return "<1 µs";
  if (seconds < 0.001) return format("%.0f µs", seconds * 1e6);
  if (seconds < 0.01) return format("%.1f ms", seconds * 1e3);
  if (seconds < 1) return format("%.0f ms", seconds * 1e3);
  if (seconds < 60) return format("%.1f s", seconds);
  const long whole = std::lround(seconds);
  return std::to_string(whole / 60) + " min " + format("%02.0f", double(whole % 60)) + " s";
}

std::string format_epoch_line(const EpochReport& report, bool penalty) {
  const std::string width = std::to_string(std::to_string(report.epochs).size());
  char epoch[64];
  std::snprintf(epoch, sizeof epoch, ("epoch %" + width + "zu/%zu").c_str(), report.epoch, report.epochs);
  std::string line = epoch;
  line += "  loss " + padded(screen_number(report.loss), 9);
  if (penalty) line += " = " + padded(screen_number(report.data_loss), 9) + " + " + padded(screen_number(report.penalty), 10);
  if (report.train_accuracy) line += "  acc " + padded(screen_percent(*report.train_accuracy), 7);
  if (report.validation_loss) {
    line += "  val " + padded(screen_number(*report.validation_loss), 9);
    if (report.validation_accuracy) line += " " + padded(screen_percent(*report.validation_accuracy), 7);
  }
  if (report.epoch == 0) {
    while (line.back() == ' ') line.pop_back();
    return line + "  (before training)";
  }
  line += "  " + padded(format_duration(report.seconds), 7);
  const std::string speed = "  " + format("%.0f", report.samples_per_second) + " samples/s";
  // The speed only where the line has room for it: a slow epoch must not push the line past kEpochLineWidth.
  if (report.seconds >= 0.01 && columns(line) + speed.size() <= kEpochLineWidth) line += speed;
  while (!line.empty() && line.back() == ' ') line.pop_back();
  // Numbers no run prints in practice (1e+100, a billion epochs): the fields go onto indented lines.
  if (columns(line) > kEpochLineWidth) line = wrapped(line, kEpochLineWidth, "    ");
  return line;
}

std::string format_warning(std::size_t epoch, const std::string& text, std::size_t width) {
  const auto split = text.find("; ");
  std::string result;
  // Words onto lines of at most `width` columns, the first starting with `first`, the others with `indent`.
  const auto wrap = [&](const std::string& first, const std::string& words, const std::string& indent) {
    std::string line = first;
    std::size_t at = 0;
    bool empty = first.ends_with(' ');  // the next word needs no space before it
    while (at < words.size()) {
      const auto end = std::min(words.find(' ', at), words.size());
      const std::string word = words.substr(at, end - at);
      at = end + 1;
      if (!empty && line.size() + 1 + word.size() > width) {
        result += line + "\n";
        line = indent, empty = true;
      }
      line += (empty ? "" : " ") + word;
      empty = false;
    }
    result += line + "\n";
  };
  wrap("warning: epoch " + std::to_string(epoch) + ":", text.substr(0, split), "  ");
  if (split != std::string::npos) wrap("  ", text.substr(split + 2), "  ");
  return result;
}

std::string format_layer_table(const std::vector<LayerDiagnostics>& layers, bool initial) {
  // Columns: layer and activation, act = mean ± std of the outputs, |dW|, upd/w, zero weights, the share of dead
  // (rectifier) or saturated (sigmoid, tanh) units, sparse = the share of outputs that are exactly 0.
  std::string table = format_layer_row("", "act mean±std", "|dW|", "upd/w", "zero", "dead/sat", "sparse");
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const LayerDiagnostics& d = layers[i];
    char name[64], act[64];
    std::snprintf(name, sizeof name, "%zu %s", i, name_of(d.activation).c_str());
    std::snprintf(act, sizeof act, "%.3g±%.3g", d.activation_mean, d.activation_std);
    const std::optional<double> units = d.dead_fraction ? d.dead_fraction : d.saturated_fraction;
    // Before the first step there is no gradient and no update: "-".
    table += format_layer_row(name, act, initial ? "-" : format("%.2e", d.gradient_norm),
                              initial ? "-" : format("%.2e", d.update_ratio),
                              std::to_string(d.zero_weights) + "/" + std::to_string(d.weights),
                              units ? format("%.1f%%", 100 * *units) : "-", format("%.1f%%", 100 * d.sparsity));
  }
  return table;
}

void ConsoleReporter::on_start(const RunInfo& info) {
  first_epoch_ = info.first_epoch;
  if (style_.quiet) return;
  if (bar_) bar_->clear();
  std::string what = "training " + info.network + ", " + std::to_string(info.parameters) + " parameters, on " +
                     std::to_string(info.samples) + " samples";
  if (info.validation_samples) what += " (+" + std::to_string(info.validation_samples) + " for validation)";
  std::string how = "loss " + std::string(name_of(info.loss)) + ", batch " + std::to_string(info.batch_size) + ", " +
                    std::to_string(info.epochs) + (info.epochs == 1 ? " epoch, " : " epochs, ") + std::string(name_of(info.dtype));
  if (info.first_epoch > 1 || info.first_batch > 1) how += ", resuming at epoch " + std::to_string(info.first_epoch);
  if (info.first_batch > 1) how += " batch " + std::to_string(info.first_batch);
  // One line when it fits, else what is trained, then how, on an indented second line.
  const std::string line = what + ": " + how;
  out_ << (columns(line) <= kEpochLineWidth ? line : wrapped(what + ":", kEpochLineWidth) + "\n  " +
                                                      wrapped(how, kEpochLineWidth - 2, "  "))
       << std::endl;  // before any progress bar appears on stderr
}

void ConsoleReporter::warn(std::size_t epoch, const std::string& text) {
  if (bar_) bar_->clear();
  out_ << format_warning(epoch, style_.words ? style_.words(text) : text) << std::flush;
}

void ConsoleReporter::on_epoch(const EpochReport& report) {
  const bool initial = report.epoch == 0;  // before the first step
  const std::vector<std::string> warnings = warnings_.check(report);
  const bool logged = !style_.quiet && (initial || report.epoch == first_epoch_ || report.epoch == report.epochs ||
                                        report.epoch % log_every_ == 0);
  if (logged) {
    if (bar_) bar_->clear();
    out_ << format_epoch_line(report, style_.penalty) << "\n";
    if (!report.layers.empty()) out_ << format_layer_table(report.layers, initial);
  }
  for (const std::string& warning : warnings) warn(report.epoch, warning);
  out_.flush();
}

std::vector<std::string> EpochWarnings::check(const EpochReport& report) {
  std::vector<std::string> found;
  if (report.epoch > 0)  // before the first step there is no overshoot to watch yet
    if (const auto overshoot = overshoot_.check(report.epoch, report.loss, report.learning_rate))
      found.push_back(*overshoot);
  const bool loss_fell = has_previous_ && report.loss < previous_loss_;
  previous_loss_ = report.loss, has_previous_ = true;
  for (const Diagnosis& warning : diagnose(report.layers, loss_fell, report.epoch == 0))
    if (warned_.insert((warning.layer ? std::to_string(*warning.layer) : "network") + "/" + warning.kind).second)
      found.push_back(warning.text);
  return found;
}

void ConsoleReporter::on_end(const RunSummary& summary) {
  if (!summary.stopped_early) return;
  if (bar_) bar_->clear();
  out_ << "stopped early at epoch " << summary.last.epoch << ": the validation loss has not improved since epoch "
       << summary.best_epoch << "\nkept the weights of epoch " << summary.best_epoch << "\n";
}

namespace {

// The lines of a metrics file before `first_epoch`: its header, then the rows whose epoch cell is smaller.
std::vector<std::string> metrics_before(const std::filesystem::path& path, std::size_t first_epoch) {
  std::ifstream file(path);
  std::vector<std::string> lines;
  std::string line;
  if (!std::getline(file, line)) return lines;
  lines.push_back(line);
  while (std::getline(file, line)) {
    std::size_t epoch = 0;
    const auto [end, error] = std::from_chars(line.data(), line.data() + line.size(), epoch);
    if (error != std::errc() || *end != ',' || epoch >= first_epoch) break;
    lines.push_back(line);
  }
  return lines;
}

}  // namespace

MetricsCsvWriter::MetricsCsvWriter(const std::filesystem::path& path, std::size_t first_epoch)
    : path_(path), earlier_(first_epoch > 1 ? metrics_before(path, first_epoch) : std::vector<std::string>{}) {
  // Opened for appending, which checks that it can be written without emptying it yet: a run that fails before
  // its first epoch leaves the file as it was.
  errno = 0;
  file_.open(path, std::ios::app);
  if (!file_) throw InputError("cannot write metrics file " + path.string() + ": " + open_failure(path, true));
  // Two runs appending to one file would interleave their rows. The lock goes with this descriptor (and the
  // process): it is released when the writer is destroyed or the run ends in any way. Where the file system has no
  // locks the run goes on without one.
  lock_ = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (lock_ >= 0 && ::flock(lock_, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK) {
    ::close(lock_);
    lock_ = -1;
    throw InputError("cannot write metrics file " + path.string() +
                     ": another run is writing it now; give each run a --metrics file of its own");
  }
}

MetricsCsvWriter::~MetricsCsvWriter() {
  if (lock_ >= 0) ::close(lock_);
}

void MetricsCsvWriter::on_start(const RunInfo& info) {
  std::string header =
      "epoch,loss,data_loss,penalty,validation_loss,train_accuracy,validation_accuracy,learning_rate,seconds,"
      "samples_per_second";
  if (info.diagnostics)
    for (std::size_t i = 0; i < info.layers; ++i)
      for (const char* column :
           {"dead", "saturated", "activation_mean", "activation_std", "gradient_norm", "update_ratio", "zero_weights",
            "sparsity"})
        header += ",layer" + std::to_string(i) + "_" + column;
  if (earlier_.empty() || earlier_.front() != header) earlier_ = {header};
  file_.close();
  file_.open(path_, std::ios::trunc);
  for (const std::string& line : earlier_) file_ << line << '\n';
  earlier_.clear();
  flush_checked();
}

void MetricsCsvWriter::flush_checked() {
  errno = 0;
  file_.flush();
  const int reason = errno;
  if (!file_)
    throw TrainingError("writing metrics file " + path_.string() + ": " +
                        (reason ? std::generic_category().message(reason) : "the system gave no reason"));
}

void MetricsCsvWriter::on_epoch(const EpochReport& report) {
  file_ << report.epoch << ',' << round_trip(report.loss) << ',' << round_trip(report.data_loss) << ','
        << round_trip(report.penalty) << ',' << optional_cell(report.validation_loss) << ','
        << optional_cell(report.train_accuracy) << ',' << optional_cell(report.validation_accuracy) << ','
        << round_trip(report.learning_rate) << ',' << round_trip(report.seconds) << ','
        << round_trip(report.samples_per_second);
  const bool stepped = report.epoch > 0;  // the epoch-0 row has no step: no gradient norm, no update ratio
  for (const LayerDiagnostics& d : report.layers)
    file_ << ',' << optional_cell(d.dead_fraction) << ',' << optional_cell(d.saturated_fraction) << ','
          << round_trip(d.activation_mean) << ',' << round_trip(d.activation_std) << ','
          << (stepped ? round_trip(d.gradient_norm) : "") << ',' << (stepped ? round_trip(d.update_ratio) : "") << ','
          << d.zero_weights << ',' << round_trip(d.sparsity);
  file_ << '\n';
  flush_checked();
}

void ProgressBar::on_start(const RunInfo& info) {
  epochs_ = info.epochs, epoch_ = info.first_epoch, batch_size_ = info.batch_size, samples_ = info.samples;
  run_start_ = epoch_start_ = Clock::now();
}

double ProgressBar::seconds_since(Clock::time_point then) const {
  return std::chrono::duration<double>(Clock::now() - then).count();
}

void ProgressBar::on_batch_loss(double loss) {
  loss_sum_ += loss;
  ++losses_;
}

void ProgressBar::on_batch(std::size_t done, std::size_t batches) {
  const auto now = Clock::now();
  if (across_epochs_ || done == batches) return;  // the epoch line (or the across-epochs bar) takes over
  if (now - run_start_ < std::chrono::milliseconds(500) || now - last_draw_ < std::chrono::milliseconds(100)) return;
  const double seconds = seconds_since(epoch_start_);
  const std::size_t batch = batch_size_ ? batch_size_ : samples_;
  const double per_batch = seconds / double(done);
  // Time left: this epoch's batches at this epoch's pace, the later epochs at the pace of the finished ones.
  const double epoch_seconds = epochs_timed_ ? epoch_seconds_sum_ / double(epochs_timed_) : per_batch * double(batches);
  const double left = per_batch * double(batches - done) + epoch_seconds * double(epochs_ - std::min(epochs_, epoch_));
  constexpr int kWidth = 12;
  const int filled = int(kWidth * done / batches);
  std::string line = "epoch " + std::to_string(epoch_) + "/" + std::to_string(epochs_) + " [" +
                     std::string(filled, '#') + std::string(kWidth - filled, '.') + "] " + std::to_string(done) + "/" +
                     std::to_string(batches);
  if (losses_) line += "  loss " + screen_number(loss_sum_ / double(losses_));
  line += "  ETA " + format_duration(left);  // before the speed: a narrow terminal cuts the line's end
  if (seconds > 0) line += "  " + format("%.0f", double(std::min(done * batch, samples_)) / seconds) + " samples/s";
  draw(line);
}

void ProgressBar::on_epoch(const EpochReport& report) {
  const double seconds = seconds_since(epoch_start_);
  epoch_seconds_sum_ += seconds, ++epochs_timed_;
  last_loss_ = report.loss;
  epoch_ = report.epoch + 1, loss_sum_ = 0, losses_ = 0;
  epoch_start_ = Clock::now();
  // Short epochs, and lines only every log_every: follow the run across epochs.
  if (log_every_ > 1 && epoch_seconds_sum_ / double(epochs_timed_) < 0.5) across_epochs_ = true;
  if (!across_epochs_ || report.epoch >= epochs_) return;
  const auto now = Clock::now();
  if (now - run_start_ < std::chrono::milliseconds(500) || now - last_draw_ < std::chrono::milliseconds(100)) return;
  constexpr int kWidth = 12;
  const int filled = int(kWidth * report.epoch / epochs_);
  const double left = epoch_seconds_sum_ / double(epochs_timed_) * double(epochs_ - report.epoch);
  draw("epoch " + std::to_string(report.epoch) + "/" + std::to_string(epochs_) + " [" + std::string(filled, '#') +
       std::string(kWidth - filled, '.') + "]  loss " + screen_number(last_loss_) + "  ETA " + format_duration(left));
}

void ProgressBar::draw(const std::string& line) {
  last_draw_ = Clock::now();
  // Never wider than the terminal: a wrapped line could not be erased with one carriage return.
  std::size_t columns = 80;
  winsize size{};
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) columns = size.ws_col;
  out_ << "\r\033[K" << line.substr(0, columns - 1) << std::flush;
  drawn_ = true;
}

void ProgressBar::clear() {
  if (drawn_) out_ << "\r\033[K" << std::flush;  // back to the line's start, erase to its end
  drawn_ = false;
}

std::string format_confusion(const Evaluation& evaluation, const std::vector<std::string>& class_names) {
  std::size_t width = 9;
  for (std::size_t c = 0; c < class_names.size(); ++c)
    width = std::max(width, std::to_string(c).size() + class_names[c].size() + 2);
  // Columns as wide as the largest count (at least 4), so ten classes of Fashion-MNIST fit in 80 columns.
  std::size_t largest = class_names.empty() ? 0 : class_names.size() - 1;
  for (const auto& row : evaluation.confusion)
    for (std::size_t count : row) largest = std::max(largest, count);
  const int cell = int(std::max<std::size_t>(4, std::to_string(largest).size()));
  const auto cell_text = [cell](std::size_t value) {
    // Right-aligned after one space; built by appending, as `" " + std::string` makes g++ 12 warn (-Wrestrict,
    // a false positive).
    const std::string text = std::to_string(value);
    std::string padded(1 + (std::size_t(cell) > text.size() ? cell - text.size() : 0), ' ');
    return padded.append(text);
  };
  std::ostringstream out;
  out << "confusion matrix (rows: true class, columns: predicted)\n" << std::string(width, ' ');
  for (std::size_t c = 0; c < class_names.size(); ++c) out << cell_text(c);
  out << '\n';
  for (std::size_t r = 0; r < evaluation.confusion.size(); ++r) {
    // Classes named by their own index ("0", "1", ...) are not written twice.
    const std::string index = std::to_string(r);
    const std::string label = class_names[r] == index ? index : index + " " + class_names[r];
    out << label << std::string(width > label.size() ? width - label.size() : 1, ' ');
    for (std::size_t count : evaluation.confusion[r]) out << cell_text(count);
    out << '\n';
  }
  return out.str();
}

}  // namespace nnlab

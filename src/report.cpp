#include "nnlab/report.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <sstream>
#include <string>
#include <system_error>

#include "nnlab/errors.hpp"
#include "nnlab/files.hpp"
#include "nnlab/text.hpp"

namespace nnlab {
namespace {

std::string format(const char* pattern, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, pattern, value);
  return buffer;
}

std::string optional_cell(const std::optional<double>& value) {
  return value ? round_trip(*value) : "";
}

}  // namespace

void ConsoleReporter::on_start(const RunInfo& info) {
  first_epoch_ = info.first_epoch;
  out_ << "training " << info.network << ", " << info.parameters << " parameters, on " << info.samples << " samples";
  if (info.validation_samples) out_ << " (+" << info.validation_samples << " for validation)";
  out_ << ": loss " << info.loss << ", batch " << info.batch_size << ", " << info.epochs << " epochs, " << info.dtype;
  if (info.first_epoch > 1 || info.first_batch > 1) out_ << ", resuming at epoch " << info.first_epoch;
  if (info.first_batch > 1) out_ << " batch " << info.first_batch;
  out_ << std::endl;  // before any progress bar appears on stderr
}

void ConsoleReporter::on_epoch(const EpochReport& report) {
  const bool initial = report.epoch == 0;  // before the first step: no overshoot to watch yet
  const auto overshoot = initial ? std::nullopt : overshoot_.check(report.epoch, report.loss, report.learning_rate);
  const bool logged = initial || report.epoch == first_epoch_ || report.epoch == report.epochs ||
                      report.epoch % log_every_ == 0;
  if (!logged) {
    if (overshoot) out_ << "warning: epoch " << report.epoch << ": " << *overshoot << "\n";
    return;
  }
  const std::string width = std::to_string(std::to_string(report.epochs).size());
  char epoch[64];
  std::snprintf(epoch, sizeof epoch, ("epoch %" + width + "zu/%zu").c_str(), report.epoch, report.epochs);
  out_ << epoch << "  loss " << format("%-15.10g", report.loss) << " data_loss " << format("%-15.10g", report.data_loss)
       << " penalty " << format("%-12.6g", report.penalty);
  if (report.train_accuracy) out_ << " acc " << format("%.4f", *report.train_accuracy);
  if (report.validation_loss) out_ << "  val_loss " << format("%-10.6g", *report.validation_loss);
  if (report.validation_accuracy) out_ << " val_acc " << format("%.4f", *report.validation_accuracy);
  if (initial)
    out_ << "  (before training)\n";
  else
    out_ << "  " << format("%.3fs", report.seconds) << " " << format("%.0f", report.samples_per_second)
         << " samples/s\n";
  for (std::size_t i = 0; i < report.layers.size(); ++i) {
    const LayerDiagnostics& d = report.layers[i];
    char line[256];
    // Before the first step there is no gradient and no update: "-".
    std::snprintf(line, sizeof line, "  layer %zu %-10s act %9.3g +- %-9.3g |dW| %-9s upd/w %-9s zero %zu/%zu", i,
                  d.activation.c_str(), d.activation_mean, d.activation_std,
                  initial ? "-" : format("%.2e", d.gradient_norm).c_str(),
                  initial ? "-" : format("%.2e", d.update_ratio).c_str(), d.zero_weights, d.weights);
    out_ << line;
    if (d.dead_fraction) out_ << "  dead " << format("%.1f%%", 100 * *d.dead_fraction);
    if (d.saturated_fraction) out_ << "  saturated " << format("%.1f%%", 100 * *d.saturated_fraction);
    out_ << "  sparse " << format("%.1f%%", 100 * d.sparsity);
    out_ << "\n";
  }
  if (overshoot) out_ << "warning: epoch " << report.epoch << ": " << *overshoot << "\n";
  for (const Diagnosis& warning : diagnose(report.layers))
    if (warned_.insert((warning.layer ? std::to_string(*warning.layer) : "network") + "/" + warning.kind).second)
      out_ << "warning: epoch " << report.epoch << ": " << warning.text << "\n";
  out_.flush();
}

void ConsoleReporter::on_end(const RunSummary& summary) {
  if (summary.stopped_early)
    out_ << "stopped early at epoch " << summary.last.epoch << ": the validation loss has not improved since epoch "
         << summary.best_epoch << "; kept the weights of epoch " << summary.best_epoch << "\n";
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

void ProgressBar::on_batch(std::size_t done, std::size_t batches) {
  const auto now = Clock::now();
  if (done == 1) epoch_start_ = now;
  if (done == batches) {  // the epoch line will take the bar's place
    clear();
    return;
  }
  if (now - epoch_start_ < std::chrono::milliseconds(500) || now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  constexpr int kWidth = 30;
  const int filled = int(kWidth * done / batches);
  out_ << "\r  [" << std::string(filled, '#') << std::string(kWidth - filled, '.') << "] " << done << "/" << batches
       << " batches" << std::flush;
  drawn_ = true;
}

void ProgressBar::clear() {
  if (drawn_) out_ << "\r" << std::string(60, ' ') << "\r" << std::flush;
  drawn_ = false;
}

std::string format_confusion(const Evaluation& evaluation, const std::vector<std::string>& class_names) {
  std::size_t width = 9;
  for (std::size_t c = 0; c < class_names.size(); ++c)
    width = std::max(width, std::to_string(c).size() + class_names[c].size() + 2);
  std::ostringstream out;
  out << "confusion matrix (rows: true class, columns: predicted)\n" << std::string(width, ' ');
  for (std::size_t c = 0; c < class_names.size(); ++c) out << ' ' << format("%7.0f", double(c));
  out << '\n';
  for (std::size_t r = 0; r < evaluation.confusion.size(); ++r) {
    // Classes named by their own index ("0", "1", ...) are not written twice.
    const std::string index = std::to_string(r);
    const std::string label = class_names[r] == index ? index : index + " " + class_names[r];
    out << label << std::string(width > label.size() ? width - label.size() : 1, ' ');
    for (std::size_t count : evaluation.confusion[r]) out << ' ' << format("%7.0f", double(count));
    out << '\n';
  }
  return out.str();
}

}  // namespace nnlab

#include "nnlab/report.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>
#include <string>

#include "nnlab/errors.hpp"
#include "nnlab/text.hpp"

namespace nnlab {
namespace {

std::string format(const char* pattern, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, pattern, value);
  return buffer;
}

std::string optional_cell(const std::optional<double>& value) { return value ? round_trip(*value) : ""; }

}  // namespace

void ConsoleReporter::on_start(const RunInfo& info) {
  first_epoch_ = info.first_epoch;
  out_ << "training " << info.network << ", " << info.parameters << " parameters, on " << info.samples << " samples";
  if (info.validation_samples) out_ << " (+" << info.validation_samples << " for validation)";
  out_ << ": loss " << info.loss << ", batch " << info.batch_size << ", " << info.epochs << " epochs, " << info.dtype;
  if (info.first_epoch > 1) out_ << ", resuming at epoch " << info.first_epoch;
  out_ << std::endl;  // before any progress bar appears on stderr
}

void ConsoleReporter::on_epoch(const EpochReport& report) {
  const bool logged = report.epoch == first_epoch_ || report.epoch == report.epochs || report.epoch % log_every_ == 0;
  if (!logged) return;
  const std::string width = std::to_string(std::to_string(report.epochs).size());
  char epoch[64];
  std::snprintf(epoch, sizeof epoch, ("epoch %" + width + "zu/%zu").c_str(), report.epoch, report.epochs);
  out_ << epoch << "  loss " << format("%-15.10g", report.loss) << " data_loss "
       << format("%-15.10g", report.data_loss) << " penalty " << format("%-12.6g", report.penalty);
  if (report.train_accuracy) out_ << " acc " << format("%.4f", *report.train_accuracy);
  if (report.validation_loss) out_ << "  val_loss " << format("%-10.6g", *report.validation_loss);
  if (report.validation_accuracy) out_ << " val_acc " << format("%.4f", *report.validation_accuracy);
  out_ << "  " << format("%.3fs", report.seconds) << " " << format("%.0f", report.samples_per_second)
       << " samples/s\n";
  out_.flush();
}

void ConsoleReporter::on_end(const RunSummary& summary) {
  if (summary.stopped_early)
    out_ << "stopped early at epoch " << summary.last.epoch << ": the validation loss has not improved since epoch "
         << summary.best_epoch << "; kept the weights of epoch " << summary.best_epoch << "\n";
}

MetricsCsvWriter::MetricsCsvWriter(const std::filesystem::path& path) : path_(path), file_(path) {
  if (!file_) throw InputError("cannot write metrics file " + path.string() + " (does its folder exist?)");
  file_ << "epoch,loss,data_loss,penalty,validation_loss,train_accuracy,validation_accuracy,learning_rate,seconds,"
           "samples_per_second\n";
  file_.flush();
}

void MetricsCsvWriter::on_epoch(const EpochReport& report) {
  file_ << report.epoch << ',' << round_trip(report.loss) << ',' << round_trip(report.data_loss) << ','
        << round_trip(report.penalty) << ',' << optional_cell(report.validation_loss) << ','
        << optional_cell(report.train_accuracy) << ',' << optional_cell(report.validation_accuracy) << ','
        << round_trip(report.learning_rate) << ',' << round_trip(report.seconds) << ','
        << round_trip(report.samples_per_second) << '\n';
  file_.flush();
  if (!file_) throw TrainingError("writing metrics file " + path_.string() + " failed (disk full?)");
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

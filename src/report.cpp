#include "nnlab/report.hpp"

#include <cstdio>
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

}  // namespace

void ConsoleReporter::on_start(const RunInfo& info) {
  out_ << "training " << info.network << ", " << info.parameters << " parameters, on " << info.samples
       << " samples: loss " << info.loss << ", batch " << info.batch_size << ", " << info.epochs << " epochs, "
       << info.dtype << "\n";
}

void ConsoleReporter::on_epoch(const EpochReport& report) {
  const bool logged = report.epoch == 1 || report.epoch == report.epochs || report.epoch % log_every_ == 0;
  if (!logged) return;
  const std::string width = std::to_string(std::to_string(report.epochs).size());
  char epoch[64];
  std::snprintf(epoch, sizeof epoch, ("epoch %" + width + "zu/%zu").c_str(), report.epoch, report.epochs);
  out_ << epoch << "  loss " << format("%-16.10g", report.loss) << "  data_loss "
       << format("%-16.10g", report.data_loss) << "  penalty " << format("%.10g", report.penalty) << "\n";
  out_.flush();
}

MetricsCsvWriter::MetricsCsvWriter(const std::filesystem::path& path) : path_(path), file_(path) {
  if (!file_) throw InputError("cannot write metrics file " + path.string() + " (does its folder exist?)");
  file_ << "epoch,loss,data_loss,penalty,seconds\n";
  file_.flush();
}

void MetricsCsvWriter::on_epoch(const EpochReport& report) {
  file_ << report.epoch << ',' << round_trip(report.loss) << ',' << round_trip(report.data_loss) << ','
        << round_trip(report.penalty) << ',' << round_trip(report.seconds) << '\n';
  file_.flush();
  if (!file_) throw TrainingError("writing metrics file " + path_.string() + " failed (disk full?)");
}

}  // namespace nnlab

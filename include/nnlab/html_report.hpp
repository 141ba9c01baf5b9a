// One self-contained HTML page per run (`nnlab train --report PATH.html`) or per comparison (`nnlab compare
// --report`): the run's settings, its curves, diagnostics, weights, decision boundary or fitted curve over epochs,
// confusion matrix and equation. Drawn with the project's SVG charts (plot.hpp) inline; the page's small script only
// switches scales and epochs and reloads the page while the run goes on. Nothing in it points outside the file.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "nnlab/report.hpp"
#include "nnlab/trainer.hpp"

namespace nnlab {

// What the page's header says beyond the config: how the run was started and where.
struct ReportContext {
  std::string command_line;  // as the user typed it (quoted for a shell)
  std::string machine;       // machine_description()
};

// "AMD EPYC 9R45 (2 cores), 2 threads for matrix products"
std::string machine_description();

// The config as JSON for a page: paths inside the current folder relative to it.
std::string config_text(const Config& config);

// The program and its arguments as one shell line.
std::string shell_command_line(const std::vector<std::string>& arguments);

// What the report reads from the model being trained, so that the page itself is not a template.
class ModelView {
 public:
  virtual ~ModelView() = default;
  virtual const Config& config() const = 0;
  virtual const DataSplits& data() const = 0;
  virtual std::string describe() const = 0;  // "2-16-3 (relu, softmax)"
  std::string shape() const {                // "2-16-3", short enough for a chart's title
    const std::string described = describe();
    return described.substr(0, described.find(' '));
  }
  // The network's outputs for raw (not normalized) inputs (rows, features): (rows, outputs).
  virtual Tensor<double> outputs(const Tensor<double>& raw_inputs) = 0;
  virtual std::vector<std::vector<double>> layer_weights() = 0;  // each layer's weight matrix, flattened
  virtual std::vector<double> first_neuron() = 0;                 // layer 0, unit 0: its weights, then its bias
  virtual std::size_t layers() const = 0;
  virtual std::size_t outputs() const = 0;
  virtual Evaluation evaluate(const Dataset& data) = 0;
};

template <typename T>
std::unique_ptr<ModelView> view_of(Trainer<T>& trainer);

// How a run ended, as the page says it.
enum class RunEnd { running, finished, stopped_early, interrupted, failed };

// The picture of what a model with 1 or 2 inputs computes over its training data, one frame per snapshot.
class FitPicture {
 public:
  explicit FitPicture(ModelView& model);
  bool drawable() const { return inputs_ == 1 || inputs_ == 2; }
  void snapshot(ModelView& model, const std::string& label);  // adds a frame
  std::size_t frames() const { return labels_.size(); }
  void thin();  // keeps every other frame (the first and the newest always)
  std::string svg(const std::string& title) const;
  const std::vector<std::string>& labels() const { return labels_; }

 private:
  std::size_t inputs_ = 0;
  bool classification_ = false;
  std::vector<std::string> class_names_;
  double x_low_ = 0, x_high_ = 1, y_low_ = 0, y_high_ = 1;  // the plane (2 inputs) or the x range (1 input)
  double target_low_ = 0, target_high_ = 1;                 // regression targets, for the colour scale
  Tensor<double> points_;                                   // raw inputs (and target for 1 input)
  std::vector<std::size_t> labels_of_points_;
  std::vector<std::string> labels_;                 // "epoch 12", one per frame
  std::vector<std::string> pictures_;               // 2 inputs: data: URIs
  std::vector<std::vector<double>> curves_;         // 1 input: the output over curve_x_
  std::vector<double> curve_x_;
};

// The train report: an observer that rewrites PATH at most about once a second while training, and at the end.
class HtmlReport : public TrainingObserver {
 public:
  // Checks that `path` can be written (before training starts).
  HtmlReport(std::filesystem::path path, ReportContext context, std::unique_ptr<ModelView> model);
  ~HtmlReport() override;
  void on_start(const RunInfo& info) override;
  void on_epoch(const EpochReport& report) override;
  void on_before_training(const EpochReport& initial) override;  // epoch 0 on the curves (with diagnostics)
  void on_end(const RunSummary& summary) override;
  // The run stopped with an error (divergence, disk full): the page says so and stops reloading.
  void fail(const std::string& message);

  std::string html() const;  // the page as it stands

 private:
  void write();
  void snapshot(const std::string& label);
  std::vector<EpochReport> drawn_epochs() const;

  std::filesystem::path path_;
  ReportContext context_;
  std::unique_ptr<ModelView> model_;
  RunInfo info_;
  // The epochs the curves draw: every `history_every_`-th (thinned as the run grows, so a long run's page stays
  // small), and the latest.
  std::vector<EpochReport> history_;
  std::size_t history_every_ = 1;
  std::optional<EpochReport> latest_;
  std::vector<std::pair<std::size_t, std::string>> warnings_;  // epoch, text
  EpochWarnings epoch_warnings_;
  std::vector<std::vector<double>> start_weights_, end_weights_;
  FitPicture fit_;
  std::size_t snapshot_every_ = 1;
  std::optional<Evaluation> confusion_;
  std::string confusion_set_;
  RunEnd end_ = RunEnd::running;
  std::string end_text_;
  std::chrono::steady_clock::time_point last_write_{};
};

// The compare report: each run's curves overlaid (a band from the lowest to the highest over seeds when a run has
// several), the summary table, and each run's decision boundary or fitted curve side by side.
struct CompareRun {
  std::string name{};                                // e.g. the activation
  std::vector<std::vector<double>> losses{};         // per seed: the training loss of each epoch
  std::vector<std::vector<double>> accuracies{};     // per seed (classification)
  std::string picture_svg{};                         // FitPicture::svg of the first seed's final model, or empty
  std::string failure{};                             // set when it diverged
};

struct CompareReport {
  std::string title{};                               // "relu, leaky_relu on configs/dying_relu.json"
  std::string config_json{};
  ReportContext context{};
  std::vector<std::string> table_header{};
  std::vector<std::vector<std::string>> table_rows{};
  std::vector<CompareRun> runs{};
  std::size_t runs_planned = 0;
  RunEnd end = RunEnd::running;
  std::string end_text{};
};

std::string compare_report_html(const CompareReport& report);
// Replaces the file atomically (temporary file + rename).
void write_report(const std::filesystem::path& path, const std::string& html);

}  // namespace nnlab

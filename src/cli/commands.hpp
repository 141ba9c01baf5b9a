// The subcommands of `nnlab`. Each adds its options to the CLI11 app and runs from a plain options struct; runners
// return the exit code and throw nnlab::Error for main() to report as one `error:` line.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

#include "nnlab/config.hpp"
#include "nnlab/files.hpp"
#include "nnlab/generate.hpp"

namespace nnlab::cli {

struct TrainOptions {
  std::string config_path;
  Overrides overrides;
  std::string metrics_path;
  std::string save_path;
  std::string resume_path;
  std::string plot_path;
  std::string report_path;  // --report: a live HTML page of the run
  int threads = 0;  // 0: all cores
  std::size_t checkpoint_every = 0;  // epochs; 0: only at the end
  bool quiet = false;
  std::vector<std::string> arguments;  // the command line, program first, to print the command that resumes it
};
CLI::App* add_train_command(CLI::App& app, TrainOptions& options);
int run_train(const TrainOptions& options);

struct EvalOptions {
  std::string config_path;
  std::string model_path;
};
CLI::App* add_eval_command(CLI::App& app, EvalOptions& options);
int run_eval(const EvalOptions& options);

struct PredictOptions {
  std::string model_path;
  std::string input_path;
  std::string output_path;  // empty: stdout
};
CLI::App* add_predict_command(CLI::App& app, PredictOptions& options);
int run_predict(const PredictOptions& options);

struct DataOptions {
  GeneratorSpec spec;
};
CLI::App* add_data_command(CLI::App& app, DataOptions& options);
int run_data_generate(const DataOptions& options);

struct CompareOptions {
  std::string config_path;
  std::vector<std::string> activations;
  std::string values;  // KEY=v1,v2,...: compare values of one config key instead of activations
  std::size_t seeds = 1;
  std::optional<double> target;
  Overrides overrides;  // --epochs, --lr, --seed, --init, --init-gain, --batch-size, --momentum, --l1, --l2, --dtype
  std::string csv_path, plot_path;
  std::string report_path;  // --report: an HTML page of the comparison
  std::vector<std::string> arguments;  // the command line, for the report's header
};
CLI::App* add_compare_command(CLI::App& app, CompareOptions& options);
int run_compare(const CompareOptions& options);

struct GradcheckOptions {
  std::string config_path;
  std::size_t samples = 8;
  double tolerance = 1e-4;
};
CLI::App* add_gradcheck_command(CLI::App& app, GradcheckOptions& options);
int run_gradcheck(const GradcheckOptions& options);

struct ExplainOptions {
  std::string config_path;
  std::size_t batch = 1;               // which step of the run, 1-based
  std::string model_path;              // start from a saved model
  std::optional<std::size_t> sample;   // one training row alone instead of the config's batch
  bool full = false;                   // every number of large tensors
  bool json = false;
};
CLI::App* add_explain_command(CLI::App& app, ExplainOptions& options);
int run_explain(const ExplainOptions& options);

struct PlotOptions {
  std::string what;       // loss, activations, boundary, gradients
  std::string input;      // loss: metrics CSV; boundary: config
  std::vector<std::string> inputs;  // gradients: metrics CSVs
  std::string model_path;
  std::string output_path;
  bool linear = false;    // loss: a linear instead of a logarithmic y axis
};
CLI::App* add_plot_command(CLI::App& app, PlotOptions& options);
int run_plot(const PlotOptions& options);

struct ExportOptions {
  std::string config_path;  // empty: export only the model
  std::string target;       // "pytorch"
  std::string output_path;
  std::string model_path;
};
CLI::App* add_export_command(CLI::App& app, ExportOptions& options);
int run_export(const ExportOptions& options);

// Adds --version to a subcommand, as the program has it.
void add_version_flag(CLI::App& command);

}  // namespace nnlab::cli

// The subcommands of `nnlab`. Each adds its options to the CLI11 app and runs from a plain options struct; runners
// return the exit code and throw nnlab::Error for main() to report as one `error:` line.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "nnlab/config.hpp"
#include "nnlab/generate.hpp"

namespace nnlab::cli {

struct TrainOptions {
  std::string config_path;
  Overrides overrides;
  std::string metrics_path;
  std::string save_path;
  std::string resume_path;
  bool quiet = false;
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

// Adds --version to a subcommand, as the program has it.
void add_version_flag(CLI::App& command);

}  // namespace nnlab::cli

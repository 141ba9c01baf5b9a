// `nnlab train CONFIG [flags]`
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "nnlab/config.hpp"

namespace nnlab::cli {

struct TrainOptions {
  std::string config_path;
  Overrides overrides;
  std::string metrics_path;
  bool quiet = false;
};

CLI::App* add_train_command(CLI::App& app, TrainOptions& options);

// Returns the process exit code; throws nnlab::Error for the caller to report.
int run_train(const TrainOptions& options);

}  // namespace nnlab::cli

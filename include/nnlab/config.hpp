// The run configuration: a JSON file parsed and validated into plain structs. No JSON exists past this point.
// Every key is documented in README.md ("Config reference").
#pragma once

#include <cstdint>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "nnlab/generate.hpp"
#include "nnlab/kinds.hpp"
#include "nnlab/network.hpp"
#include "nnlab/optimizer.hpp"
#include "nnlab/regularization.hpp"
#include "nnlab/schedule.hpp"

namespace nnlab {

// Where samples come from: a CSV file, a pair of IDX files (images and labels), or a generator.
struct DataSource {
  enum class Kind { csv, idx, generated };
  Kind kind = Kind::csv;
  std::filesystem::path csv;             // resolved against the config file's folder
  std::filesystem::path images, labels;  // IDX
  GeneratorSpec generator;
  std::size_t limit = 0;                 // use only the first `limit` samples; 0 = all
  std::string where;                     // JSON path, for messages ("data.train")
};

struct DataConfig {
  DataSource train;
  std::optional<DataSource> test;
  std::vector<std::string> features;     // CSV: empty = every column but the target
  std::string target;                    // CSV: required; otherwise "label" (or "y" for plane)
  double validation_fraction = 0;        // held out of train, chosen with the seed
  NormalizationKind normalize = NormalizationKind::none;         // fitted on the training split only
  NormalizationKind normalize_target = NormalizationKind::none;  // the same for an mse target column
  std::vector<std::string> class_names;  // IDX and generated data: names of classes 0, 1, ...
};

// Stop when the validation loss has not improved by more than min_delta for `patience` epochs, and restore the
// weights of the best epoch. patience 0 = off.
struct EarlyStoppingConfig {
  std::size_t patience = 0;
  double min_delta = 0;
};

struct Config {
  std::filesystem::path source;  // the config file, as given (for messages)
  DataConfig data;
  std::vector<LayerSpec> layers;  // each layer's own init and init_gain, if it sets them; else the model's below
  Init init = Init::uniform;
  double init_gain = 1;  // multiplies every layer's initial weights (gain 1: the init as published)
  LossKind loss = LossKind::mse;
  SgdSettings optimizer;
  std::size_t batch_size = 0;  // 0: the whole training set
  ScheduleConfig schedule;
  Regularization regularization;
  EarlyStoppingConfig early_stopping;
  std::size_t epochs = 100;
  std::uint64_t seed = 0;
  std::size_t log_every = 1;
  DType dtype = DType::float32;
  bool diagnostics = false;       // per-layer diagnostics every epoch
  bool report = false;            // training.report: an HTML report, report.html beside the --save file
};

// Command-line flags that replace config values. Unset fields leave the config alone.
struct Overrides {
  std::optional<std::string> activation;         // every hidden layer; a single-layer model's only layer
  std::optional<std::string> output_activation;  // the last layer
  std::optional<double> learning_rate, momentum, l1, l2;
  std::optional<std::size_t> epochs, batch_size, log_every;
  std::optional<std::uint64_t> seed;
  std::optional<std::string> dtype;
  std::optional<bool> diagnostics;
  std::optional<std::string> init;  // model.init, and every layer's own init is dropped
  std::optional<double> init_gain;  // model.init_gain, and every layer's own init_gain is dropped
};

// Reads and validates a config file. Throws InputError naming the file and the JSON path of the problem.
Config load_config(const std::filesystem::path& path);
// The same from text; relative data paths resolve against `base_dir`.
Config parse_config(const std::string& text, const std::filesystem::path& source,
                    const std::filesystem::path& base_dir);

// The most epochs a config or flag may ask for (training.epochs, --epochs, log_every, patience).
inline constexpr std::size_t kMaxEpochs = 1'000'000'000;

// A whole number typed on the command line, read with the config's rule and message: "--epochs: must be a whole
// number from 1 to 1000000000, got -5" (1e3 is 1000; negatives, fractions and words are refused).
std::size_t parse_whole_number(const std::string& text, const std::string& where, std::size_t low = 0,
                               std::size_t high = std::numeric_limits<std::size_t>::max());

// Applies flags and validates the result. Errors name the config key each flag sets (a ConfigError): the CLI puts
// them back into the flag's words (src/cli/config_flags.hpp).
void apply_overrides(Config& config, const Overrides& overrides);

// The model-level init (model.init, model.init_gain) that layers without their own take (weight_init).
inline WeightInit model_init(const Config& config) { return {config.init, config.init_gain}; }

// The config as JSON that parse_config reads back to the same Config (paths made absolute).
std::string config_to_json(const Config& config);

// The learning rate of a (1-based) epoch under the config's schedule (schedule.hpp).
inline double scheduled_learning_rate(const Config& config, std::size_t epoch) {
  return scheduled_learning_rate(config.schedule, config.optimizer.learning_rate, epoch, config.epochs);
}

}  // namespace nnlab

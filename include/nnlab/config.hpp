// The run configuration: a JSON file parsed and validated into plain structs. No JSON exists past this point.
// Every key is documented in README.md ("Config reference").
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "nnlab/network.hpp"
#include "nnlab/optimizer.hpp"
#include "nnlab/regularization.hpp"

namespace nnlab {

struct DataConfig {
  std::filesystem::path train;        // resolved against the config file's folder
  std::vector<std::string> features;  // empty: every column but the target
  std::string target;
};

struct LayerConfig {
  std::size_t units = 1;
  std::string activation;       // canonical name
  std::optional<double> alpha;  // only for activations that take one
  std::optional<std::string> init;
};

struct Config {
  std::filesystem::path source;  // the config file, as given (for messages)
  DataConfig data;
  std::vector<LayerConfig> layers;
  std::string init = "uniform";
  std::string loss = "mse";
  SgdSettings optimizer;
  std::size_t batch_size = 0;  // 0: the whole training set
  Regularization regularization;
  std::size_t epochs = 100;
  std::uint64_t seed = 0;
  std::size_t log_every = 1;
  std::string dtype = "float32";  // "float32" or "float64"
};

// Command-line flags that replace config values. Unset fields leave the config alone.
struct Overrides {
  std::optional<std::string> activation;         // every hidden layer; a single-layer model's only layer
  std::optional<std::string> output_activation;  // the last layer
  std::optional<double> learning_rate, momentum, l1, l2;
  std::optional<std::size_t> epochs, batch_size, log_every;
  std::optional<std::uint64_t> seed;
  std::optional<std::string> dtype;
};

// Reads and validates a config file. Throws InputError naming the file and the JSON path of the problem.
Config load_config(const std::filesystem::path& path);
// The same from text; relative data paths resolve against `base_dir`.
Config parse_config(const std::string& text, const std::filesystem::path& source,
                    const std::filesystem::path& base_dir);

// Applies flags and validates the result; errors name the flag.
void apply_overrides(Config& config, const Overrides& overrides);

// The model as the network builds it: layer sizes, activations and init resolved.
std::vector<LayerSpec> layer_specs(const Config& config);

}  // namespace nnlab

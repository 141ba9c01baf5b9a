// `nnlab compare` as an experiment: one base config varied along one axis (the hidden layers' activation, or one
// config key's value), every variant trained from the same N seeds, so that variant A and variant B start from the
// same N initial weight sets and differ only in what is compared.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "nnlab/config.hpp"

namespace nnlab {

struct Variant {
  std::string label;         // "relu", or the value: "0.1"
  std::vector<Config> runs;  // one per seed: seeds base, base + 1, ..., base + N − 1
};

// One variant per activation (the hidden layers'; a one-layer model's only layer), each after `overrides`.
// Throws InputError for an unknown activation before anything trains.
std::vector<Variant> activation_variants(const Config& base, const std::vector<std::string>& activations,
                                         const Overrides& overrides, std::size_t seeds);

// One variant per value of `assignment` "KEY=v1,v2,...", KEY a config path such as optimizer.learning_rate or
// model.layers[0].units: each value is written into the config file's JSON (numbers, true/false, else text) and
// the result parsed and validated as a config, then `overrides` applied. A flag that sets KEY too is an error.
std::vector<Variant> value_variants(const std::filesystem::path& config_path, const std::string& assignment,
                                    const Overrides& overrides, std::size_t seeds);

struct RunResult {
  std::uint64_t seed = 0;
  std::vector<double> losses;  // training loss per epoch (1, 2, ...)
  std::vector<double> accuracies;  // accuracy per epoch (as `accuracy`), classification only
  std::string picture_svg;     // with a picture title: the final model over its data (1 or 2 inputs), for --report
  double final_loss = 0;       // NaN when it diverged
  std::optional<double> accuracy;  // validation if there is a split, else training; classification only
  std::optional<std::size_t> epochs_to_target;
  std::optional<double> dead;  // mean dead fraction over the rectifier layers, last epoch
  double seconds = 0;
  std::string failure;  // "diverged in epoch N" when the tripwire stopped it
};

// Trains one config (its dtype) with diagnostics on; a run that diverges is a result, not an error.
RunResult run_experiment(const Config& config, std::optional<double> target, const std::string& picture_title = "");

// Mean and sample standard deviation (0 for fewer than two values) of the values given.
struct Spread {
  std::size_t count = 0;
  double mean = 0, deviation = 0;
};
Spread spread_of(const std::vector<double>& values);

}  // namespace nnlab

// `nnlab export --to pytorch`: an experiment, or a trained model, written as a readable PyTorch program.
//
// A config becomes a training script that reproduces nnlab's run number for number: the same data read with the
// same rules, the same validation split and normalization, the same initial weights (a model file written beside
// the script), SGD with the same penalties and schedule, the same batch order (nnlab's random numbers, rewritten
// in Python) and early stopping; it prints nnlab's epoch lines and saves an nnlab model file. A saved model becomes
// an inference module with a `predict(rows)` function.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "nnlab/config.hpp"
#include "nnlab/model_io.hpp"

namespace nnlab {

// Throws InputError naming the config key when the config uses something the export cannot reproduce exactly.
void check_exportable(const Config& config);
// The same on a config as config_to_json writes it: a key the export does not know (one added to nnlab after it)
// must hold a neutral value (false, 0, "none", empty), else the error names it.
void check_exportable_keys(const std::string& config_json, const std::string& source);

// Writes the training script to `script` and what it needs beside it: the initial weights (SCRIPT_init.json, unless
// `start_model` is given: then the script continues that model, as `nnlab train --resume` would) and, for generated
// data, the samples (SCRIPT_train.csv, SCRIPT_test.csv). Returns every path written, the script first.
std::vector<std::filesystem::path> export_pytorch_training(const Config& config, const std::filesystem::path& script,
                                                           const std::optional<std::filesystem::path>& start_model);

// The inference module for a saved model (read from `model_path` when it runs). Writes it to `script`.
void export_pytorch_inference(const SavedModel& model, const std::filesystem::path& model_path,
                              const std::filesystem::path& script);

}  // namespace nnlab

// From a config's data section to data sets ready for training: reads each source (CSV, IDX, generated), maps class
// names to indices, holds out a validation split, and fits the normalization on the training split only.
#pragma once

#include <filesystem>
#include <optional>

#include "nnlab/config.hpp"
#include "nnlab/dataset.hpp"

namespace nnlab {

struct DataSplits {
  Dataset train;
  Dataset validation;  // empty unless data.validation_fraction > 0
  Dataset test;        // empty unless data.test is given
  DataSchema schema;
};

// Loads the config's data. With `known` (a saved model's schema), its class names and normalization are used
// instead of being derived from the training data, and the training set is not read when `need_train` is false.
// Checks that the model the config describes fits the data. Throws InputError.
DataSplits load_data(const Config& config, const DataSchema* known = nullptr, bool need_train = true);

// Rows of a CSV file to predict on: the schema's feature columns (other columns are ignored), normalized.
Dataset load_prediction_inputs(const std::filesystem::path& csv, const DataSchema& schema);

}  // namespace nnlab

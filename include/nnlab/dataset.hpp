// A data set in memory: inputs and targets, one row per sample.
#pragma once

#include <string>
#include <vector>

#include "nnlab/config.hpp"
#include "nnlab/tensor.hpp"

namespace nnlab {

template <typename T>
struct Dataset {
  Tensor<T> inputs;   // (samples, features)
  Tensor<T> targets;  // (samples, outputs), or (samples, 1) class indices
  std::vector<std::string> feature_names;
  std::vector<std::string> target_names;

  std::size_t size() const { return inputs.rows(); }
};

// Loads the config's training CSV with its feature and target columns. Throws InputError.
Dataset<double> load_training_data(const Config& config);

template <typename To>
Dataset<To> dataset_cast(const Dataset<double>& data) {
  return {tensor_cast<To>(data.inputs), tensor_cast<To>(data.targets), data.feature_names, data.target_names};
}

}  // namespace nnlab

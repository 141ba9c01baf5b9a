// A data set in memory: one row per sample. Inputs are kept as they came (numbers from CSV, or bytes from image
// files, which take a quarter of the memory of floats) and turned into a batch tensor, normalized and in the
// training precision, only when a batch is formed.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "nnlab/kinds.hpp"
#include "nnlab/tensor.hpp"

namespace nnlab {

// x' = (x − shift) · scale, per feature; fitted on the training split only and stored with the model.
struct Normalization {
  NormalizationKind kind = NormalizationKind::none;
  std::vector<double> shift, scale;
};

// What a trained model needs to know about its data to be used on new rows.
struct DataSchema {
  std::vector<std::string> features;
  std::string target;
  std::vector<std::string> class_names;  // empty for regression and soft targets; index i is class i
  // binary_cross_entropy on a numeric target column read as probabilities in [0, 1] (soft targets, e.g. 0.2/0.8):
  // no class names, and a prediction counts as right when it is on the same side of 0.5 as its target.
  bool soft_targets = false;
  Normalization normalization;
  // mse with data.normalize_target: the target column's t' = (t − shift)·scale, fitted on the training split. The
  // network learns t'; predictions and reported errors in the target's units undo it.
  Normalization target_normalization;

  // How many outcomes accuracy counts: the classes, or the two sides of 0.5 for soft targets; 0 for regression.
  std::size_t accuracy_classes() const { return soft_targets ? 2 : class_names.size(); }
};

class Dataset {
 public:
  Dataset() = default;
  // Numeric inputs (samples, features) and targets (samples, outputs) or (samples, 1) class indices.
  Dataset(Tensor<double> inputs, Tensor<double> targets);
  // Byte inputs, read as byte / 255 (so pixels land in [0, 1]).
  Dataset(std::vector<std::uint8_t> bytes, std::size_t features, Tensor<double> targets);

  std::size_t size() const { return targets_.rows(); }
  std::size_t features() const { return features_; }
  const Tensor<double>& targets() const { return targets_; }
  void set_targets(Tensor<double> targets) { targets_ = std::move(targets); }

  // Raw input value, before normalization.
  double input(std::size_t row, std::size_t col) const {
    return bytes_.empty() ? values_[row * features_ + col] : bytes_[row * features_ + col] * (1.0 / 255);
  }

  // The given rows as a batch: inputs (rows, features) normalized, targets (rows, outputs).
  template <typename T>
  void gather(std::span<const std::size_t> rows, Tensor<T>& inputs, Tensor<T>& targets) const;
  // Rows first .. first + count − 1.
  template <typename T>
  void gather_range(std::size_t first, std::size_t count, Tensor<T>& inputs, Tensor<T>& targets) const;

  Dataset subset(std::span<const std::size_t> rows) const;

  const Normalization& normalization() const { return normalization_; }
  void set_normalization(Normalization normalization) { normalization_ = std::move(normalization); }

 private:
  template <typename T>
  void copy_row(std::size_t source_row, T* destination) const;
  // Batch row i from data set row rows[i], or first + i where rows is empty, for i < count.
  template <typename T>
  void form_batch(std::size_t count, std::span<const std::size_t> rows, std::size_t first, Tensor<T>& inputs,
                  Tensor<T>& targets) const;

  std::size_t features_ = 0;
  std::vector<double> values_;        // (samples, features), when numeric
  std::vector<std::uint8_t> bytes_;   // (samples, features), when bytes
  Tensor<double> targets_;
  Normalization normalization_;
};

// Fits `kind` on a data set's inputs. Constant features get scale 1.
Normalization fit_normalization(const Dataset& data, NormalizationKind kind);

}  // namespace nnlab

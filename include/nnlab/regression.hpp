// Regression in the target's own units. With data.normalize_target the network learns a scaled target
// t' = (t − shift)·scale (fitted on the training split, stored with the model); these turn its outputs back and say
// how good they are as a learner reads it: RMSE in the target's units and R², the share of the target's variance
// the model explains (1 is perfect, 0 is no better than predicting the mean).
#pragma once

#include <optional>
#include <string>

#include "nnlab/dataset.hpp"
#include "nnlab/network.hpp"

namespace nnlab {

// Fits `kind` (none, standard, minmax) on a data set's target columns.
Normalization fit_target_normalization(const Dataset& data, NormalizationKind kind);
// t' = (t − shift)·scale per target column, in place.
void normalize_targets(Dataset& data, const Normalization& normalization);
// t = t'/scale + shift per column, in place: the inverse.
template <typename T>
void denormalize(Tensor<T>& values, const Normalization& normalization);

struct RegressionMetrics {
  double mse = 0;   // in the target's own units: 1/(n·k) Σ (y − t)²
  double rmse = 0;  // √mse, in the target's units
  std::optional<double> r2;  // 1 − Σ(y − t)² / Σ(t − mean t)², averaged over target columns; none for a constant target
};

// The network's predictions on `data`, turned back to the target's units, against its targets (also turned back).
template <typename T>
RegressionMetrics regression_metrics(Network<T>& network, const Dataset& data, const Normalization& target);

// "train rmse 15527.5, R² 0.991206": a regression model's errors as a learner reads them, in the target's own units,
// at 6 significant digits (R² with more where 6 would round it up to 1); with a normalized target also the mse in
// the target's units.
template <typename T>
std::string regression_line(const std::string& name, Network<T>& network, const Dataset& data,
                            const DataSchema& schema);

// The standard deviation of the training targets (all columns together): what the tripwire's hint names.
double target_spread(const Dataset& data);

}  // namespace nnlab

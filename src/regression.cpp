#include "nnlab/regression.hpp"

#include <cmath>

#include "nnlab/text.hpp"
#include "nnlab/trainer.hpp"

namespace nnlab {

Normalization fit_target_normalization(const Dataset& data, NormalizationKind kind) {
  // The target columns as the inputs of a data set, fitted as features are.
  Normalization result = fit_normalization(Dataset(data.targets(), Tensor<double>(data.size(), 1)), kind);
  return result;
}

void normalize_targets(Dataset& data, const Normalization& normalization) {
  if (normalization.kind == NormalizationKind::none || data.size() == 0) return;
  Tensor<double> targets = data.targets();
  for (std::size_t r = 0; r < targets.rows(); ++r)
    for (std::size_t c = 0; c < targets.cols(); ++c)
      targets(r, c) = (targets(r, c) - normalization.shift[c]) * normalization.scale[c];
  data.set_targets(std::move(targets));
}

template <typename T>
void denormalize(Tensor<T>& values, const Normalization& normalization) {
  if (normalization.kind == NormalizationKind::none) return;
  for (std::size_t r = 0; r < values.rows(); ++r)
    for (std::size_t c = 0; c < values.cols(); ++c)
      values(r, c) = T(double(values(r, c)) / normalization.scale[c] + normalization.shift[c]);
}

template <typename T>
RegressionMetrics regression_metrics(Network<T>& network, const Dataset& data, const Normalization& target) {
  RegressionMetrics m;
  if (data.size() == 0) return m;
  Tensor<T> outputs = predict(network, data);
  Tensor<double> predicted(outputs.rows(), outputs.cols()), truth = data.targets();
  for (std::size_t i = 0; i < outputs.size(); ++i) predicted[i] = double(outputs[i]);
  denormalize(predicted, target);
  denormalize(truth, target);
  const std::size_t n = truth.rows(), k = truth.cols();
  double squares = 0, r2_sum = 0;
  bool r2_defined = true;
  for (std::size_t c = 0; c < k; ++c) {
    double mean = 0, residual = 0, total = 0;
    for (std::size_t r = 0; r < n; ++r) mean += truth(r, c);
    mean /= double(n);
    for (std::size_t r = 0; r < n; ++r) {
      residual += (predicted(r, c) - truth(r, c)) * (predicted(r, c) - truth(r, c));
      total += (truth(r, c) - mean) * (truth(r, c) - mean);
    }
    squares += residual;
    if (total > 0)
      r2_sum += 1 - residual / total;
    else
      r2_defined = false;
  }
  m.mse = squares / double(n * k);
  m.rmse = std::sqrt(m.mse);
  if (r2_defined) m.r2 = r2_sum / double(k);
  return m;
}

namespace {

// R² at 6 significant digits like every number on screen, with more where 6 would show a fit short of perfect
// as "1" (0.99999990 is not 1).
std::string r2_text(double r2) {
  for (int digits = 6; digits < 17; ++digits) {
    const std::string text = formatted(("%." + std::to_string(digits) + "g").c_str(), r2);
    if (r2 == 1 || text != "1") return text;
  }
  return round_trip(r2);
}

}  // namespace

template <typename T>
std::string regression_line(const std::string& name, Network<T>& network, const Dataset& data,
                            const DataSchema& schema) {
  const RegressionMetrics m = regression_metrics(network, data, schema.target_normalization);
  std::string line = name + " rmse " + formatted("%.6g", m.rmse) + ", R² " + (m.r2 ? r2_text(*m.r2) : "- (constant target)");
  if (schema.target_normalization.kind != NormalizationKind::none)
    line += " (target's units; mse " + formatted("%.6g", m.mse) + ")";
  return line;
}

double target_spread(const Dataset& data) {
  const Tensor<double>& t = data.targets();
  if (t.size() == 0) return 0;
  double mean = 0, squares = 0;
  for (double v : t.values()) mean += v;
  mean /= double(t.size());
  for (double v : t.values()) squares += (v - mean) * (v - mean);
  return std::sqrt(squares / double(t.size()));
}

template std::string regression_line<float>(const std::string&, Network<float>&, const Dataset&, const DataSchema&);
template std::string regression_line<double>(const std::string&, Network<double>&, const Dataset&, const DataSchema&);
template void denormalize<float>(Tensor<float>&, const Normalization&);
template void denormalize<double>(Tensor<double>&, const Normalization&);
template RegressionMetrics regression_metrics<float>(Network<float>&, const Dataset&, const Normalization&);
template RegressionMetrics regression_metrics<double>(Network<double>&, const Dataset&, const Normalization&);

}  // namespace nnlab

#include "nnlab/diagnostics.hpp"

#include <cmath>
#include <cstdio>

#include "nnlab/text.hpp"

namespace nnlab {
namespace {

template <typename T>
double norm(const Tensor<T>& t) {
  double sum = 0;
  for (T v : t.values()) sum += double(v) * double(v);
  return std::sqrt(sum);
}

std::string percent(double fraction) { return formatted("%.0f%%", 100 * fraction); }
std::string scientific(double value) { return formatted("%.1e", value); }
std::string four_digits(double value) { return formatted("%.4g", value); }

constexpr double kSaturationMargin = 0.01;  // of the function's range

// "a, b or c"; `serial`: "a, b, or c" (for items that have an "or" of their own).
std::string one_of(const std::vector<std::string>& items, bool serial = false) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i)
    out += (i == 0 ? "" : i + 1 < items.size() ? ", " : serial ? ", or " : " or ") + items[i];
  return out;
}

// What brings dead units back, leaving out what the layer already has: a rectifier whose slope below 0 is not 0
// (their z <= 0 still passes a gradient) and he init (relu's variance-keeping scale); units killed by training,
// smaller steps (a large one pushes a unit's bias far below 0); units dead from the start (an unlucky draw of a
// few units' weights), more units or another draw.
std::string dead_units_hint(const LayerDiagnostics& d, bool before_training) {
  std::vector<std::string> activations;
  for (const ActivationKind other : {ActivationKind::leaky_relu, ActivationKind::prelu, ActivationKind::elu})
    if (d.activation != other) activations.push_back(name_of(other));
  std::vector<std::string> tries = {one_of(activations)};
  if (before_training)
    tries.insert(tries.end(), {"more units", "another seed (training.seed)"});
  else
    tries.push_back("a lower learning rate");
  if (d.init != Init::he) tries.push_back("he init");
  return "try " + one_of(tries, true);
}

// What brings saturated units back: inputs near 0, xavier init (sigmoid's and tanh's scale) unless the layer has
// it already, or an activation without a limit.
std::string saturated_units_hint(const LayerDiagnostics& d) {
  std::vector<std::string> tries = {"normalizing the inputs (data.normalize)"};
  if (d.init != Init::xavier) tries.push_back("xavier init");
  tries.push_back("relu");
  return "try " + one_of(tries, true);
}

}  // namespace

template <typename T>
DiagnosticsCollector<T>::DiagnosticsCollector(Network<T>& network)
    : network_(network),
      gradient_norm_sum_(network.layer_count(), 0),
      update_ratio_sum_(network.layer_count(), 0),
      weights_before_(network.layer_count()) {}

template <typename T>
void DiagnosticsCollector<T>::before_step() {
  for (std::size_t i = 0; i < network_.layer_count(); ++i) {
    gradient_norm_sum_[i] += norm(network_.layer(i).weight.grad);
    weights_before_[i] = network_.layer(i).weight.value;
  }
}

template <typename T>
void DiagnosticsCollector<T>::after_step() {
  for (std::size_t i = 0; i < network_.layer_count(); ++i) {
    const Tensor<T>& now = network_.layer(i).weight.value;
    const Tensor<T>& before = weights_before_[i];
    double change = 0;
    for (std::size_t k = 0; k < now.size(); ++k) change += (double(now[k]) - before[k]) * (double(now[k]) - before[k]);
    const double size = norm(before);
    update_ratio_sum_[i] += size > 0 ? std::sqrt(change) / size : 0;
  }
  ++steps_;
}

namespace {

// What one layer's outputs did over the training set: per unit, whether z was ever > 0 and whether the output ever
// left the saturated band; over all outputs, their sum, sum of squares and count of exact zeros.
struct OutputTally {
  std::vector<bool> alive, unsaturated;
  double sum = 0, squares = 0, zeros = 0;
  explicit OutputTally(std::size_t units) : alive(units, false), unsaturated(units, false) {}

  // The first `rows` rows of the layer's last forward.
  template <typename T>
  void add(const Dense<T>& layer, std::size_t rows) {
    const ActivationInfo& info = activation_info(layer.activation().kind());
    const double range = info.upper_limit - info.lower_limit;
    for (std::size_t r = 0; r < rows; ++r)
      for (std::size_t u = 0; u < layer.units(); ++u) {
        const double z = layer.Z()(r, u), a = layer.A()(r, u);
        sum += a;
        squares += a * a;
        zeros += a == 0;
        if (z > 0) alive[u] = true;
        if (a - info.lower_limit > kSaturationMargin * range && info.upper_limit - a > kSaturationMargin * range)
          unsaturated[u] = true;
      }
  }
};

// Every layer's tally over the whole training set, passed through the network in chunks (evaluation mode).
template <typename T>
std::vector<OutputTally> tally_outputs(Network<T>& network, const Dataset& train) {
  std::vector<OutputTally> tallies;
  for (std::size_t i = 0; i < network.layer_count(); ++i) tallies.emplace_back(network.layer(i).units());
  Tensor<T> inputs, targets;
  for (std::size_t first = 0; first < train.size(); first += kRowsPerChunk) {
    const std::size_t count = std::min(kRowsPerChunk, train.size() - first);
    train.gather_range(first, count, inputs, targets);
    network.forward(inputs);
    for (std::size_t i = 0; i < network.layer_count(); ++i) tallies[i].add(network.layer(i), count);
  }
  return tallies;
}

// A layer's dead or saturated share (by its activation's family), output statistics and zero weights, from its
// tally over `samples` training samples.
template <typename T>
LayerDiagnostics output_diagnostics(const Dense<T>& layer, const OutputTally& tally, std::size_t samples) {
  const ActivationInfo& info = activation_info(layer.activation().kind());
  LayerDiagnostics d;
  d.activation = info.kind;
  const double units = double(layer.units());
  if (info.family == ActivationFamily::rectifier)
    d.dead_fraction = double(std::count(tally.alive.begin(), tally.alive.end(), false)) / units;
  if (info.family == ActivationFamily::saturating)
    d.saturated_fraction = double(std::count(tally.unsaturated.begin(), tally.unsaturated.end(), false)) / units;
  const double n = double(samples) * units;
  d.activation_mean = tally.sum / n;
  d.activation_std = std::sqrt(std::max(0.0, tally.squares / n - d.activation_mean * d.activation_mean));
  d.sparsity = n > 0 ? tally.zeros / n : 0;
  d.weights = layer.weight.value.size();
  d.zero_weights = std::size_t(std::count(layer.weight.value.data(), layer.weight.value.data() + d.weights, T(0)));
  d.init = layer.init();
  return d;
}

}  // namespace

template <typename T>
std::vector<LayerDiagnostics> DiagnosticsCollector<T>::finish_epoch(const Dataset& train) {
  const std::vector<OutputTally> tallies = tally_outputs(network_, train);
  std::vector<LayerDiagnostics> result;
  for (std::size_t i = 0; i < network_.layer_count(); ++i) {
    LayerDiagnostics& d = result.emplace_back(output_diagnostics(network_.layer(i), tallies[i], train.size()));
    d.gradient_norm = steps_ ? gradient_norm_sum_[i] / double(steps_) : 0;
    d.update_ratio = steps_ ? update_ratio_sum_[i] / double(steps_) : 0;
  }
  std::fill(gradient_norm_sum_.begin(), gradient_norm_sum_.end(), 0);
  std::fill(update_ratio_sum_.begin(), update_ratio_sum_.end(), 0);
  steps_ = 0;
  return result;
}

std::vector<Diagnosis> diagnose(const std::vector<LayerDiagnostics>& layers, bool loss_fell, bool before_training) {
  std::vector<Diagnosis> warnings;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const LayerDiagnostics& d = layers[i];
    const std::string layer = "layer " + std::to_string(i) + " (" + name_of(d.activation) + ")";
    if (d.dead_fraction && *d.dead_fraction >= 0.5)
      warnings.push_back({i, "dead",
                          layer + ": " + percent(*d.dead_fraction) +
                              " of its units are dead (their input is <= 0 for every training sample, so they " +
                              "output a constant and get no gradient); " + dead_units_hint(d, before_training)});
    if (d.saturated_fraction && *d.saturated_fraction >= 0.5)
      warnings.push_back({i, "saturated",
                          layer + ": " + percent(*d.saturated_fraction) +
                              " of its units are saturated (pinned at a limit for every sample, where the slope " +
                              "is ~0); " + saturated_units_hint(d)});
    if (d.update_ratio > 0.1 && !loss_fell)
      warnings.push_back({i, "update_ratio",
                          layer + ": each step changes the weights by " + percent(d.update_ratio) +
                              " of their size, and the loss rose; the learning rate is probably too high"});
  }
  // Vanishing gradients: the first layer's weight gradient is orders of magnitude below the last layer's.
  if (layers.size() >= 3 && layers.back().gradient_norm > 0 &&
      layers.front().gradient_norm < 1e-3 * layers.back().gradient_norm)
    warnings.push_back({std::nullopt, "vanishing",
                        "gradients vanish: the first layer's weight gradient (" +
                            scientific(layers.front().gradient_norm) + ") is " +
                            scientific(layers.front().gradient_norm / layers.back().gradient_norm) +
                            " of the last layer's; try relu-family activations with he init, or fewer layers"});
  return warnings;
}

std::optional<std::string> OvershootWatch::check(std::size_t epoch, double loss, double learning_rate) {
  if (lowest_epoch_ == 0) first_ = lowest_ = loss, lowest_epoch_ = epoch;
  if (loss < lowest_) lowest_ = loss, lowest_epoch_ = epoch;
  if (!(loss > 2 * lowest_ && loss - lowest_ > kRiseOfFirst * first_) || ++rises_ != 3) return std::nullopt;
  return "the loss rose to " + four_digits(loss) + ", more than twice its lowest (" + four_digits(lowest_) +
         " at epoch " + std::to_string(lowest_epoch_) + "), for the third time; the steps overshoot the minimum, " +
         "so try a smaller learning rate than " + four_digits(learning_rate) + " (optimizer.learning_rate)";
}

template class DiagnosticsCollector<float>;
template class DiagnosticsCollector<double>;

}  // namespace nnlab

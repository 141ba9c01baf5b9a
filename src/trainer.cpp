#include "nnlab/trainer.hpp"

#include <algorithm>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <type_traits>
#include <cmath>
#include <numeric>

#include "nnlab/errors.hpp"
#include "nnlab/regression.hpp"
#include "nnlab/float_environment.hpp"
#include "nnlab/text.hpp"

namespace nnlab {
namespace {

// A copy of every parameter's value and running statistic (reusing the copies' storage), and putting such a copy
// back: what early stopping's best epoch and the tripwire's last good epoch keep. Batch normalization's running mean
// and variance are not parameters, but evaluation normalizes with them: weights without them are not that epoch's.
template <typename T>
void copy_values(const std::vector<Parameter<T>*>& parameters, const std::vector<Tensor<T>*>& running,
                 std::vector<Tensor<T>>& values, std::vector<Tensor<T>>& running_values) {
  values.resize(parameters.size());
  for (std::size_t i = 0; i < parameters.size(); ++i) values[i] = parameters[i]->value;
  running_values.resize(running.size());
  for (std::size_t i = 0; i < running.size(); ++i) running_values[i] = *running[i];
}
// `running_values` may be empty (a checkpoint from before they were kept): the running statistics stay as they are.
template <typename T>
void put_values(const std::vector<Tensor<T>>& values, const std::vector<Tensor<T>>& running_values,
                const std::vector<Parameter<T>*>& parameters, const std::vector<Tensor<T>*>& running) {
  for (std::size_t i = 0; i < parameters.size(); ++i) parameters[i]->value = values[i];
  if (running_values.size() == running.size())
    for (std::size_t i = 0; i < running.size(); ++i) *running[i] = running_values[i];
}


// Refuses, before allocating anything, a model whose training would need more memory than the machine has:
// per parameter its value, gradient, momentum and two saved copies (best and last good); per batch row every
// layer's Z, A and their gradients.
template <typename T>
void check_memory(const Config& config, std::size_t inputs, std::size_t samples) {
  double parameters = 0, activations = 0;
  std::size_t fan_in = inputs;
  for (const auto& layer : config.layers) {
    parameters += double(fan_in + 1) * double(layer.units);
    activations += 4.0 * double(layer.units) + double(fan_in);
    fan_in = layer.units;
  }
  const double rows = double(config.batch_size == 0 ? samples : config.batch_size);
  const double needed = sizeof(T) * (5 * parameters + rows * activations);
  const double available = double(sysconf(_SC_PHYS_PAGES)) * double(sysconf(_SC_PAGE_SIZE));
  if (needed > available)
    throw InputError(config.source.string() + ": model.layers: this model needs about " + std::to_string(std::llround(needed / 1e9)) +
                     " GB to train (" + std::to_string(std::llround(parameters)) + " parameters), more than the " +
                     std::to_string(std::llround(available / 1e9)) + " GB this machine has; use fewer or smaller "
                     "layers, or a smaller batch");
}

template <typename T>
Network<T> build_network(const Config& config, std::size_t inputs, std::size_t samples) {
  check_memory<T>(config, inputs, samples);
  Rng rng(config.seed, RandomStream::init);
  return Network<T>(inputs, config.layers, model_init(config), rng);
}

DataSplits training_only(const Config& config, Dataset train) {
  DataSplits splits;
  splits.schema.features.resize(train.features());
  if (is_classification(config.loss)) {
    const std::size_t classes = config.loss == LossKind::cross_entropy ? config.layers.back().units : 2;
    for (std::size_t i = 0; i < classes; ++i) splits.schema.class_names.push_back(std::to_string(i));
  }
  splits.train = std::move(train);
  return splits;
}

}  // namespace

template <typename T>
std::size_t predicted_class(const T* output, std::size_t outputs) {
  if (outputs == 1) return output[0] >= T(0.5) ? 1 : 0;
  return std::size_t(std::max_element(output, output + outputs) - output);
}

template <typename T>
Evaluation evaluate(const Network<T>& network, const LossHead<T>& loss, const Dataset& data, std::size_t classes) {
  Evaluation result;
  result.samples = data.size();
  if (classes) result.confusion.assign(classes, std::vector<std::size_t>(classes, 0));
  double loss_sum = 0;
  std::size_t correct = 0;
  Tensor<T> inputs, targets;
  std::vector<Tensor<T>> activations;  // every layer's Z and A for one chunk
  for (std::size_t first = 0; first < data.size(); first += kRowsPerChunk) {
    const std::size_t count = std::min(kRowsPerChunk, data.size() - first);
    data.gather_range(first, count, inputs, targets);
    const Tensor<T>& output = network.forward(inputs, activations);
    loss_sum += loss.value(loss.input(activations[activations.size() - 2], output), targets) * double(count);
    if (classes)
      for (std::size_t r = 0; r < count; ++r) {
        // One sigmoid output: the target's side of 0.5 (its class for 0/1 labels; soft targets ≥ 0.5 count as 1).
        const std::size_t truth = output.cols() == 1 ? std::size_t(targets(r, 0) >= T(0.5)) : std::size_t(targets(r, 0));
        const std::size_t guess = predicted_class(output.row(r), output.cols());
        ++result.confusion[truth][guess];
        correct += truth == guess;
      }
  }
  result.loss = data.size() ? loss_sum / double(data.size()) : 0;
  if (classes && data.size()) result.accuracy = double(correct) / double(data.size());
  return result;
}

template <typename T>
Tensor<T> predict(const Network<T>& network, const Dataset& data) {
  Tensor<T> result(data.size(), network.outputs()), inputs, targets;
  std::vector<Tensor<T>> activations;
  for (std::size_t first = 0; first < data.size(); first += kRowsPerChunk) {
    const std::size_t count = std::min(kRowsPerChunk, data.size() - first);
    data.gather_range(first, count, inputs, targets);
    const Tensor<T>& output = network.forward(inputs, activations);
    std::copy(output.data(), output.data() + output.size(), result.row(first));
  }
  return result;
}

template <typename T>
Trainer<T>::Trainer(const Config& config, Dataset train) : Trainer(config, training_only(config, std::move(train))) {}

template <typename T>
Trainer<T>::Trainer(const Config& config, DataSplits data)
    : config_(config),
      data_(std::move(data)),
      network_(build_network<T>(config, data_.schema.features.size(), data_.train.size())),
      loss_(make_loss<T>(config.loss)),
      regularizer_(config.regularization, data_.train.size()),
      optimizer_(config.optimizer),
      parameters_(network_.parameters()),
      running_(network_.running_statistics()) {
  if (config.diagnostics) diagnostics_.emplace(network_);
  if (config.batch_size > data_.train.size())
    throw ConfigError("optimizer.batch_size", "batch size " + std::to_string(config.batch_size) +
                                                  " (optimizer.batch_size) is larger than the " +
                                                  std::to_string(data_.train.size()) +
                                                  " training samples; use 0 to train on the whole set at once");
  // Batch normalization in training needs the variance of each batch: a batch of one sample has none.
  for (std::size_t i = 0; i < config.layers.size(); ++i) {
    if (!config.layers[i].batch_norm) continue;
    const std::size_t batch = batch_size(), last = data_.train.size() % batch;
    if (batch == 1 || last == 1)
      throw ConfigError("optimizer.batch_size",
                        "model.layers[" + std::to_string(i) + "].batch_norm: batch normalization needs at least 2 " +
                            "samples in every training batch, but batch size " + std::to_string(batch) +
                            (batch == 1 ? "" : " leaves a last batch of 1 sample (of " +
                                                   std::to_string(data_.train.size()) + ")") +
                            "; choose another batch size (optimizer.batch_size)");
  }
}

template <typename T>
RunInfo Trainer<T>::info() {
  return {network_.describe(),
          network_.parameter_count(),
          data_.train.size(),
          data_.validation.size(),
          epochs_done_ + 1,
          batches_done_ + 1,
          config_.epochs,
          config_.batch_size == 0 ? data_.train.size() : config_.batch_size,
          config_.loss,
          config_.dtype,
          is_classification(config_.loss),
          network_.layer_count(),
          config_.diagnostics};
}

template <typename T>
StepParts<T> Trainer<T>::step_parts() {
  return {network_, *loss_, regularizer_, optimizer_, parameters_};
}

template <typename T>
double Trainer<T>::objective(const Tensor<T>& inputs, const Tensor<T>& targets) {
  return nnlab::objective(step_parts(), inputs, targets);
}

template <typename T>
void Trainer<T>::compute_gradients(const Tensor<T>& inputs, const Tensor<T>& targets) {
  nnlab::compute_gradients(step_parts(), inputs, targets, step_buffers_);
}

template <typename T>
void Trainer<T>::train_step(const Tensor<T>& inputs, const Tensor<T>& targets, std::size_t batch,
                            StepObserver<T>* observer) {
  const FlushSubnormals flush;  // see float_environment.hpp: a stuck subnormal momentum halved the spiral's speed
  StepObserver<T>* watching = observer ? observer : diagnostics_ ? &*diagnostics_ : nullptr;
  if (const auto non_finite = nnlab::train_step(step_parts(), inputs, targets, step_buffers_, watching))
    throw_divergence(*non_finite, batch);
}

namespace {

// A regression target far from unit spread (house prices ~1e5) gives errors and gradients on that scale: say so, and
// what scales it, when such a run diverges.
std::string target_scale_hint(const Config& config, const Dataset& train) {
  if (config.loss != LossKind::mse || config.data.normalize_target != NormalizationKind::none) return "";
  const double spread = target_spread(train);
  if (!(spread > 10 || (spread > 0 && spread < 0.1))) return "";
  return "; the target's spread (standard deviation " + round_trip(spread) +
         ") is far from 1, and so are the errors and gradients: set data.normalize_target \"standard\"";
}

}  // namespace

template <typename T>
void Trainer<T>::throw_divergence(const NonFinite& bad, std::size_t batch) const {
  const auto [cause, key] = divergence_cause();
  throw DivergenceError(
      "epoch " + std::to_string(epochs_done_ + 1) + ", batch " + std::to_string(batch) + ": " +
      (bad.in_gradient ? "the gradient of " : "") + bad.parameter + " became " + round_trip(bad.value) +
      (last_good_epoch_ ? " (the loss was " + round_trip(last_good_loss_) + " after epoch " +
                              std::to_string(last_good_epoch_) + ")"
                        : "") +
      "; " + cause,
      key);
}

template <typename T>
std::pair<std::string, std::string> Trainer<T>::divergence_cause() const {
  // Weights scaled up at the start grow the outputs layer by layer (×gain each): the first epoch overflows whatever
  // the learning rate.
  double gain = config_.init_gain;
  for (const LayerSpec& layer : config_.layers) gain = std::max(gain, weight_init(layer, model_init(config_)).gain);
  if (last_good_epoch_ == 0 && gain > 1)
    return {"most likely the init gain " + round_trip(gain) + " (model.init_gain): it multiplies the initial weights, "
            "so the outputs grow about " + round_trip(gain) + "-fold in each of the " +
            std::to_string(config_.layers.size()) + " layers and the first steps overflow: try an init gain of 1",
            "model.init_gain"};
  return {"most likely the learning rate " + round_trip(optimizer_.learning_rate()) +
              " is too high, so each step overshoots until the numbers overflow: try a smaller learning rate "
              "(optimizer.learning_rate)" +
              (config_.data.normalize == NormalizationKind::none ? " or data.normalize \"standard\"" : "") +
              target_scale_hint(config_, data_.train),
          "optimizer.learning_rate"};
}

template <typename T>
bool Trainer<T>::restore_last_good() {
  if (last_good_epoch_ == 0) return false;
  put_values(last_good_, last_good_running_, parameters_, running_);
  optimizer_.velocity().clear();  // momentum that led to the blow-up is not worth keeping
  epochs_done_ = last_good_epoch_;
  return true;
}

template <typename T>
std::size_t Trainer<T>::batch_size() const {
  return config_.batch_size == 0 ? data_.train.size() : config_.batch_size;
}

template <typename T>
std::size_t Trainer<T>::batches_per_epoch() const {
  return (data_.train.size() + batch_size() - 1) / batch_size();
}

// A fresh permutation per epoch, from (seed, epoch) alone: a resumed run shuffles as an uninterrupted one. With one
// batch the order does not matter, so there is no shuffle (and the order stays empty).
template <typename T>
std::vector<std::size_t> Trainer<T>::epoch_order(std::size_t epoch) const {
  if (batches_per_epoch() == 1) return {};
  std::vector<std::size_t> order(data_.train.size());
  std::iota(order.begin(), order.end(), 0);
  Rng(config_.seed, RandomStream::shuffle, epoch).shuffle(order);
  return order;
}

template <typename T>
void Trainer<T>::prepare_step(std::size_t b) {
  if (rate_epoch_ != epochs_done_ + 1) {  // once per epoch: a cosine per step would cost small networks 1%
    rate_epoch_ = epochs_done_ + 1;
    optimizer_.set_learning_rate(scheduled_learning_rate(config_, rate_epoch_));
  }
  network_.set_dropout_stream(config_.seed, epochs_done_ * batches_per_epoch() + b);
}

template <typename T>
void Trainer<T>::train_batch(const std::vector<std::size_t>& order, std::size_t b, StepObserver<T>* observer) {
  const Dataset& train = data_.train;
  prepare_step(b);
  if (order.empty()) {  // the whole set: formed once for the whole run
    if (full_inputs_.rows() != train.size()) train.gather_range(0, train.size(), full_inputs_, full_targets_);
    train_step(full_inputs_, full_targets_, 1, observer);
    return;
  }
  const std::size_t first = b * batch_size();
  const std::span<const std::size_t> rows(order.data() + first, std::min(batch_size(), train.size() - first));
  train.gather(rows, batch_inputs_, batch_targets_);
  train_step(batch_inputs_, batch_targets_, b + 1, observer);
}

template <typename T>
bool Trainer<T>::train_epoch(std::span<TrainingObserver* const> observers, StopToken stop) {
  const std::vector<std::size_t> order = epoch_order(epochs_done_ + 1);
  const std::size_t batches = batches_per_epoch();
  const bool batch_loss_wanted =
      std::any_of(observers.begin(), observers.end(), [](auto* observer) { return observer->wants_batch_loss(); });
  // A resumed checkpoint may start mid-epoch: batches_done_ of this permutation are already behind it.
  for (std::size_t b = batches_done_; b < batches; ++b) {
    train_batch(order, b, nullptr);
    batches_done_ = b + 1;
    if (batch_loss_wanted) {  // the batch's data loss, from the forward pass the step just made
      const double loss = loss_->loss(network_.last_layer(), order.empty() ? full_targets_ : batch_targets_);
      for (auto* observer : observers) observer->on_batch_loss(loss);
    }
    for (auto* observer : observers) observer->on_batch(b + 1, batches);
    if (stop.stop_requested() && b + 1 < batches) return false;
  }
  batches_done_ = 0;
  return true;
}

template <typename T>
std::vector<std::size_t> Trainer<T>::train_steps(std::size_t steps, StepObserver<T>* observer) {
  std::vector<std::size_t> rows;
  for (std::size_t s = 1; s <= steps; ++s) {
    const std::size_t epoch = epochs_done_ + 1, b = batches_done_;
    const std::vector<std::size_t> order = epoch_order(epoch);
    if (s == steps) {
      const std::size_t first = b * batch_size(), count = std::min(batch_size(), data_.train.size() - first);
      rows.resize(count);
      for (std::size_t i = 0; i < count; ++i) rows[i] = order.empty() ? first + i : order[first + i];
    }
    train_batch(order, b, s == steps ? observer : nullptr);
    if (++batches_done_ == batches_per_epoch()) batches_done_ = 0, epochs_done_ = epoch;
  }
  return rows;
}

template <typename T>
void Trainer<T>::train_step_on(const std::vector<std::size_t>& rows, StepObserver<T>* observer) {
  prepare_step(batches_done_);
  data_.train.gather(rows, batch_inputs_, batch_targets_);
  train_step(batch_inputs_, batch_targets_, 1, observer);
}

// The whole run: epochs until the config's count, early stopping's patience or a stop request ends it.
template <typename T>
RunSummary Trainer<T>::run(std::span<TrainingObserver* const> observers, StopToken stop) {
  RunSummary summary;
  // A stop requested before the first step (Ctrl-C while the data loaded): nothing is trained, nothing changes.
  summary.interrupted = stop.stop_requested();
  start_run(observers, summary.interrupted);
  while (!summary.interrupted && epochs_done_ < config_.epochs) {
    // A run resumed mid-epoch trains only the batches after the checkpoint: its speed counts only those rows.
    const std::size_t rows = data_.train.size() - std::min(data_.train.size(), batches_done_ * batch_size());
    const auto start = std::chrono::steady_clock::now();
    if (!train_epoch(observers, stop)) {  // stopped between two batches of this epoch
      summary.interrupted = true;
      break;
    }
    end_epoch(summary.last, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), rows,
              observers);
    if (patience_ran_out()) {
      summary.stopped_early = true;
      break;
    }
    summary.interrupted = stop.stop_requested() && epochs_done_ < config_.epochs;
  }
  summary.best_epoch = early_stopping_.best_epoch;
  if (summary.stopped_early) return_to_best_epoch(summary.last);  // the report describes the weights the run ends with
  for (auto* observer : observers) observer->on_end(summary);
  return summary;
}

template <typename T>
void Trainer<T>::start_run(std::span<TrainingObserver* const> observers, bool interrupted) {
  if (epochs_done_ >= config_.epochs)
    throw ConfigError("training.epochs", "the model has already trained " + std::to_string(epochs_done_) +
                                             " epochs and the config asks for " + std::to_string(config_.epochs) +
                                             "; raise training.epochs to train further");
  for (auto* observer : observers) observer->on_start(info());
  // With diagnostics, a fresh run reports its untrained weights first, as epoch 0.
  if (diagnostics_ && epochs_done_ == 0 && batches_done_ == 0 && !interrupted) {
    EpochReport initial;
    initial.epochs = config_.epochs;
    initial.learning_rate = scheduled_learning_rate(config_, 1);
    measure(initial);
    for (auto* observer : observers) observer->on_before_training(initial);
  }
}

// After an epoch's last step: its report over the whole sets, early stopping's bookkeeping, the observers, the
// tripwire on the loss, and the weights kept as the last good ones.
template <typename T>
void Trainer<T>::end_epoch(EpochReport& report, double seconds, std::size_t rows,
                           std::span<TrainingObserver* const> observers) {
  const std::size_t epoch = ++epochs_done_;
  report.seconds = seconds;
  report.samples_per_second = seconds > 0 ? double(rows) / seconds : 0;
  report.epoch = epoch;
  report.epochs = config_.epochs;
  report.learning_rate = optimizer_.learning_rate();
  measure(report);
  remember_if_best(report);
  for (auto* observer : observers) observer->on_epoch(report);
  if (!std::isfinite(report.loss))
    throw DivergenceError("epoch " + std::to_string(epoch) + ": the loss became " + round_trip(report.loss) +
                              "; the steps overshoot, so try a smaller learning rate than " +
                              round_trip(optimizer_.learning_rate()) + " (optimizer.learning_rate)" +
                              target_scale_hint(config_, data_.train),
                          "optimizer.learning_rate");
  copy_values(parameters_, running_, last_good_, last_good_running_);
  last_good_epoch_ = epoch;
  last_good_loss_ = report.loss;
}

template <typename T>
bool Trainer<T>::early_stopping_on() const {
  return config_.early_stopping.patience > 0 && data_.validation.size() > 0;
}

template <typename T>
void Trainer<T>::remember_if_best(const EpochReport& report) {
  EarlyStoppingState<T>& best = early_stopping_;
  if (!early_stopping_on() || !(*report.validation_loss < best.best_loss - config_.early_stopping.min_delta)) return;
  best.best_loss = *report.validation_loss;
  best.best_epoch = report.epoch;
  copy_values(parameters_, running_, best.best_values, best.best_running);
}

template <typename T>
bool Trainer<T>::patience_ran_out() const {
  const EarlyStoppingState<T>& best = early_stopping_;
  return early_stopping_on() && !best.best_values.empty() &&
         epochs_done_ - best.best_epoch >= config_.early_stopping.patience;
}

// The best epoch's weights back, and the report redone for them (losses and accuracies; the epoch stays the last).
template <typename T>
void Trainer<T>::return_to_best_epoch(EpochReport& report) {
  put_values(early_stopping_.best_values, early_stopping_.best_running, parameters_, running_);
  const Evaluation train = evaluate(data_.train), validation = evaluate(data_.validation);
  report.data_loss = train.loss;
  report.train_accuracy = train.accuracy;
  report.penalty = penalty();
  report.loss = report.data_loss + report.penalty;
  report.validation_loss = validation.loss;
  report.validation_accuracy = validation.accuracy;
}

template <typename T>
void Trainer<T>::measure(EpochReport& report) {
  const Evaluation train = evaluate(data_.train);
  report.data_loss = train.loss;
  report.train_accuracy = train.accuracy;
  report.penalty = penalty();
  report.loss = report.data_loss + report.penalty;
  if (data_.validation.size() > 0) {
    const Evaluation validation = evaluate(data_.validation);
    report.validation_loss = validation.loss;
    report.validation_accuracy = validation.accuracy;
  }
  if (diagnostics_) report.layers = diagnostics_->finish_epoch(data_.train);
}

template <typename T>
double Trainer<T>::penalty() {
  return regularizer_.penalty(parameters_);
}

template class Trainer<float>;
template class Trainer<double>;
template std::size_t predicted_class<float>(const float*, std::size_t);
template std::size_t predicted_class<double>(const double*, std::size_t);
template Evaluation evaluate<float>(const Network<float>&, const LossHead<float>&, const Dataset&, std::size_t);
template Evaluation evaluate<double>(const Network<double>&, const LossHead<double>&, const Dataset&, std::size_t);
template Tensor<float> predict<float>(const Network<float>&, const Dataset&);
template Tensor<double> predict<double>(const Network<double>&, const Dataset&);

}  // namespace nnlab

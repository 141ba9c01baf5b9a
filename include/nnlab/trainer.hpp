// The training loop. For each epoch, for each mini-batch, one train_step (step.hpp):
//   forward → loss head → backward → penalty gradient → optimizer update → proximal step → tripwire
// and at the end of the epoch the loss (and accuracy) of the current parameters over the whole training set and the
// validation set, handed to the observers (console, metrics file, progress bar). The loop does no formatting.
#pragma once

#include <cmath>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>

#include "nnlab/config.hpp"
#include "nnlab/data.hpp"
#include "nnlab/diagnostics.hpp"
#include "nnlab/losses.hpp"
#include "nnlab/network.hpp"
#include "nnlab/optimizer.hpp"
#include "nnlab/regularization.hpp"
#include "nnlab/step.hpp"
#include "nnlab/stop.hpp"

namespace nnlab {

struct RunInfo {
  std::string network;  // e.g. "2-4-1 (tanh, sigmoid)"
  std::size_t parameters = 0;
  std::size_t samples = 0;
  std::size_t validation_samples = 0;
  std::size_t first_epoch = 1;  // > 1 when resuming
  std::size_t first_batch = 1;  // > 1 when resuming a checkpoint taken mid-epoch
  std::size_t epochs = 0;
  std::size_t batch_size = 0;
  LossKind loss = LossKind::mse;
  DType dtype = DType::float32;
  bool classification = false;
  std::size_t layers = 0;
  bool diagnostics = false;
};

struct EpochReport {
  std::size_t epoch = 0;  // 1-based; 0 for the state before the first step (on_before_training)
  std::size_t epochs = 0;
  double loss = 0;        // data_loss + penalty
  double data_loss = 0;   // mean loss over the whole training set
  double penalty = 0;     // L1 + L2
  double learning_rate = 0;
  std::optional<double> train_accuracy;       // classification only
  std::optional<double> validation_loss;      // with a validation split
  std::optional<double> validation_accuracy;
  double seconds = 0;             // wall time of the epoch's training steps
  double samples_per_second = 0;  // training samples / seconds
  std::vector<LayerDiagnostics> layers;  // with diagnostics on: one per layer
};

struct RunSummary {
  EpochReport last;
  std::size_t best_epoch = 0;  // with early stopping: the epoch whose weights were kept
  bool stopped_early = false;
  bool interrupted = false;    // the StopToken ended the run between two batches
};

// Loss, accuracy and confusion matrix of a model on a data set.
struct Evaluation {
  std::size_t samples = 0;
  double loss = 0;
  std::optional<double> accuracy;
  std::vector<std::vector<std::size_t>> confusion;  // [true class][predicted class]
};

// The class a network predicts for one output row: argmax, or output ≥ 0.5 for a single (sigmoid) output.
template <typename T>
std::size_t predicted_class(const T* output, std::size_t outputs);

// Loss over a whole data set (in chunks), and for classification (`classes` > 0) accuracy and confusion matrix. With
// one sigmoid output a row is right when output and target are on the same side of 0.5 (x ≥ 0.5 is side 1), which
// for 0/1 class labels is the class itself and also serves soft targets.
template <typename T>
Evaluation evaluate(const Network<T>& network, const LossHead<T>& loss, const Dataset& data, std::size_t classes);

// The network's outputs A for every row of `data`, (rows, outputs).
template <typename T>
Tensor<T> predict(const Network<T>& network, const Dataset& data);

class TrainingObserver {
 public:
  virtual ~TrainingObserver() = default;
  virtual void on_start(const RunInfo&) {}
  virtual void on_batch(std::size_t /*done*/, std::size_t /*batches*/) {}
  // The loss of the batch just trained (its data loss, before the step), just before on_batch; only computed when an
  // observer asks for it (the progress bar shows the epoch's running mean).
  virtual bool wants_batch_loss() const { return false; }
  virtual void on_batch_loss(double /*loss*/) {}
  virtual void on_epoch(const EpochReport&) {}
  // With diagnostics on, a fresh run (not a resumed one) reports the initial weights once before the first step,
  // as epoch 0: losses and per-layer numbers (gradient norm and update ratio 0: no step was taken), so "dead at
  // initialization" and "died while training" are two numbers.
  virtual void on_before_training(const EpochReport&) {}
  virtual void on_end(const RunSummary&) {}
};

// What early stopping remembers between epochs: the best validation loss so far, its epoch and its weights (with
// batch normalization's running statistics). Part of a checkpoint, so a resumed run keeps counting its patience
// where the interrupted one was.
template <typename T>
struct EarlyStoppingState {
  std::size_t best_epoch = 0;  // 0: no epoch validated yet
  double best_loss = INFINITY;
  std::vector<Tensor<T>> best_values;   // one per parameter, in Network::parameters() order
  std::vector<Tensor<T>> best_running;  // Network::running_statistics() at the best epoch; empty without batch norm
};

template <typename T>
class Trainer {
 public:
  // Builds the network, loss and optimizer the config describes for the given data. Throws InputError.
  Trainer(const Config& config, DataSplits data);
  // The same with the config's own data (load_data).
  explicit Trainer(const Config& config) : Trainer(config, load_data(config)) {}
  // Training data only (tests, small experiments): class names are 0..K−1, no validation or test set.
  Trainer(const Config& config, Dataset train);
  // Not copyable or movable: the diagnostics collector and the parameter list point into the trainer's network.
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  // Trains from the epoch after epochs_done() to the configured last epoch, or until `stop` asks it to end (checked
  // after every batch). Throws TrainingError on a non-finite loss.
  RunSummary run(std::span<TrainingObserver* const> observers = {}, StopToken stop = {});

  Evaluation evaluate(const Dataset& data) const { return nnlab::evaluate(network_, *loss_, data, class_count()); }
  double penalty();

  // The training objective on one batch, data loss + penalty, for the current parameters...
  double objective(const Tensor<T>& inputs, const Tensor<T>& targets);
  // ... and its gradient, left in every parameter's `grad`: what one training step follows.
  void compute_gradients(const Tensor<T>& inputs, const Tensor<T>& targets);
  // One training step on one batch (step.hpp's train_step); `batch` numbers it in error messages. `observer` sees
  // the step (explain); without one, the diagnostics collector does when --diagnostics is on. Throws
  // DivergenceError when the tripwire finds a NaN or infinity.
  void train_step(const Tensor<T>& inputs, const Tensor<T>& targets, std::size_t batch = 1,
                  StepObserver<T>* observer = nullptr);
  // Trains the next `steps` batches exactly as run() takes them (the same order and scheduled learning rate, epochs
  // counted), the last one watched by `observer`; returns the training rows of that last batch. What explain runs.
  std::vector<std::size_t> train_steps(std::size_t steps, StepObserver<T>* observer);
  // One step on the given training rows instead of the next batch's, at the run's current place (its scheduled
  // learning rate and dropout masks), counted nowhere: explain --sample.
  void train_step_on(const std::vector<std::size_t>& rows, StepObserver<T>* observer);
  std::size_t batch_size() const;  // rows per batch (the whole set for batch_size 0)
  std::size_t batches_per_epoch() const;
  // What a step works on: this trainer's network, loss head, regularizer and optimizer.
  StepParts<T> step_parts();
  const LossHead<T>& head() const { return *loss_; }

  Network<T>& network() { return network_; }
  Sgd<T>& optimizer() { return optimizer_; }
  const DataSplits& data() const { return data_; }
  const Config& config() const { return config_; }
  std::size_t epochs_done() const { return epochs_done_; }
  void set_epochs_done(std::size_t epochs) { epochs_done_ = epochs; }
  // Batches of the next epoch already trained (after an interrupt); resuming skips them.
  std::size_t batches_done() const { return batches_done_; }
  void set_batches_done(std::size_t batches) { batches_done_ = batches; }
  EarlyStoppingState<T>& early_stopping() { return early_stopping_; }
  RunInfo info();
  std::size_t class_count() const { return data_.schema.accuracy_classes(); }

  // After a TrainingError: puts back the weights of the last epoch that ended with finite numbers (and its epoch
  // count), so they can be saved. False when no epoch finished.
  bool restore_last_good();

 private:
  // run()'s steps, in order: tell the observers what runs (and, with diagnostics, how the untrained model does);
  // each epoch: train it, then end it; at the end, go back to the best epoch when early stopping ended the run.
  void start_run(std::span<TrainingObserver* const> observers, bool interrupted);
  // The next step's learning rate (the schedule's, for the epoch it is in) and dropout masks (from its place in the
  // run: batch b of the epoch after epochs_done_). Every step sets both here.
  void prepare_step(std::size_t b);
  // One epoch at its scheduled learning rate. False when a stop request ended it early (batches_done_ says where).
  bool train_epoch(std::span<TrainingObserver* const> observers, StopToken stop);
  // `rows`: the training rows the epoch trained (fewer when it resumed mid-epoch), for its speed.
  void end_epoch(EpochReport& report, double seconds, std::size_t rows, std::span<TrainingObserver* const> observers);
  bool early_stopping_on() const;
  // Early stopping's best epoch so far, kept before the observers hear of the epoch (so a checkpoint has it).
  void remember_if_best(const EpochReport& report);
  bool patience_ran_out() const;
  void return_to_best_epoch(EpochReport& report);
  // The order of the training rows in `epoch` (empty when one batch takes them all), and its batch b (0-based).
  std::vector<std::size_t> epoch_order(std::size_t epoch) const;
  void train_batch(const std::vector<std::size_t>& order, std::size_t b, StepObserver<T>* observer);
  // What most likely made the numbers overflow and what to try, and the config key it names.
  std::pair<std::string, std::string> divergence_cause() const;
  // After the tripwire fired: throws DivergenceError naming the epoch, batch and tensor, with a hint.
  [[noreturn]] void throw_divergence(const NonFinite& bad, std::size_t batch) const;
  // Losses, accuracies and (with diagnostics) per-layer numbers of the current weights over the whole sets.
  void measure(EpochReport& report);

  Config config_;
  DataSplits data_;
  Network<T> network_;
  std::unique_ptr<LossHead<T>> loss_;
  Regularizer regularizer_;
  Sgd<T> optimizer_;
  std::vector<Parameter<T>*> parameters_;
  std::size_t epochs_done_ = 0;
  std::size_t rate_epoch_ = 0;  // the epoch whose scheduled learning rate the optimizer holds (0: none yet)
  std::size_t batches_done_ = 0;
  std::optional<DiagnosticsCollector<T>> diagnostics_;
  EarlyStoppingState<T> early_stopping_;
  std::vector<Tensor<T>*> running_;   // network_.running_statistics()
  std::vector<Tensor<T>> last_good_, last_good_running_;  // parameters and running statistics after the last finite epoch
  std::size_t last_good_epoch_ = 0;
  double last_good_loss_ = 0;
  Tensor<T> batch_inputs_, batch_targets_;  // reused across batches
  StepBuffers<T> step_buffers_;
  Tensor<T> full_inputs_, full_targets_;               // the whole training set, for full-batch training
};

}  // namespace nnlab

// Per-layer numbers that make the textbook's claims visible while a network trains: dead ReLU units, saturated
// sigmoid/tanh units, activation statistics, vanishing gradients, update sizes and exactly-zero weights.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "nnlab/dataset.hpp"
#include "nnlab/network.hpp"
#include "nnlab/step.hpp"

namespace nnlab {

struct LayerDiagnostics {
  ActivationKind activation = ActivationKind::linear;
  // Rectifiers: the fraction of units whose input z is ≤ 0 for every training sample (for relu: output 0 and
  // gradient 0 everywhere, so the unit can no longer learn).
  std::optional<double> dead_fraction;
  // sigmoid, tanh: the fraction of units whose output is within 1% of the function's range from a limit for
  // every training sample (f' ≈ 0 there).
  std::optional<double> saturated_fraction;
  double activation_mean = 0, activation_std = 0;  // over all samples and units
  // The share of the layer's outputs (all samples × units) that are exactly 0: ReLU's sparsity; 0 for tanh.
  double sparsity = 0;
  double gradient_norm = 0;  // ‖dW‖ of the data loss, mean over the epoch's steps
  double update_ratio = 0;   // ‖ΔW‖ / ‖W‖ per step, mean over the epoch's steps
  std::size_t zero_weights = 0, weights = 0;
  std::optional<Init> init;  // the layer's init: a hint does not suggest the one it already has
};

// Collects the numbers over an epoch. It watches the step (step.cpp) as its observer: on_data_gradient runs
// before_step() after backward (before the penalty is added, so the gradient is the data loss's) and on_step_end
// runs after_step() after the update; finish_epoch() adds a pass over
// the training set for the activation statistics and starts the next epoch afresh. Called before any step (the
// epoch-0 row), it describes the initial weights, with gradient norm and update ratio 0.
template <typename T>
class DiagnosticsCollector final : public StepObserver<T> {
 public:
  explicit DiagnosticsCollector(Network<T>& network);
  void before_step();
  void after_step();
  // As the observer of train_step (step.hpp): the data loss's gradient, then the finished step.
  void on_data_gradient(const std::vector<Parameter<T>*>&) override { before_step(); }
  void on_step_end(const std::vector<Parameter<T>*>&) override { after_step(); }
  std::vector<LayerDiagnostics> finish_epoch(const Dataset& train);

 private:
  Network<T>& network_;
  std::vector<double> gradient_norm_sum_, update_ratio_sum_;
  std::vector<Tensor<T>> weights_before_;
  std::size_t steps_ = 0;
};

// One thing that looks wrong, in plain language with a hint. `layer` and `kind` ("dead", "saturated",
// "update_ratio", "vanishing") key it, so that a reporter can say each kind once per layer and run.
struct Diagnosis {
  std::optional<std::size_t> layer;  // none: about the whole network (vanishing gradients)
  std::string kind;
  std::string text;
};

// Every warning the numbers of one epoch call for, e.g. most units dead. Large updates relative to the weights
// warn only when the epoch's loss did not fall (`loss_fell`): weights growing from a small init move by much of
// their size in the first steps while the loss falls fast, which is no sign of a learning rate too high.
// `before_training`: the numbers describe the initial weights (the epoch-0 row), so no hint blames the steps.
std::vector<Diagnosis> diagnose(const std::vector<LayerDiagnostics>& layers, bool loss_fell = false,
                                bool before_training = false);

// Watches the training loss, epoch by epoch, for the mark of a learning rate that is too high while the numbers
// stay finite (the tripwire catches the rest): a loss that climbs back to more than twice the lowest it reached (and
// by more than 1% of its first value) in three epochs; one spike alone is ordinary SGD noise. check() returns the
// warning the first time only.
class OvershootWatch {
 public:
  // A rise counts only when it is also this share of the first loss: mini-batch noise near a small loss (0.06 to
  // 0.12 on the spiral, from a first loss of 1.06) doubles the loss without any overshoot.
  static constexpr double kRiseOfFirst = 0.1;

  std::optional<std::string> check(std::size_t epoch, double loss, double learning_rate);

 private:
  double first_ = 0, lowest_ = 0;
  std::size_t lowest_epoch_ = 0;
  int rises_ = 0;
};

}  // namespace nnlab

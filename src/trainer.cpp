#include "nnlab/trainer.hpp"

#include <chrono>
#include <cmath>
#include <numeric>

#include "nnlab/errors.hpp"
#include "nnlab/text.hpp"

namespace nnlab {
namespace {

// Whole-set evaluation runs in chunks of this many rows, so that memory stays bounded on large data sets.
constexpr std::size_t kEvaluationChunk = 4096;

template <typename T>
Network<T> build_network(const Config& config, std::size_t inputs) {
  Rng rng(config.seed, RandomStream::init);
  return Network<T>(inputs, layer_specs(config), rng);
}

}  // namespace

template <typename T>
Trainer<T>::Trainer(const Config& config) : Trainer(config, dataset_cast<T>(load_training_data(config))) {}

template <typename T>
Trainer<T>::Trainer(const Config& config, Dataset<T> data)
    : config_(config),
      data_(std::move(data)),
      network_(build_network<T>(config, data_.inputs.cols())),
      loss_(make_loss<T>(config.loss)),
      regularizer_(config.regularization, data_.size()),
      optimizer_(config.optimizer),
      parameters_(network_.parameters()) {
  if (config.batch_size > data_.size())
    throw InputError("batch size " + std::to_string(config.batch_size) + " (optimizer.batch_size or --batch-size) " +
                     "is larger than the " + std::to_string(data_.size()) +
                     " training samples; use 0 to train on the whole set at once");
}

template <typename T>
RunInfo Trainer<T>::info() {
  return {network_.describe(), network_.parameter_count(), data_.size(), config_.epochs,
          config_.batch_size == 0 ? data_.size() : config_.batch_size, config_.loss, config_.dtype};
}

template <typename T>
void Trainer<T>::train_batch(const Tensor<T>& inputs, const Tensor<T>& targets) {
  const bool fused = !loss_->fused_activation().empty();
  const Tensor<T>& output = network_.forward(inputs);
  loss_->gradient(fused ? network_.logits() : output, targets, d_output_);
  network_.backward(d_output_, fused);
  regularizer_.add_gradient(parameters_);
  optimizer_.step(parameters_);
}

template <typename T>
EpochReport Trainer<T>::run(std::span<TrainingObserver* const> observers) {
  for (auto* observer : observers) observer->on_start(info());

  const std::size_t samples = data_.size();
  const std::size_t batch_size = config_.batch_size == 0 ? samples : config_.batch_size;
  const bool full_batch = batch_size == samples;
  Rng shuffle_rng(config_.seed, RandomStream::shuffle);
  std::vector<std::size_t> order(samples);
  std::iota(order.begin(), order.end(), 0);

  EpochReport report;
  for (std::size_t epoch = 1; epoch <= config_.epochs; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    if (full_batch) {
      train_batch(data_.inputs, data_.targets);  // order does not matter for one batch: no copy, no shuffle
    } else {
      shuffle_rng.shuffle(order);
      for (std::size_t first = 0; first < samples; first += batch_size) {
        const std::span<const std::size_t> rows(order.data() + first, std::min(batch_size, samples - first));
        gather_rows(data_.inputs, rows, batch_inputs_);
        gather_rows(data_.targets, rows, batch_targets_);
        train_batch(batch_inputs_, batch_targets_);
      }
    }
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    report.epoch = epoch;
    report.epochs = config_.epochs;
    report.data_loss = data_loss(data_);
    report.penalty = penalty();
    report.loss = report.data_loss + report.penalty;
    for (auto* observer : observers) observer->on_epoch(report);
    if (!std::isfinite(report.loss))
      throw TrainingError("epoch " + std::to_string(epoch) + ": the loss became " + round_trip(report.loss) +
                          "; the steps overshoot, so try a smaller learning rate than " +
                          round_trip(optimizer_.learning_rate()) + " (--lr)");
  }
  for (auto* observer : observers) observer->on_end(report);
  return report;
}

template <typename T>
double Trainer<T>::data_loss(const Dataset<T>& data) {
  const bool fused = !loss_->fused_activation().empty();
  auto chunk_loss = [&](const Tensor<T>& inputs, const Tensor<T>& targets) {
    const Tensor<T>& output = network_.forward(inputs);
    return loss_->value(fused ? network_.logits() : output, targets);
  };
  if (data.size() <= kEvaluationChunk) return chunk_loss(data.inputs, data.targets);

  // The mean of chunk means, weighted by their row counts.
  double sum = 0;
  std::vector<std::size_t> rows;
  for (std::size_t first = 0; first < data.size(); first += kEvaluationChunk) {
    rows.resize(std::min(kEvaluationChunk, data.size() - first));
    std::iota(rows.begin(), rows.end(), first);
    gather_rows(data.inputs, rows, batch_inputs_);
    gather_rows(data.targets, rows, batch_targets_);
    sum += chunk_loss(batch_inputs_, batch_targets_) * double(rows.size());
  }
  return sum / double(data.size());
}

template <typename T>
double Trainer<T>::penalty() {
  return regularizer_.penalty(parameters_);
}

template class Trainer<float>;
template class Trainer<double>;

}  // namespace nnlab

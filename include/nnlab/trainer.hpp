// The training loop. For each epoch, for each mini-batch:
//   forward → loss gradient → backward → penalty gradient → optimizer step
// and at the end of the epoch the loss of the current parameters over the whole training set, which is handed to
// the observers (console, metrics file, ...). The loop itself does no formatting.
#pragma once

#include <memory>
#include <span>
#include <string>

#include "nnlab/config.hpp"
#include "nnlab/dataset.hpp"
#include "nnlab/losses.hpp"
#include "nnlab/network.hpp"
#include "nnlab/optimizer.hpp"
#include "nnlab/regularization.hpp"

namespace nnlab {

struct RunInfo {
  std::string network;  // e.g. "2-4-1 (tanh, sigmoid)"
  std::size_t parameters = 0;
  std::size_t samples = 0;
  std::size_t epochs = 0;
  std::size_t batch_size = 0;
  std::string loss;
  std::string dtype;
};

struct EpochReport {
  std::size_t epoch = 0;  // 1-based
  std::size_t epochs = 0;
  double loss = 0;        // data_loss + penalty
  double data_loss = 0;   // mean loss over the whole training set
  double penalty = 0;     // L1 + L2
  double seconds = 0;     // wall time of the epoch's training steps
};

class TrainingObserver {
 public:
  virtual ~TrainingObserver() = default;
  virtual void on_start(const RunInfo&) {}
  virtual void on_epoch(const EpochReport&) {}
  virtual void on_end(const EpochReport&) {}
};

template <typename T>
class Trainer {
 public:
  // Loads the data and builds the network, loss and optimizer the config describes. Throws InputError.
  explicit Trainer(const Config& config);
  // The same with data already in memory (tests, generated data).
  Trainer(const Config& config, Dataset<T> data);

  // Trains for the configured epochs; returns the last epoch's report. Throws TrainingError on a non-finite loss.
  EpochReport run(std::span<TrainingObserver* const> observers = {});

  // Mean data loss over a data set, and the penalty, for the current parameters.
  double data_loss(const Dataset<T>& data);
  double penalty();

  Network<T>& network() { return network_; }
  const Dataset<T>& data() const { return data_; }
  const Loss<T>& loss() const { return *loss_; }
  RunInfo info();

 private:
  void train_batch(const Tensor<T>& inputs, const Tensor<T>& targets);

  Config config_;
  Dataset<T> data_;
  Network<T> network_;
  std::unique_ptr<Loss<T>> loss_;
  Regularizer regularizer_;
  Sgd<T> optimizer_;
  std::vector<Parameter<T>*> parameters_;
  Tensor<T> batch_inputs_, batch_targets_, d_output_;  // reused across batches
};

}  // namespace nnlab

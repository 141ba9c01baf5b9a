// A stack of dense layers: the model nnlab trains.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "nnlab/activations.hpp"
#include "nnlab/dense.hpp"
#include "nnlab/parameter.hpp"
#include "nnlab/random.hpp"
#include "nnlab/tensor.hpp"

namespace nnlab {

// Whole data sets pass through a network (evaluation, prediction, diagnostics) in chunks of this many rows, so that
// memory stays bounded on large sets.
inline constexpr std::size_t kRowsPerChunk = 1024;

// One layer as the config describes it (model.layers[i]), and as a model file saves it: the one description of a
// layer from the config to the network and back to disk.
struct LayerSpec {
  std::size_t units = 1;
  ActivationSpec activation;
  std::optional<Init> init{};         // the layer's own init; unset: the model's (model.init)
  std::optional<double> init_gain{};  // the layer's own gain; unset: the model's (model.init_gain)
  bool batch_norm = false;            // Linear → BatchNorm → activation (batch_norm.hpp)
  double dropout = 0;                 // inverted dropout after the activation, in training only; 0 ≤ p < 1
};

// How weights start: the init's distribution, and a gain that multiplies its scale (the weights' spread; biases are
// left as the init has them).
struct WeightInit {
  Init init = Init::uniform;
  double gain = 1;
};

// A layer's init as its weights are drawn: its own init and gain where it gives them, else the model's. The one
// place a layer's optional init is resolved.
inline WeightInit weight_init(const LayerSpec& layer, const WeightInit& model) {
  return {layer.init.value_or(model.init), layer.init_gain.value_or(model.gain)};
}

template <typename T>
class Network {
 public:
  // Weights are drawn from `rng` layer by layer, weight before bias, each layer's as weight_init(layer, model) says.
  Network(std::size_t inputs, const std::vector<LayerSpec>& layers, const WeightInit& model, Rng& rng);

  std::size_t inputs() const { return layers_.front().inputs(); }
  std::size_t outputs() const { return layers_.back().units(); }
  std::size_t layer_count() const { return layers_.size(); }
  Dense<T>& layer(std::size_t i) { return layers_[i]; }
  const Dense<T>& layer(std::size_t i) const { return layers_[i]; }

  // The output A of the last layer for a batch X (batch, inputs). `training` (the step's forward): batch
  // normalization on the batch's statistics and dropout on; otherwise (evaluation, prediction) running statistics
  // and no dropout.
  const Tensor<T>& forward(const Tensor<T>& X, bool training = false);
  // Dropout's masks for the next training forwards come from (seed, step): the trainer numbers its steps.
  void set_dropout_stream(std::uint64_t seed, std::uint64_t step) { dropout_seed_ = seed, dropout_step_ = step; }
  // The same for a const network: every layer's Z and A go into `activations` (2 per layer, Z then A), the
  // network is not touched (evaluation mode: running statistics, no dropout). Returns the last layer's A.
  const Tensor<T>& forward(const Tensor<T>& X, std::vector<Tensor<T>>& activations) const;
  const Dense<T>& last_layer() const { return layers_.back(); }
  Dense<T>& last_layer() { return layers_.back(); }

  // Sets every parameter's gradient, from d_logits = dL/dZ of the last layer (what the loss head gives) down to the
  // first layer, for the batch X of the last forward.
  void backward(const Tensor<T>& X, const Tensor<T>& d_logits);

  // Every trainable tensor, in a fixed order: per layer weight, bias, the activation's own parameters, then batch
  // normalization's γ and β.
  std::vector<Parameter<T>*> parameters();
  // Batch normalization's running statistics, per layer that has it running_mean then running_var: not learned, but
  // what evaluation normalizes with, so they belong to the weights a run keeps or restores.
  std::vector<Tensor<T>*> running_statistics();
  std::size_t parameter_count();

  // "2-4-1 (tanh, sigmoid)"
  std::string describe() const;

 private:
  std::vector<Dense<T>> layers_;
  std::uint64_t dropout_seed_ = 0, dropout_step_ = 0;
};

}  // namespace nnlab

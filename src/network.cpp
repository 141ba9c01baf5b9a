#include "nnlab/network.hpp"

#include <cassert>

namespace nnlab {

template <typename T>
Network<T>::Network(std::size_t inputs, const std::vector<LayerSpec>& layers, const WeightInit& model, Rng& rng) {
  assert(!layers.empty());
  layers_.reserve(layers.size());  // parameters() hands out pointers into the layers: they must not move
  std::size_t fan_in = inputs;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const std::string name = "layers[" + std::to_string(i) + "]";
    const WeightInit init = weight_init(layers[i], model);
    layers_.emplace_back(fan_in, layers[i].units,
                         make_activation<T>(layers[i].activation, name + ".activation", layers[i].units), init.init,
                         rng, name, init.gain, layers[i].batch_norm, layers[i].dropout);
    for (Parameter<T>* p : layers_.back().parameters())
      if (p->kind == ParameterKind::slope) p->name = name + "." + p->name;
    fan_in = layers[i].units;
  }
}

template <typename T>
const Tensor<T>& Network<T>::forward(const Tensor<T>& X, bool training) {
  // Dropout's masks: one generator per step, from (seed, step) alone, drawn layer by layer on one thread, so a
  // step's masks are the same for any thread count, and again for a repeated forward of the same step (gradcheck).
  Rng dropout_rng(dropout_seed_, RandomStream::dropout, dropout_step_);
  const Tensor<T>* activations = &X;
  for (auto& layer : layers_) activations = &layer.forward(*activations, training, &dropout_rng);
  return *activations;
}

template <typename T>
const Tensor<T>& Network<T>::forward(const Tensor<T>& X, std::vector<Tensor<T>>& activations) const {
  activations.resize(2 * layers_.size());
  const Tensor<T>* input = &X;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    layers_[i].forward(*input, activations[2 * i], activations[2 * i + 1]);
    input = &activations[2 * i + 1];
  }
  return *input;
}

template <typename T>
void Network<T>::backward(const Tensor<T>& X, const Tensor<T>& d_logits) {
  const Tensor<T>* dZ = &d_logits;
  for (std::size_t i = layers_.size(); i-- > 0;) {
    const Tensor<T>& input = i > 0 ? layers_[i - 1].A() : X;
    const Tensor<T>& dA_below = layers_[i].backward_linear(input, *dZ, /*need_dX=*/i > 0);  // dL/dA of layer i−1
    if (i > 0) dZ = &layers_[i - 1].backward_activation(dA_below);
  }
}

template <typename T>
std::vector<Parameter<T>*> Network<T>::parameters() {
  std::vector<Parameter<T>*> result;
  for (auto& layer : layers_)
    for (Parameter<T>* p : layer.parameters()) result.push_back(p);
  return result;
}

template <typename T>
std::vector<Tensor<T>*> Network<T>::running_statistics() {
  std::vector<Tensor<T>*> result;
  for (auto& layer : layers_)
    if (BatchNorm<T>* bn = layer.batch_norm()) result.insert(result.end(), {&bn->running_mean, &bn->running_var});
  return result;
}

template <typename T>
std::size_t Network<T>::parameter_count() {
  std::size_t count = 0;
  for (Parameter<T>* p : parameters()) count += p->value.size();
  return count;
}

namespace {

// Items joined by `separator`, a run of three or more equal ones written once with its count ("16×20" with
// `count_mark` "×", "relu ×20" with " ×"), so a deep network stays one short line.
std::string runs_joined(const std::vector<std::string>& items, const std::string& separator,
                        const std::string& count_mark) {
  std::string text;
  for (std::size_t i = 0, next = 0; i < items.size(); i = next) {
    next = i;
    while (next < items.size() && items[next] == items[i]) ++next;
    const std::size_t run = next - i;
    for (std::size_t k = 0; k < (run >= 3 ? 1 : run); ++k) {
      if (!text.empty()) text += separator;
      text += items[i];
    }
    if (run >= 3) text += count_mark + std::to_string(run);
  }
  return text;
}

}  // namespace

// "2-16-16-3 (relu, relu, softmax)"; twenty equal hidden layers read "2-16×20-2 (relu ×20, softmax)".
template <typename T>
std::string Network<T>::describe() const {
  std::vector<std::string> sizes, activations;
  for (const auto& layer : layers_) {
    sizes.push_back(std::to_string(layer.units()));
    activations.push_back(name_of(layer.activation().kind()));
  }
  return std::to_string(inputs()) + "-" + runs_joined(sizes, "-", "×") + " (" + runs_joined(activations, ", ", " ×") +
         ")";
}

template class Network<float>;
template class Network<double>;

}  // namespace nnlab

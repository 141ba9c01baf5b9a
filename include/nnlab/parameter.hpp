// A trainable tensor and its gradient. Weights, biases and PReLU slopes are all Parameters, so the optimizer,
// the regularizer, gradient checks and model files iterate over one list.
#pragma once

#include <string>

#include "nnlab/tensor.hpp"

namespace nnlab {

// batch_norm: a batch normalization's γ and β (never penalized, like PReLU's slopes).
enum class ParameterKind { weight, bias, slope, batch_norm };

template <typename T>
struct Parameter {
  std::string name;  // e.g. "layers[0].weight"
  ParameterKind kind = ParameterKind::weight;
  Tensor<T> value;
  Tensor<T> grad;  // dLoss/dvalue, same shape as value
};

}  // namespace nnlab

// Loss functions: the mean over the batch of a per-sample loss, and its gradient.
//
// cross_entropy and binary_cross_entropy are fused with their output activation (softmax and sigmoid): they take
// the logits Z of the last layer, which is both faster and stable where log(softmax) would underflow.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "nnlab/tensor.hpp"

namespace nnlab {

template <typename T>
class Loss {
 public:
  virtual ~Loss() = default;
  virtual std::string_view name() const = 0;

  // The activation this loss folds in ("softmax", "sigmoid"), or "" when it reads the network's output A.
  virtual std::string_view fused_activation() const { return ""; }

  // Mean loss over the batch. `output` is A (or Z when fused), (batch, outputs); `target` is (batch, outputs),
  // or (batch, 1) class indices for cross_entropy.
  virtual double value(const Tensor<T>& output, const Tensor<T>& target) const = 0;

  // d_output = d(value)/d(output), same shape as output.
  virtual void gradient(const Tensor<T>& output, const Tensor<T>& target, Tensor<T>& d_output) const = 0;
};

std::vector<std::string> loss_names();

// Throws InputError naming `where` (and the nearest valid name) for an unknown loss.
template <typename T>
std::unique_ptr<Loss<T>> make_loss(std::string_view name, const std::string& where = "loss");

}  // namespace nnlab

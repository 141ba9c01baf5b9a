// Loss heads: what sits on top of the last layer and owns, in one place, the loss's value and its gradient dL/dZ
// of the last layer (the start of backpropagation).
//
//   mse                    reads A = f(Z)   L = 1/(n·k)·Σ (a − t)²      dL/dA = 2·(a − t)/(n·k), then dL/dZ = f'(Z)⊙dL/dA
//   softmax_cross_entropy  reads Z          L = 1/n·Σ −log softmax(z)_t   dL/dZ = (softmax(z) − onehot(t)) / n
//   sigmoid_bce            reads Z          L = 1/(n·k)·Σ bce(σ(z), t)    dL/dZ = (σ(z) − t) / (n·k)
//
// Why the last two are fused (like llm.c's crossentropy_softmax_backward): the loss composed with its activation has
// the gradient p − t, one subtraction, where going through softmax's Jacobian costs k² per row; and log(softmax)
// or log(σ) evaluated separately underflow to −inf for a confident wrong answer, while the fused forms stay finite.
// So these heads take the logits Z, and the last layer's softmax or sigmoid gives the network's outputs
// (predictions) but is never differentiated in training. Hidden layers keep their activations' own backward.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nnlab/dense.hpp"
#include "nnlab/kinds.hpp"
#include "nnlab/tensor.hpp"

namespace nnlab {

template <typename T>
class LossHead {
 public:
  virtual ~LossHead() = default;
  virtual LossKind kind() const = 0;
  const std::string& name() const { return name_of(kind()); }  // the config's name: "mse", "cross_entropy", ...

  // The activation this head is fused with (softmax, sigmoid), which the last layer must have; none for mse.
  virtual std::optional<ActivationKind> fused_activation() const { return std::nullopt; }

  // What the head reads of the last layer's Z and A = f(Z): A (mse) or the logits Z (the fused heads).
  virtual const Tensor<T>& input(const Tensor<T>& Z, const Tensor<T>& A) const = 0;

  // Mean loss over the batch of `input` (batch, outputs); `target` is (batch, outputs), or (batch, 1) class
  // indices for cross_entropy.
  virtual double value(const Tensor<T>& input, const Tensor<T>& target) const = 0;
  // d_input = dL/d(input), same shape as input.
  virtual void gradient(const Tensor<T>& input, const Tensor<T>& target, Tensor<T>& d_input) const = 0;

  // The loss of the last layer's last forward.
  double loss(const Dense<T>& last, const Tensor<T>& target) const { return value(input(last.Z(), last.A()), target); }

  // d_logits = dL/dZ of the last layer. The mse head computes d_output = dL/dA and passes it through the last
  // layer's activation; the fused heads write dL/dZ directly and leave d_output empty.
  virtual void backward(Dense<T>& last, const Tensor<T>& target, Tensor<T>& d_output, Tensor<T>& d_logits) const = 0;
};

// The name the code used before heads: a loss is its head.
template <typename T>
using Loss = LossHead<T>;

template <typename T>
std::unique_ptr<LossHead<T>> make_loss(LossKind kind);

}  // namespace nnlab

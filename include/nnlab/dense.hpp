// A fully connected layer followed by its activation:
//
//   Z = X·Wᵀ + b        X: (batch, inputs)   W: (units, inputs)   b: (1, units)   Z: (batch, units)
//   A = f(Z)                                                                        A: (batch, units)
//
// and its backward pass, in two halves, given dA = dL/dA:
//
//   dZ = dA ⊙ f'(Z)   (or the activation's own Jacobian product, e.g. softmax's)     backward_activation
//   dW = dZᵀ·X         db = Σ_rows dZ         dX = dZ·W                               backward_linear
//
// The last layer's dZ comes from the loss head (losses.hpp) instead of from backward_activation.
//
// Options: batch normalization between the two (L = X·Wᵀ + b, Z = BN(L), batch_norm.hpp; backward_linear then
// goes through BN first), and inverted dropout after the activation, in training only:
//   A = f(Z) ⊙ M / (1 − p),  M_ij ~ Bernoulli(1 − p)          dA_f = dA ⊙ M / (1 − p)
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "nnlab/activations.hpp"
#include "nnlab/batch_norm.hpp"
#include "nnlab/gemm.hpp"
#include "nnlab/kinds.hpp"
#include "nnlab/parameter.hpp"
#include "nnlab/random.hpp"
#include "nnlab/tensor.hpp"

namespace nnlab {

template <typename T>
class Dense {
 public:
  // `init_gain` multiplies every initial weight (the init's scale: a bound or a standard deviation).
  Dense(std::size_t inputs, std::size_t units, std::unique_ptr<Activation<T>> activation, Init init, Rng& rng,
        const std::string& name, double init_gain = 1, bool batch_norm = false, double dropout = 0);

  std::size_t inputs() const { return weight.value.cols(); }
  std::size_t units() const { return weight.value.rows(); }
  const Activation<T>& activation() const { return *activation_; }
  Activation<T>& activation() { return *activation_; }

  // Computes Z and A for a batch X (batch, inputs). The layer keeps no reference to X. `training`: batch
  // normalization uses (and updates) the batch's statistics, and dropout draws its mask from `dropout_rng`;
  // otherwise the running statistics, and no dropout.
  const Tensor<T>& forward(const Tensor<T>& X, bool training = false, Rng* dropout_rng = nullptr);
  // The same in evaluation mode into caller-owned Z and A, leaving the layer untouched (evaluation and prediction of
  // a const network).
  void forward(const Tensor<T>& X, Tensor<T>& Z, Tensor<T>& A) const;

  // dZ from dA = dL/dA through the activation (which also sets its own parameters' gradients, PReLU's slope).
  const Tensor<T>& backward_activation(const Tensor<T>& dA);
  // From dZ and the X of the last forward: sets dW and db, and returns dX (empty unless `need_dX`).
  const Tensor<T>& backward_linear(const Tensor<T>& X, const Tensor<T>& dZ, bool need_dX);

  const Tensor<T>& Z() const { return Z_; }  // (batch, units), pre-activation of the last forward
  const Tensor<T>& A() const { return A_; }  // (batch, units), output of the last forward
  // From the last backward (what explain shows): dZ from backward_activation (not set for the last layer, whose
  // dZ is the loss head's), and dX = dL/d(output of the layer below).
  const Tensor<T>& dZ() const { return dZ_; }
  const Tensor<T>& dX() const { return dX_; }
  // The optional parts of the last training step, for explain; empty when the layer has no such part (or the last
  // forward did not use it): L = X·Wᵀ + b before batch normalization and dL/dL, f(Z) before dropout, the dropout
  // multiplier M/(1 − p) and dL/df(Z).
  const Tensor<T>& linear() const { return batch_norm_ ? L_ : none(); }
  const Tensor<T>& d_linear() const { return batch_norm_ ? dL_ : none(); }
  const Tensor<T>& activated() const { return dropped_ ? F_ : none(); }
  const Tensor<T>& dropout_multiplier() const { return dropped_ ? mask_ : none(); }
  const Tensor<T>& d_activated() const { return dropped_ ? dF_ : none(); }

  // Weight, bias, the activation's own parameters, then batch normalization's γ and β.
  std::vector<Parameter<T>*> parameters();

  BatchNorm<T>* batch_norm() { return batch_norm_ ? &*batch_norm_ : nullptr; }
  const BatchNorm<T>* batch_norm() const { return batch_norm_ ? &*batch_norm_ : nullptr; }
  double dropout() const { return dropout_; }
  Init init() const { return init_; }  // how the weights were first drawn (diagnostics' hints name another)

  Parameter<T> weight;  // (units, inputs)
  Parameter<T> bias;    // (1, units)

 private:
  void forward(const Tensor<T>& X, Tensor<T>& Z, Tensor<T>& A, GemmWorkspace* workspace) const;
  void linear_forward(const Tensor<T>& X, Tensor<T>& linear, Tensor<T>* A, GemmWorkspace* workspace) const;
  void parameter_gradients(const Tensor<T>& X, const Tensor<T>& dZ);
  void input_gradient(const Tensor<T>& dZ);

  std::unique_ptr<Activation<T>> activation_;
  std::optional<BatchNorm<T>> batch_norm_;
  double dropout_ = 0;
  Init init_;
  bool dropped_ = false;  // the last forward applied a dropout mask
  Tensor<T> Z_, A_, dZ_, dX_;
  Tensor<T> L_, dL_;           // with batch normalization: X·Wᵀ + b and its gradient (batch, units)
  Tensor<T> F_, mask_, dF_;    // with dropout in training: f(Z), M/(1 − p), and dL/df(Z) (batch, units)
  GemmWorkspace workspace_;  // packing space for this layer's products
  GemmWorkspace input_gradient_workspace_;  // dX's, which may run beside dW (backward_linear)

  static const Tensor<T>& none() {
    static const Tensor<T> empty;
    return empty;
  }
};

}  // namespace nnlab

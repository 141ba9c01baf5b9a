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
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "nnlab/activations.hpp"
#include "nnlab/gemm.hpp"
#include "nnlab/parameter.hpp"
#include "nnlab/random.hpp"
#include "nnlab/tensor.hpp"

namespace nnlab {

// How weights start. Biases start at zero except with `uniform`.
enum class Init {
  zeros,    // W = 0
  uniform,  // W, b ~ U(-1/√inputs, 1/√inputs)            (PyTorch's nn.Linear default)
  xavier,   // W ~ U(-√(6/(inputs+units)), +√(6/(inputs+units)))   (Glorot & Bengio 2010)
  he,       // W ~ N(0, √(2/inputs))                          (He et al. 2015, for ReLU)
};

std::vector<std::string> init_names();
// nullopt for an unknown name
std::optional<Init> parse_init(std::string_view name);

template <typename T>
class Dense {
 public:
  // `init_gain` multiplies every initial weight (the init's scale: a bound or a standard deviation).
  Dense(std::size_t inputs, std::size_t units, std::unique_ptr<Activation<T>> activation, Init init, Rng& rng,
        const std::string& name, double init_gain = 1);

  std::size_t inputs() const { return weight.value.cols(); }
  std::size_t units() const { return weight.value.rows(); }
  const Activation<T>& activation() const { return *activation_; }
  Activation<T>& activation() { return *activation_; }

  // Computes Z and A for a batch X (batch, inputs). The layer keeps no reference to X.
  const Tensor<T>& forward(const Tensor<T>& X);
  // The same into caller-owned Z and A, leaving the layer untouched (evaluation and prediction of a const network).
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

  std::vector<Parameter<T>*> parameters();

  Parameter<T> weight;  // (units, inputs)
  Parameter<T> bias;    // (1, units)

 private:
  void forward(const Tensor<T>& X, Tensor<T>& Z, Tensor<T>& A, GemmWorkspace* workspace) const;

  std::unique_ptr<Activation<T>> activation_;
  Tensor<T> Z_, A_, dZ_, dX_;
  GemmWorkspace workspace_;  // packing space for this layer's products
};

}  // namespace nnlab

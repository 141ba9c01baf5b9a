// Activation functions. Each one is a small object that owns its function f and its derivative, created by kind
// from one registry (activations.cpp). Names become an ActivationKind at the config's edge (kinds.hpp); below it
// nothing compares activation names.
#pragma once

#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nnlab/kinds.hpp"
#include "nnlab/parameter.hpp"
#include "nnlab/tensor.hpp"

namespace nnlab {

// σ(z) = 1 / (1 + e^−z), written so that exp never overflows: the one sigmoid the sigmoid activation, softplus',
// silu and the sigmoid + binary cross-entropy head all use.
template <typename T>
T stable_sigmoid(T z) {
  if (z >= 0) return T(1) / (T(1) + std::exp(-z));
  const T e = std::exp(z);
  return e / (T(1) + e);
}

// softmax of one row of n logits, p_i = e^(z_i − max z) / Σ_j e^(z_j − max z): shifted by the largest z so that
// nothing overflows. The one softmax the softmax activation and the softmax + cross-entropy head both use.
template <typename T>
void stable_softmax(const T* z, T* p, std::size_t n) {
  const T largest = *std::max_element(z, z + n);
  T sum = 0;
  for (std::size_t c = 0; c < n; ++c) sum += p[c] = std::exp(z[c] - largest);
  for (std::size_t c = 0; c < n; ++c) p[c] /= sum;
}

template <typename T>
class Activation {
 public:
  virtual ~Activation() = default;
  virtual ActivationKind kind() const = 0;

  // A = f(Z). Z and A are (batch, units).
  virtual void forward(const Tensor<T>& Z, Tensor<T>& A) const = 0;

  // A = f(Z) on the block rows [row, row + rows) × columns [col, col + cols) alone, A already sized: the same
  // arithmetic as forward, which a layer applies to each block of Z as the matrix product finishes it (dense.cpp).
  // Softmax needs whole rows (needs_whole_rows); every other activation takes any block.
  virtual void forward_block(const Tensor<T>& Z, Tensor<T>& A, std::size_t row, std::size_t rows, std::size_t col,
                             std::size_t cols) const = 0;
  virtual bool needs_whole_rows() const { return false; }

  // dZ = dL/dZ from dA = dL/dA, given the forward pass's Z and A. Sets the gradient of the activation's own
  // parameters (PReLU's slope), if it has any.
  virtual void backward(const Tensor<T>& Z, const Tensor<T>& A, const Tensor<T>& dA, Tensor<T>& dZ) = 0;

  // dF = f'(Z) element by element, for showing it (explain); false for softmax, whose Jacobian is not diagonal.
  virtual bool derivative(const Tensor<T>& Z, const Tensor<T>& A, Tensor<T>& dF) const = 0;

  virtual std::vector<Parameter<T>*> parameters() { return {}; }
};

// What a config says about an activation: its kind and, for the ones that take it, alpha.
struct ActivationSpec {
  ActivationKind kind = ActivationKind::linear;
  std::optional<double> alpha{};  // leaky_relu: negative slope; elu: saturation; prelu: initial slope
};

// What diagnostics look for in a layer: rectifiers (relu and kin) can have dead units, whose input is ≤ 0 for every
// sample; saturating functions (sigmoid, tanh) can have units pinned at their limits, where f' ≈ 0.
enum class ActivationFamily { rectifier, saturating, other };

struct ActivationInfo {
  ActivationKind kind;                  // its name: name_of(kind)
  std::string formula;                  // one line, for help texts, plots and errors
  std::optional<double> default_alpha;  // set for the activations that take alpha
  ActivationFamily family = ActivationFamily::other;
  double lower_limit = 0, upper_limit = 0;  // for saturating functions: the values f approaches
};

// Every activation, in ActivationKind's order.
const std::vector<ActivationInfo>& activation_catalog();
// The registry entry of a kind.
const ActivationInfo& activation_info(ActivationKind kind);

// An activation for a layer of `units` units (PReLU learns one slope per unit). Throws InputError naming `where`
// when the spec gives alpha to an activation that takes none.
template <typename T>
std::unique_ptr<Activation<T>> make_activation(const ActivationSpec& spec, const std::string& where = "activation",
                                               std::size_t units = 1);

}  // namespace nnlab

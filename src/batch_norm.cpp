#include "nnlab/batch_norm.hpp"

#include <cassert>
#include <cmath>
#include <string>

#include "nnlab/errors.hpp"

namespace nnlab {

template <typename T>
BatchNorm<T>::BatchNorm(std::size_t units, const std::string& layer_name)
    : gamma{layer_name + ".gamma", ParameterKind::batch_norm, Tensor<T>(1, units, T(1)), Tensor<T>(1, units)},
      beta{layer_name + ".beta", ParameterKind::batch_norm, Tensor<T>(1, units), Tensor<T>(1, units)},
      running_mean(1, units),
      running_var(1, units, T(1)) {}

template <typename T>
void BatchNorm<T>::evaluate_in_place(Tensor<T>& Z) const {
  for (std::size_t u = 0; u < Z.cols(); ++u) {
    const T scale = gamma.value[u] / T(std::sqrt(double(running_var[u]) + kEpsilon));
    for (std::size_t r = 0; r < Z.rows(); ++r) Z(r, u) = (Z(r, u) - running_mean[u]) * scale + beta.value[u];
  }
}

template <typename T>
void BatchNorm<T>::forward(const Tensor<T>& L, Tensor<T>& Z, bool training) {
  const std::size_t n = L.rows(), units = L.cols();
  Z.resize(n, units);
  if (!training) {
    Z = L;
    evaluate_in_place(Z);
    return;
  }
  if (n < 2)  // the trainer refuses such batch sizes up front; explain --batch 1 and gradcheck --samples 1 land here
    throw InputError("batch normalization needs at least 2 samples in a training batch (for their variance), got a "
                     "batch of " + std::to_string(n));
  normalized_.resize(n, units);
  inverse_std_.resize(1, units);
  batch_mean_.resize(1, units);
  batch_variance_.resize(1, units);
  for (std::size_t u = 0; u < units; ++u) {
    T mean = 0;
    for (std::size_t r = 0; r < n; ++r) mean += L(r, u);
    mean /= T(n);
    T variance = 0;  // biased: over n
    for (std::size_t r = 0; r < n; ++r) variance += (L(r, u) - mean) * (L(r, u) - mean);
    variance /= T(n);
    const T inverse_std = T(1) / std::sqrt(variance + T(kEpsilon));
    inverse_std_[u] = inverse_std;
    batch_mean_[u] = mean;
    batch_variance_[u] = variance;
    for (std::size_t r = 0; r < n; ++r) {
      normalized_(r, u) = (L(r, u) - mean) * inverse_std;
      Z(r, u) = gamma.value[u] * normalized_(r, u) + beta.value[u];
    }
    running_mean[u] = T(1 - kMomentum) * running_mean[u] + T(kMomentum) * mean;
    running_var[u] = T(1 - kMomentum) * running_var[u] + T(kMomentum) * variance * T(n) / T(n - 1);
  }
}

template <typename T>
void BatchNorm<T>::backward(const Tensor<T>& dZ, Tensor<T>& dL) {
  const std::size_t n = dZ.rows(), units = dZ.cols();
  dL.resize(n, units);
  for (std::size_t u = 0; u < units; ++u) {
    T d_gamma = 0, d_beta = 0;
    for (std::size_t r = 0; r < n; ++r) d_gamma += dZ(r, u) * normalized_(r, u), d_beta += dZ(r, u);
    gamma.grad[u] = d_gamma;
    beta.grad[u] = d_beta;
    // Σ dL̂ = γ·dβ and Σ dL̂ ⊙ L̂ = γ·dγ
    const T sum = gamma.value[u] * d_beta, dot = gamma.value[u] * d_gamma;
    const T factor = inverse_std_[u] / T(n);
    for (std::size_t r = 0; r < n; ++r)
      dL(r, u) = factor * (T(n) * gamma.value[u] * dZ(r, u) - sum - normalized_(r, u) * dot);
  }
}

template class BatchNorm<float>;
template class BatchNorm<double>;

}  // namespace nnlab

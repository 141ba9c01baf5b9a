// Batch normalization between a dense layer's linear part and its activation, with PyTorch's BatchNorm1d
// semantics (Ioffe & Szegedy 2015):
//
//   training:    μ = mean_rows(L)   σ² = mean_rows((L − μ)²)   (biased)        L, Z: (batch, units)
//                L̂ = (L − μ)/√(σ² + ε)      Z = γ ⊙ L̂ + β                       γ, β: (1, units)
//                running_mean ← (1 − m)·running_mean + m·μ
//                running_var  ← (1 − m)·running_var  + m·σ²·n/(n − 1)          (unbiased)
//   evaluation:  Z = γ ⊙ (L − running_mean)/√(running_var + ε) + β
//
// with ε = 1e-5, m = 0.1, γ = 1, β = 0, running_mean = 0, running_var = 1 at the start. Backward, given dZ:
//
//   dγ = Σ_rows dZ ⊙ L̂     dβ = Σ_rows dZ     dL̂ = dZ ⊙ γ
//   dL = (1/n)·(1/√(σ² + ε))·(n·dL̂ − Σ_rows dL̂ − L̂ ⊙ Σ_rows(dL̂ ⊙ L̂))
#pragma once

#include <string>

#include "nnlab/parameter.hpp"
#include "nnlab/tensor.hpp"

namespace nnlab {

template <typename T>
class BatchNorm {
 public:
  static constexpr double kEpsilon = 1e-5;
  static constexpr double kMomentum = 0.1;

  BatchNorm(std::size_t units, const std::string& layer_name);

  // Z from L; in training with the batch's statistics (and the running ones updated), else the running ones.
  // Training needs at least 2 rows (the unbiased variance of one row is undefined); the trainer checks the batch size.
  void forward(const Tensor<T>& L, Tensor<T>& Z, bool training);
  // Evaluation on the running statistics, in place: Z holds L and becomes BN(L). Changes nothing else.
  void evaluate_in_place(Tensor<T>& Z) const;
  // dL from dZ, for the last training forward; sets γ's and β's gradients.
  void backward(const Tensor<T>& dZ, Tensor<T>& dL);

  // The last training batch's statistics μ and σ² (biased), (1, units): what explain shows.
  const Tensor<T>& batch_mean() const { return batch_mean_; }
  const Tensor<T>& batch_variance() const { return batch_variance_; }

  Parameter<T> gamma;  // (1, units), learned, never penalized
  Parameter<T> beta;   // (1, units)
  Tensor<T> running_mean, running_var;  // (1, units): not learned, saved with the model

 private:
  Tensor<T> normalized_;     // L̂ of the last training forward (batch, units)
  Tensor<T> inverse_std_;    // 1/√(σ² + ε) of the last training forward (1, units)
  Tensor<T> batch_mean_, batch_variance_;  // μ and σ² of the last training forward (1, units)
};

}  // namespace nnlab

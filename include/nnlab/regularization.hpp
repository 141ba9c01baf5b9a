// L1 and L2 penalties. This is the one place where they enter the loss and its gradient:
//
//   penalty = λ1 · Σ|w| / s1  +  λ2 · Σw² / s2
//   dpenalty/dw = λ1 · sign(w) / s1  +  2·λ2·w / s2          (sign(0) = 0, the subgradient numpy and PyTorch use)
//
// where s = N (the number of training samples) when that penalty is `per_sample`, else 1, and the sums run over
// the weights, and also over the biases when `include_bias`. PReLU slopes are never penalized.
//
// The linear-fit article uses L1 = λ·Σ|w| (per_sample false) and L2 = λ·Σw²/N (per_sample true), both with
// biases included. PyTorch's weight_decay=d corresponds to l2 = d/2, per_sample false, include_bias true.
//
// With `l1_proximal`, L1 is not added to the gradient; instead, after each step, every covered weight is moved
// towards zero by η·λ1/s1 and stops at exactly zero if it would cross it (soft-thresholding, the proximal step
// of ISTA). The subgradient leaves weights that "should" be zero jittering around it at ±η·λ1; the proximal step
// makes them exactly zero, which is what L1's sparsity means.
#pragma once

#include <cstddef>
#include <vector>

#include "nnlab/parameter.hpp"

namespace nnlab {

struct Regularization {
  double l1 = 0;
  double l2 = 0;
  bool include_bias = false;
  bool l1_per_sample = false;
  bool l2_per_sample = false;
  bool l1_proximal = false;
};

class Regularizer {
 public:
  Regularizer(const Regularization& settings, std::size_t training_samples);

  bool active() const { return settings_.l1 != 0 || settings_.l2 != 0; }

  template <typename T>
  double penalty(const std::vector<Parameter<T>*>& parameters) const;

  // The part of the penalty whose gradient add_gradient adds: all of it, less L1 when L1 is proximal (then L1 acts
  // in apply_proximal, after the update, and is in no gradient). What a gradient check differentiates.
  template <typename T>
  double differentiated_penalty(const std::vector<Parameter<T>*>& parameters) const;

  // grad += dpenalty/dvalue for every covered parameter (the L1 part only with the subgradient method).
  template <typename T>
  void add_gradient(const std::vector<Parameter<T>*>& parameters) const;

  // After an optimizer step with learning rate η: the proximal L1 step, w ← sign(w)·max(|w| − η·λ1/s1, 0).
  // Does nothing unless l1_proximal.
  template <typename T>
  void apply_proximal(const std::vector<Parameter<T>*>& parameters, double learning_rate) const;

  // Whether a parameter is penalized at all.
  bool covers(ParameterKind kind) const;

 private:
  template <typename T>
  double penalty(const std::vector<Parameter<T>*>& parameters, bool with_l1) const;

  Regularization settings_;
  double l1_scale_;  // λ1 / s1
  double l2_scale_;  // λ2 / s2
};

}  // namespace nnlab

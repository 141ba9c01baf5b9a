// One training step, written once. The trainer, `nnlab explain`, `nnlab gradcheck` and --diagnostics all run these
// functions; none of them computes a gradient or an update any other way. src/step.cpp reads as the algorithm.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "nnlab/losses.hpp"
#include "nnlab/network.hpp"
#include "nnlab/optimizer.hpp"
#include "nnlab/parameter.hpp"
#include "nnlab/regularization.hpp"

namespace nnlab {

// What a step works on. `parameters` is network.parameters(), formed once by the caller (forming it allocates).
template <typename T>
struct StepParts {
  Network<T>& network;
  const LossHead<T>& head;
  const Regularizer& regularizer;
  Sgd<T>& optimizer;
  const std::vector<Parameter<T>*>& parameters;
};

// Buffers a step reuses from one call to the next, so that a training run's steady state allocates nothing.
template <typename T>
struct StepBuffers {
  Tensor<T> d_output;  // dL/dA of the last layer (batch, outputs); empty for the fused heads, which skip it
  Tensor<T> d_logits;  // dL/dZ of the last layer (batch, outputs)
};

// Sees a step as it happens: each hook is called once the step has got that far, with the step's own numbers (the
// network's Z and A, the parameters' grad, value and the optimizer's velocity). Observers read; they never change.
template <typename T>
class StepObserver {
 public:
  virtual ~StepObserver() = default;
  virtual void on_forward(const Network<T>& /*network*/, const Tensor<T>& /*inputs*/, const Tensor<T>& /*targets*/) {}
  virtual void on_head(const StepBuffers<T>& /*buffers*/) {}
  // Every grad holds the data loss's gradient; the penalty's is not in yet.
  virtual void on_data_gradient(const std::vector<Parameter<T>*>& /*parameters*/) {}
  // Every grad holds data + penalty gradient: what the optimizer is about to follow.
  virtual void on_full_gradient(const std::vector<Parameter<T>*>& /*parameters*/, const Sgd<T>& /*optimizer*/) {}
  // After the optimizer's update, before the proximal step.
  virtual void on_update(const std::vector<Parameter<T>*>& /*parameters*/, const Sgd<T>& /*optimizer*/) {}
  // After the proximal step, once the tripwire found every number finite.
  virtual void on_step_end(const std::vector<Parameter<T>*>& /*parameters*/) {}
};

// What the NaN/Inf tripwire found: the first parameter that is not finite after a step.
struct NonFinite {
  std::string parameter;
  bool in_gradient = false;  // the gradient was already non-finite (else only the value became so)
  double value = 0;          // the first bad number
};

// forward → loss head → backward → penalty gradient: leaves d(data loss + penalty)/dθ in every parameter's grad
// (with proximal L1, the L1 part is left to the proximal step after the update).
template <typename T>
void compute_gradients(const StepParts<T>& parts, const Tensor<T>& inputs, const Tensor<T>& targets,
                       StepBuffers<T>& buffers, StepObserver<T>* observer = nullptr);

// The whole step: compute_gradients → optimizer update → proximal step → tripwire. Returns what the tripwire found
// (nullopt when every parameter is finite).
template <typename T>
std::optional<NonFinite> train_step(const StepParts<T>& parts, const Tensor<T>& inputs, const Tensor<T>& targets,
                                    StepBuffers<T>& buffers, StepObserver<T>* observer = nullptr);

// Data loss + the penalty's differentiated part (Regularizer::differentiated_penalty) for the current parameters:
// exactly the function whose gradient compute_gradients leaves in the grads, for gradient checks.
template <typename T>
double objective(const StepParts<T>& parts, const Tensor<T>& inputs, const Tensor<T>& targets);

}  // namespace nnlab

// Stochastic gradient descent with (optionally Nesterov) momentum, in PyTorch's formulation:
//
//   v ← μ·v + g          w ← w − η·v                 (classic momentum; v starts at 0)
//   w ← w − η·(g + μ·v)                              (Nesterov)
//
// With μ = 0 this is plain gradient descent, w ← w − η·g. The optimizer knows nothing of penalties: by the time it
// runs, the regularizer has already added its gradient to g.
#pragma once

#include <vector>

#include "nnlab/parameter.hpp"
#include "nnlab/tensor.hpp"

namespace nnlab {

struct SgdSettings {
  double learning_rate = 0.01;
  double momentum = 0;
  bool nesterov = false;
};

template <typename T>
class Sgd {
 public:
  explicit Sgd(const SgdSettings& settings) : settings_(settings) {}

  void step(const std::vector<Parameter<T>*>& parameters);
  double learning_rate() const { return settings_.learning_rate; }
  void set_learning_rate(double learning_rate) { settings_.learning_rate = learning_rate; }
  // One tensor per parameter once training has started (empty without momentum); saved with a model to resume.
  std::vector<Tensor<T>>& velocity() { return velocity_; }
  const std::vector<Tensor<T>>& velocity() const { return velocity_; }

 private:
  SgdSettings settings_;
  std::vector<Tensor<T>> velocity_;  // one per parameter, created on the first step
};

}  // namespace nnlab

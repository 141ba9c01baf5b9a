// One training step, top to bottom. Each line names the file where that part lives.
#include "nnlab/step.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "nnlab/parameter_spans.hpp"

namespace nnlab {
namespace {

// True when none of the n elements is NaN or ±infinity: those, and only those, have every exponent bit set. Integer
// tests vectorize where std::isfinite in a loop does not, and this runs after every step.
template <typename T>
bool all_finite(const T* values, std::size_t n) {
  using Bits = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
  constexpr Bits exponent = sizeof(T) == 4 ? Bits(0x7f800000u) : Bits(0x7ff0000000000000ull);
  Bits all_set = 0;
  for (std::size_t i = 0; i < n; ++i) {
    Bits bits;
    std::memcpy(&bits, values + i, sizeof bits);
    all_set |= Bits((bits & exponent) == exponent);
  }
  return all_set == 0;
}

template <typename T>
bool all_finite(const Tensor<T>& t) {
  return all_finite(t.data(), t.size());
}

// The NaN/Inf tripwire. A non-finite gradient makes its weight non-finite in the step, so checking the weights
// after the step catches both; the gradients, still in place, then tell which came first. The usual answer, all
// finite, is found by the products' threads in spans (parameter_spans.hpp), like the update before it.
template <typename T>
std::optional<NonFinite> tripwire(const std::vector<Parameter<T>*>& parameters) {
  std::atomic<bool> finite{true};
  for_parameter_spans(parameters, [&](std::size_t k, std::size_t begin, std::size_t end) {
    if (!all_finite(parameters[k]->value.data() + begin, end - begin)) finite.store(false, std::memory_order_relaxed);
  });
  if (finite.load()) return std::nullopt;
  for (const Parameter<T>* p : parameters) {
    if (all_finite(p->value)) continue;
    const bool in_gradient = !all_finite(p->grad);
    const Tensor<T>& t = in_gradient ? p->grad : p->value;
    const T* bad = std::find_if(t.data(), t.data() + t.size(), [](T v) { return !std::isfinite(v); });
    return NonFinite{p->name, in_gradient, double(*bad)};
  }
  return std::nullopt;
}

}  // namespace

template <typename T>
void compute_gradients(const StepParts<T>& parts, const Tensor<T>& inputs, const Tensor<T>& targets,
                       StepBuffers<T>& buffers, StepObserver<T>* observer) {
  Network<T>& network = parts.network;
  network.forward(inputs, /*training=*/true);               // Z, A per layer          (network.cpp, dense.cpp)
  if (observer) observer->on_forward(network, inputs, targets);
  parts.head.backward(network.last_layer(), targets,        // dL/dZ of the last layer (losses.cpp)
                      buffers.d_output, buffers.d_logits);
  if (observer) observer->on_head(buffers);
  network.backward(inputs, buffers.d_logits);               // dW, db, slopes' grads   (network.cpp, dense.cpp)
  if (observer) observer->on_data_gradient(parts.parameters);
  parts.regularizer.add_gradient(parts.parameters);         // + the penalty's gradient (regularization.cpp)
  if (observer) observer->on_full_gradient(parts.parameters, parts.optimizer);
}

template <typename T>
std::optional<NonFinite> train_step(const StepParts<T>& parts, const Tensor<T>& inputs, const Tensor<T>& targets,
                                    StepBuffers<T>& buffers, StepObserver<T>* observer) {
  compute_gradients(parts, inputs, targets, buffers, observer);
  parts.optimizer.step(parts.parameters);                   // w, v: momentum, Nesterov  (optimizer.cpp)
  if (observer) observer->on_update(parts.parameters, parts.optimizer);
  parts.regularizer.apply_proximal(parts.parameters,        // proximal L1 shrink        (regularization.cpp)
                                   parts.optimizer.learning_rate());
  std::optional<NonFinite> non_finite = tripwire(parts.parameters);
  if (observer && !non_finite) observer->on_step_end(parts.parameters);
  return non_finite;
}

template <typename T>
double objective(const StepParts<T>& parts, const Tensor<T>& inputs, const Tensor<T>& targets) {
  parts.network.forward(inputs, /*training=*/true);  // the function compute_gradients differentiates
  return parts.head.loss(parts.network.last_layer(), targets) +
         parts.regularizer.differentiated_penalty(parts.parameters);
}

#define NNLAB_STEP(T)                                                                                            \
  template void compute_gradients<T>(const StepParts<T>&, const Tensor<T>&, const Tensor<T>&, StepBuffers<T>&,   \
                                     StepObserver<T>*);                                                          \
  template std::optional<NonFinite> train_step<T>(const StepParts<T>&, const Tensor<T>&, const Tensor<T>&,       \
                                                  StepBuffers<T>&, StepObserver<T>*);                            \
  template double objective<T>(const StepParts<T>&, const Tensor<T>&, const Tensor<T>&);
NNLAB_STEP(float)
NNLAB_STEP(double)
#undef NNLAB_STEP

}  // namespace nnlab

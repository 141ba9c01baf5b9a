#include "nnlab/regularization.hpp"

#include <cmath>

namespace nnlab {

Regularizer::Regularizer(const Regularization& settings, std::size_t training_samples)
    : settings_(settings),
      l1_scale_(settings.l1 / (settings.l1_per_sample ? double(training_samples) : 1.0)),
      l2_scale_(settings.l2 / (settings.l2_per_sample ? double(training_samples) : 1.0)) {}

bool Regularizer::covers(ParameterKind kind) const {
  switch (kind) {
    case ParameterKind::weight: return true;
    case ParameterKind::bias: return settings_.include_bias;
    case ParameterKind::slope: return false;
    case ParameterKind::batch_norm: return false;
  }
  return false;
}

template <typename T>
double Regularizer::penalty(const std::vector<Parameter<T>*>& parameters, bool with_l1) const {
  double abs_sum = 0, square_sum = 0;
  for (const Parameter<T>* p : parameters) {
    if (!covers(p->kind)) continue;
    for (T w : p->value.values()) {
      abs_sum += std::abs(double(w));
      square_sum += double(w) * double(w);
    }
  }
  return (with_l1 ? l1_scale_ * abs_sum : 0.0) + l2_scale_ * square_sum;
}

template <typename T>
double Regularizer::penalty(const std::vector<Parameter<T>*>& parameters) const {
  return penalty(parameters, true);
}

template <typename T>
double Regularizer::differentiated_penalty(const std::vector<Parameter<T>*>& parameters) const {
  return penalty(parameters, !settings_.l1_proximal);
}

// sign(0) = 0: a weight sitting at zero feels no L1 push, as with numpy's np.sign and PyTorch's torch.sign.
template <typename T>
static T sign(T w) {
  return T((w > 0) - (w < 0));
}

template <typename T>
void Regularizer::add_gradient(const std::vector<Parameter<T>*>& parameters) const {
  if (!active()) return;
  const T l1 = settings_.l1_proximal ? T(0) : T(l1_scale_), two_l2 = T(2 * l2_scale_);
  for (Parameter<T>* p : parameters) {
    if (!covers(p->kind)) continue;
    T* grad = p->grad.data();
    const T* value = p->value.data();
    for (std::size_t i = 0; i < p->value.size(); ++i) grad[i] += l1 * sign(value[i]) + two_l2 * value[i];
  }
}

template <typename T>
void Regularizer::apply_proximal(const std::vector<Parameter<T>*>& parameters, double learning_rate) const {
  if (!settings_.l1_proximal || settings_.l1 == 0) return;
  const T threshold = T(learning_rate * l1_scale_);
  for (Parameter<T>* p : parameters) {
    if (!covers(p->kind)) continue;
    for (T& w : p->value.values()) w = std::abs(w) <= threshold ? T(0) : w - threshold * sign(w);
  }
}

template void Regularizer::apply_proximal<float>(const std::vector<Parameter<float>*>&, double) const;
template void Regularizer::apply_proximal<double>(const std::vector<Parameter<double>*>&, double) const;
template double Regularizer::penalty<float>(const std::vector<Parameter<float>*>&) const;
template double Regularizer::penalty<double>(const std::vector<Parameter<double>*>&) const;
template double Regularizer::differentiated_penalty<float>(const std::vector<Parameter<float>*>&) const;
template double Regularizer::differentiated_penalty<double>(const std::vector<Parameter<double>*>&) const;
template void Regularizer::add_gradient<float>(const std::vector<Parameter<float>*>&) const;
template void Regularizer::add_gradient<double>(const std::vector<Parameter<double>*>&) const;

}  // namespace nnlab

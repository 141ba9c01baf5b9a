#include "nnlab/optimizer.hpp"

namespace nnlab {

template <typename T>
void Sgd<T>::step(const std::vector<Parameter<T>*>& parameters) {
  const T learning_rate = T(settings_.learning_rate), momentum = T(settings_.momentum);
  if (settings_.momentum == 0) {
    for (Parameter<T>* p : parameters)
      for (std::size_t i = 0; i < p->value.size(); ++i) p->value[i] -= learning_rate * p->grad[i];
    return;
  }
  if (velocity_.size() != parameters.size()) {
    velocity_.clear();
    for (Parameter<T>* p : parameters) velocity_.emplace_back(p->value.rows(), p->value.cols());
  }
  for (std::size_t k = 0; k < parameters.size(); ++k) {
    Parameter<T>& p = *parameters[k];
    Tensor<T>& v = velocity_[k];
    for (std::size_t i = 0; i < p.value.size(); ++i) {
      v[i] = momentum * v[i] + p.grad[i];
      const T direction = settings_.nesterov ? p.grad[i] + momentum * v[i] : v[i];
      p.value[i] -= learning_rate * direction;
    }
  }
}

template class Sgd<float>;
template class Sgd<double>;

}  // namespace nnlab

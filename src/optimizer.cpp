#include "nnlab/optimizer.hpp"

namespace nnlab {

template <typename T>
void Sgd<T>::step(const std::vector<Parameter<T>*>& parameters) {
  const T learning_rate = T(settings_.learning_rate), momentum = T(settings_.momentum);
  if (settings_.momentum == 0) {
    for (Parameter<T>* p : parameters) {
      T* w = p->value.data();
      const T* g = p->grad.data();
      for (std::size_t i = 0, n = p->value.size(); i < n; ++i) w[i] -= learning_rate * g[i];
    }
    return;
  }
  if (velocity_.size() != parameters.size()) {
    velocity_.clear();
    for (Parameter<T>* p : parameters) velocity_.emplace_back(p->value.rows(), p->value.cols());
  }
  for (std::size_t k = 0; k < parameters.size(); ++k) {
    T* w = parameters[k]->value.data();
    const T* g = parameters[k]->grad.data();
    T* v = velocity_[k].data();
    const std::size_t n = velocity_[k].size();
    if (settings_.nesterov)
      for (std::size_t i = 0; i < n; ++i) {
        v[i] = momentum * v[i] + g[i];
        w[i] -= learning_rate * (g[i] + momentum * v[i]);
      }
    else
      for (std::size_t i = 0; i < n; ++i) {
        v[i] = momentum * v[i] + g[i];
        w[i] -= learning_rate * v[i];
      }
  }
}

template class Sgd<float>;
template class Sgd<double>;

}  // namespace nnlab

#include "nnlab/dense.hpp"

#include <cmath>

#include "nnlab/gemm.hpp"
#include "nnlab/thread_pool.hpp"

namespace nnlab {
namespace {

// The largest dW and dX run side by side on two threads (backward_linear), each as one chunk: Fashion-MNIST's second
// layer at batch 256 (256 × 256 × 128).
constexpr std::size_t kSideBySideWork = std::size_t(1) << 23;

}  // namespace

template <typename T>
Dense<T>::Dense(std::size_t inputs, std::size_t units, std::unique_ptr<Activation<T>> activation, Init init,
                Rng& rng, const std::string& name, double init_gain, bool batch_norm, double dropout)
    : activation_(std::move(activation)), dropout_(dropout), init_(init) {
  if (batch_norm) batch_norm_.emplace(units, name);
  weight = {name + ".weight", ParameterKind::weight, Tensor<T>(units, inputs), Tensor<T>(units, inputs)};
  bias = {name + ".bias", ParameterKind::bias, Tensor<T>(1, units), Tensor<T>(1, units)};
  const double fan_in = double(inputs), fan_out = double(units);
  for (auto& w : weight.value.values()) {
    switch (init) {
      case Init::zeros: w = 0; break;
      case Init::uniform: w = T(rng.uniform(-1 / std::sqrt(fan_in), 1 / std::sqrt(fan_in))); break;
      case Init::xavier: {
        const double limit = std::sqrt(6 / (fan_in + fan_out));
        w = T(rng.uniform(-limit, limit));
        break;
      }
      case Init::he: w = T(rng.normal(0, std::sqrt(2 / fan_in))); break;
    }
    w = T(double(w) * init_gain);
  }
  if (init == Init::uniform)
    for (auto& b : bias.value.values()) b = T(rng.uniform(-1 / std::sqrt(fan_in), 1 / std::sqrt(fan_in)));
}

template <typename T>
const Tensor<T>& Dense<T>::forward(const Tensor<T>& X, bool training, Rng* dropout_rng) {
  if (!training) {  // evaluation: running statistics, no dropout
    dropped_ = false;
    forward(X, Z_, A_, &workspace_);
    return A_;
  }
  dropped_ = training && dropout_ > 0 && dropout_rng;
  // X·Wᵀ + b is Z, or L with batch normalization (Z = BN(L)); A = f(Z) comes with it where nothing is in between
  const bool f_in_blocks = !batch_norm_ && !dropped_ && !activation_->needs_whole_rows();
  linear_forward(X, batch_norm_ ? L_ : Z_, f_in_blocks ? &A_ : nullptr, &workspace_);
  if (f_in_blocks) return A_;
  if (batch_norm_) batch_norm_->forward(L_, Z_, training);
  if (!dropped_) {
    activation_->forward(Z_, A_);
    return A_;
  }
  activation_->forward(Z_, F_);
  // Inverted dropout: each output kept with probability 1 − p and scaled by 1/(1 − p), so its expectation is f(Z).
  const std::size_t batch = X.rows();
  mask_.resize(batch, units());
  A_.resize(batch, units());
  const T keep_scale = T(1 / (1 - dropout_));
  for (std::size_t i = 0; i < mask_.size(); ++i) {
    mask_[i] = dropout_rng->uniform() < dropout_ ? T(0) : keep_scale;
    A_[i] = F_[i] * mask_[i];
  }
  return A_;
}

template <typename T>
void Dense<T>::forward(const Tensor<T>& X, Tensor<T>& Z, Tensor<T>& A) const {
  forward(X, Z, A, nullptr);
}

template <typename T>
void Dense<T>::forward(const Tensor<T>& X, Tensor<T>& Z, Tensor<T>& A, GemmWorkspace* workspace) const {
  const bool f_in_blocks = !batch_norm_ && !activation_->needs_whole_rows();
  linear_forward(X, Z, f_in_blocks ? &A : nullptr, workspace);
  if (f_in_blocks) return;
  if (batch_norm_) batch_norm_->evaluate_in_place(Z);  // Z = BN(X·Wᵀ + b) with the running statistics
  activation_->forward(Z, A);
}

// linear = X·Wᵀ + b, and A = f(linear) too where A is given (f applies to any block, and nothing comes between it and
// the product). The bias and f go onto each block of the product as the thread that computed it finishes it
// (gemm.hpp), not in passes of their own after it. Packing in `workspace`, or the calling thread's own for a const
// layer.
template <typename T>
void Dense<T>::linear_forward(const Tensor<T>& X, Tensor<T>& linear, Tensor<T>* A, GemmWorkspace* workspace) const {
  const std::size_t batch = X.rows();
  linear.resize(batch, units());
  if (A) A->resize(batch, units());
  auto bias_then_activation = [&](std::size_t row, std::size_t rows, std::size_t col, std::size_t cols) {
    for (std::size_t r = row; r < row + rows; ++r) {
      T* z = linear.row(r);
      for (std::size_t u = col; u < col + cols; ++u) z[u] += bias.value[u];
    }
    if (A) activation_->forward_block(linear, *A, row, rows, col, cols);
  };
  if (workspace)
    gemm(Transpose::no, Transpose::yes, batch, units(), inputs(), T(1), X.data(), inputs(), weight.value.data(),
         inputs(), T(0), linear.data(), units(), *workspace, bias_then_activation);
  else
    gemm(Transpose::no, Transpose::yes, batch, units(), inputs(), T(1), X.data(), inputs(), weight.value.data(),
         inputs(), T(0), linear.data(), units(), bias_then_activation);
}

template <typename T>
const Tensor<T>& Dense<T>::backward_activation(const Tensor<T>& dA) {
  if (!dropped_) {
    activation_->backward(Z_, A_, dA, dZ_);
    return dZ_;
  }
  dF_.resize(dA.rows(), dA.cols());  // dL/df(Z) = dA ⊙ M/(1 − p)
  for (std::size_t i = 0; i < dA.size(); ++i) dF_[i] = dA[i] * mask_[i];
  activation_->backward(Z_, F_, dF_, dZ_);
  return dZ_;
}

template <typename T>
const Tensor<T>& Dense<T>::backward_linear(const Tensor<T>& X, const Tensor<T>& dZ_given, bool need_dX) {
  const std::size_t batch = X.rows();
  if (batch_norm_) batch_norm_->backward(dZ_given, dL_);  // dL/d(X·Wᵀ + b), and γ's and β's gradients
  const Tensor<T>& dZ = batch_norm_ ? dL_ : dZ_given;

  if (!need_dX) {
    dX_.resize(0, 0);
    parameter_gradients(X, dZ);
    return dX_;
  }
  dX_.resize(batch, inputs());
  // dW and dX need the same dZ and nothing of each other, and take the same number of multiply-adds. On two threads,
  // with the pool's thread awake, each runs whole on one of them, side by side (dX, which the layer below waits for,
  // on the calling thread, which claims first): one hand-off instead of the four rounds of two products cut in halves,
  // and neither core reads a packed panel the other wrote. Fashion-MNIST's second layer: 61 µs of a step on two threads
  // became about 30 (docs/performance.md). Only for products of at most kSideBySideWork: each is then one chunk, and a
  // thread parked by the operating system holds up that whole chunk. The bits are those of one thread: a product's
  // never depend on how it is cut (gemm.hpp). On more threads each product is still shared by all of them.
  const std::size_t work = batch * inputs() * units();
  if (max_threads() == 2 && work <= kSideBySideWork && pool_awake() &&
      gemm_threads_for(batch, inputs(), units(), /*awake=*/true) == 2) {
    auto side_by_side = [&](std::size_t chunk) {
      if (chunk == 0)
        input_gradient(dZ);
      else
        parameter_gradients(X, dZ);
    };
    parallel_for(2, 1, side_by_side);
  } else {
    parameter_gradients(X, dZ);
    input_gradient(dZ);
  }
  return dX_;
}

// dW = dZᵀ·X (units, inputs) and db = Σ_rows dZ (1, units).
template <typename T>
void Dense<T>::parameter_gradients(const Tensor<T>& X, const Tensor<T>& dZ) {
  const std::size_t batch = X.rows();
  gemm(Transpose::yes, Transpose::no, units(), inputs(), batch, T(1), dZ.data(), units(), X.data(), inputs(), T(0),
       weight.grad.data(), inputs(), workspace_);
  bias.grad.fill(T(0));
  for (std::size_t r = 0; r < batch; ++r) {
    const T* dz = dZ.row(r);
    for (std::size_t u = 0; u < units(); ++u) bias.grad[u] += dz[u];
  }
}

// dX = dZ·W (batch, inputs), into dX_ as sized by the caller; packed in a workspace of its own whichever way it runs,
// so that the first step sizes it and no later one allocates.
template <typename T>
void Dense<T>::input_gradient(const Tensor<T>& dZ) {
  gemm(Transpose::no, Transpose::no, dZ.rows(), inputs(), units(), T(1), dZ.data(), units(), weight.value.data(),
       inputs(), T(0), dX_.data(), inputs(), input_gradient_workspace_);
}

template <typename T>
std::vector<Parameter<T>*> Dense<T>::parameters() {
  std::vector<Parameter<T>*> result = {&weight, &bias};
  for (Parameter<T>* p : activation_->parameters()) result.push_back(p);
  if (batch_norm_) result.push_back(&batch_norm_->gamma), result.push_back(&batch_norm_->beta);
  return result;
}

template class Dense<float>;
template class Dense<double>;

}  // namespace nnlab

#include "nnlab/losses.hpp"

#include <algorithm>
#include <cmath>

#include "nnlab/errors.hpp"
#include "nnlab/text.hpp"

namespace nnlab {
namespace {

// mse = 1/(n·k) · Σ (a − t)²        over n samples and k outputs (PyTorch's MSELoss, reduction "mean")
// dmse/da = 2·(a − t) / (n·k)
template <typename T>
class MeanSquaredError final : public LossHead<T> {
 public:
  LossKind kind() const override { return LossKind::mse; }
  const Tensor<T>& input(const Tensor<T>&, const Tensor<T>& A) const override { return A; }

  double value(const Tensor<T>& output, const Tensor<T>& target) const override {
    double sum = 0;
    for (std::size_t i = 0; i < output.size(); ++i) {
      const double error = double(output[i]) - double(target[i]);
      sum += error * error;
    }
    return sum / double(output.size());
  }

  void gradient(const Tensor<T>& output, const Tensor<T>& target, Tensor<T>& d_output) const override {
    d_output.resize(output.rows(), output.cols());
    const T scale = T(2) / T(output.size());
    for (std::size_t i = 0; i < output.size(); ++i) d_output[i] = scale * (output[i] - target[i]);
  }

  // dL/dA, then through the last layer's own activation: dL/dZ = f'(Z) ⊙ dL/dA.
  void backward(Dense<T>& last, const Tensor<T>& target, Tensor<T>& d_output, Tensor<T>& d_logits) const override {
    gradient(last.A(), target, d_output);
    last.activation().backward(last.Z(), last.A(), d_output, d_logits);
  }
};

// The fused heads' backward: their gradient already is dL/dZ.
template <typename T, typename Head>
void fused_backward(const Head& head, const Dense<T>& last, const Tensor<T>& target, Tensor<T>& d_output,
                    Tensor<T>& d_logits) {
  head.gradient(last.Z(), target, d_logits);
  d_output.resize(0, 0);
}

// Softmax and negative log-likelihood, fused, on logits z with class index t per row:
//   ce = 1/n · Σ_rows (log Σ_j e^z_j − z_t)        (the log-sum-exp is shifted by max z, so nothing overflows)
//   dce/dz_j = (softmax(z)_j − [j = t]) / n
template <typename T>
class SoftmaxCrossEntropy final : public LossHead<T> {
 public:
  LossKind kind() const override { return LossKind::cross_entropy; }
  std::optional<ActivationKind> fused_activation() const override { return ActivationKind::softmax; }
  const Tensor<T>& input(const Tensor<T>& Z, const Tensor<T>&) const override { return Z; }
  void backward(Dense<T>& last, const Tensor<T>& target, Tensor<T>& d_output, Tensor<T>& d_logits) const override {
    fused_backward(*this, last, target, d_output, d_logits);
  }

  double value(const Tensor<T>& logits, const Tensor<T>& target) const override {
    double sum = 0;
    for (std::size_t r = 0; r < logits.rows(); ++r) {
      const T* z = logits.row(r);
      const double largest = *std::max_element(z, z + logits.cols());
      double exp_sum = 0;
      for (std::size_t c = 0; c < logits.cols(); ++c) exp_sum += std::exp(double(z[c]) - largest);
      sum += largest + std::log(exp_sum) - double(z[class_of(target, r)]);
    }
    return sum / double(logits.rows());
  }

  void gradient(const Tensor<T>& logits, const Tensor<T>& target, Tensor<T>& d_logits) const override {
    d_logits.resize(logits.rows(), logits.cols());
    const T inverse_n = T(1) / T(logits.rows());
    for (std::size_t r = 0; r < logits.rows(); ++r) {
      T* dz = d_logits.row(r);
      stable_softmax(logits.row(r), dz, logits.cols());
      for (std::size_t c = 0; c < logits.cols(); ++c) dz[c] *= inverse_n;
      dz[class_of(target, r)] -= inverse_n;
    }
  }

 private:
  static std::size_t class_of(const Tensor<T>& target, std::size_t row) {
    return static_cast<std::size_t>(target(row, 0));
  }
};

// Sigmoid and binary cross-entropy, fused, on logits z with targets t in [0, 1]: a class 0 or 1, or a probability
// (soft targets, e.g. 0.2/0.8; data.cpp decides how a column is read). The formulas are the same for both:
//   bce = 1/(n·k) · Σ (max(z, 0) − z·t + log(1 + e^−|z|))     (= −t·log σ(z) − (1−t)·log(1−σ(z)), stably)
//   dbce/dz = (σ(z) − t) / (n·k)
template <typename T>
class SigmoidBinaryCrossEntropy final : public LossHead<T> {
 public:
  LossKind kind() const override { return LossKind::binary_cross_entropy; }
  std::optional<ActivationKind> fused_activation() const override { return ActivationKind::sigmoid; }
  const Tensor<T>& input(const Tensor<T>& Z, const Tensor<T>&) const override { return Z; }
  void backward(Dense<T>& last, const Tensor<T>& target, Tensor<T>& d_output, Tensor<T>& d_logits) const override {
    fused_backward(*this, last, target, d_output, d_logits);
  }

  double value(const Tensor<T>& logits, const Tensor<T>& target) const override {
    double sum = 0;
    for (std::size_t i = 0; i < logits.size(); ++i) {
      const double z = logits[i], t = target[i];
      sum += std::max(z, 0.0) - z * t + std::log1p(std::exp(-std::abs(z)));
    }
    return sum / double(logits.size());
  }

  void gradient(const Tensor<T>& logits, const Tensor<T>& target, Tensor<T>& d_logits) const override {
    d_logits.resize(logits.rows(), logits.cols());
    const T inverse_count = T(1) / T(logits.size());
    for (std::size_t i = 0; i < logits.size(); ++i) {
      const T z = logits[i];
      const T sigma = stable_sigmoid(z);
      d_logits[i] = (sigma - target[i]) * inverse_count;
    }
  }
};

}  // namespace

template <typename T>
std::unique_ptr<LossHead<T>> make_loss(LossKind kind) {
  switch (kind) {
    case LossKind::mse: return std::make_unique<MeanSquaredError<T>>();
    case LossKind::cross_entropy: return std::make_unique<SoftmaxCrossEntropy<T>>();
    case LossKind::binary_cross_entropy: return std::make_unique<SigmoidBinaryCrossEntropy<T>>();
  }
  return nullptr;  // unreachable: every LossKind has a head
}

template std::unique_ptr<LossHead<float>> make_loss<float>(LossKind);
template std::unique_ptr<LossHead<double>> make_loss<double>(LossKind);

}  // namespace nnlab

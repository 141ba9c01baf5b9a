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
class MeanSquaredError final : public Loss<T> {
 public:
  std::string_view name() const override { return "mse"; }

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
};

// Softmax and negative log-likelihood, fused, on logits z with class index t per row:
//   ce = 1/n · Σ_rows (log Σ_j e^z_j − z_t)        (the log-sum-exp is shifted by max z, so nothing overflows)
//   dce/dz_j = (softmax(z)_j − [j = t]) / n
template <typename T>
class CrossEntropy final : public Loss<T> {
 public:
  std::string_view name() const override { return "cross_entropy"; }
  std::string_view fused_activation() const override { return "softmax"; }

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
      const T* z = logits.row(r);
      T* dz = d_logits.row(r);
      const T largest = *std::max_element(z, z + logits.cols());
      T exp_sum = 0;
      for (std::size_t c = 0; c < logits.cols(); ++c) exp_sum += dz[c] = std::exp(z[c] - largest);
      for (std::size_t c = 0; c < logits.cols(); ++c) dz[c] = dz[c] / exp_sum * inverse_n;
      dz[class_of(target, r)] -= inverse_n;
    }
  }

 private:
  static std::size_t class_of(const Tensor<T>& target, std::size_t row) {
    return static_cast<std::size_t>(target(row, 0));
  }
};

// Sigmoid and binary cross-entropy, fused, on logits z with targets t in [0, 1]:
//   bce = 1/(n·k) · Σ (max(z, 0) − z·t + log(1 + e^−|z|))     (= −t·log σ(z) − (1−t)·log(1−σ(z)), stably)
//   dbce/dz = (σ(z) − t) / (n·k)
template <typename T>
class BinaryCrossEntropy final : public Loss<T> {
 public:
  std::string_view name() const override { return "binary_cross_entropy"; }
  std::string_view fused_activation() const override { return "sigmoid"; }

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
      const T sigma = z >= 0 ? T(1) / (T(1) + std::exp(-z)) : std::exp(z) / (T(1) + std::exp(z));
      d_logits[i] = (sigma - target[i]) * inverse_count;
    }
  }
};

}  // namespace

std::vector<std::string> loss_names() { return {"mse", "cross_entropy", "binary_cross_entropy"}; }

template <typename T>
std::unique_ptr<Loss<T>> make_loss(std::string_view name, const std::string& where) {
  if (name == "mse") return std::make_unique<MeanSquaredError<T>>();
  if (name == "cross_entropy") return std::make_unique<CrossEntropy<T>>();
  if (name == "binary_cross_entropy") return std::make_unique<BinaryCrossEntropy<T>>();
  throw InputError(where + ": unknown loss \"" + std::string(name) + "\"" + did_you_mean(name, loss_names()) +
                   "; choose one of " + join(loss_names()));
}

template std::unique_ptr<Loss<float>> make_loss<float>(std::string_view, const std::string&);
template std::unique_ptr<Loss<double>> make_loss<double>(std::string_view, const std::string&);

}  // namespace nnlab

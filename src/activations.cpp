// Every activation nnlab knows. An elementwise activation is one small rule: its function f(z) and its derivative
// f'(z), which may use the forward output a = f(z) when that is cheaper. Adding one means a rule here, a line in
// the registry at the bottom of this file, and its kind and name in kinds.hpp / kinds.cpp.
//
// At kinks we follow PyTorch: relu'(0) = 0, leaky_relu'(0) = α, elu'(z ≤ 0) = α·exp(z), prelu'(0) = slope.
#include "nnlab/activations.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <functional>
#include <numbers>

#include "nnlab/errors.hpp"
#include "nnlab/text.hpp"

namespace nnlab {
namespace {


// linear(z) = z                                  linear'(z) = 1
struct Linear {
  template <typename T> T f(T z) const { return z; }
  template <typename T> T df(T, T) const { return T(1); }
};

// relu(z) = max(0, z)                            relu'(z) = 1 if z > 0 else 0
struct Relu {
  template <typename T> T f(T z) const { return z > 0 ? z : T(0); }
  template <typename T> T df(T z, T) const { return z > 0 ? T(1) : T(0); }
};

// leaky_relu(z) = z if z > 0 else α·z            leaky_relu'(z) = 1 if z > 0 else α
struct LeakyRelu {
  double alpha;
  template <typename T> T f(T z) const { return z > 0 ? z : T(alpha) * z; }
  template <typename T> T df(T z, T) const { return z > 0 ? T(1) : T(alpha); }
};

// elu(z) = z if z > 0 else α·(e^z − 1)           elu'(z) = 1 if z > 0 else α·e^z        (Clevert et al. 2015)
struct Elu {
  double alpha;
  template <typename T> T f(T z) const { return z > 0 ? z : T(alpha) * std::expm1(z); }
  template <typename T> T df(T z, T) const { return z > 0 ? T(1) : T(alpha) * std::exp(z); }
};

// sigmoid(z) = 1 / (1 + e^−z)                    sigmoid'(z) = a·(1 − a)
struct Sigmoid {
  template <typename T> T f(T z) const { return stable_sigmoid(z); }
  template <typename T> T df(T, T a) const { return a * (T(1) - a); }
};

// tanh(z) = (e^z − e^−z) / (e^z + e^−z)          tanh'(z) = 1 − a²
struct Tanh {
  template <typename T> T f(T z) const { return std::tanh(z); }
  template <typename T> T df(T, T a) const { return T(1) - a * a; }
};

// gelu(z) = z·Φ(z) = z/2·(1 + erf(z/√2))         gelu'(z) = Φ(z) + z·φ(z)   (exact form, PyTorch's default)
struct Gelu {
  template <typename T> T f(T z) const { return T(0.5) * z * (T(1) + std::erf(z * T(std::numbers::sqrt2 / 2))); }
  template <typename T> T df(T z, T) const {
    const T cdf = T(0.5) * (T(1) + std::erf(z * T(std::numbers::sqrt2 / 2)));
    const T pdf = std::exp(T(-0.5) * z * z) * T(0.5 * std::numbers::inv_sqrtpi * std::numbers::sqrt2);
    return cdf + z * pdf;
  }
};

// softplus(z) = log(1 + e^z) = max(z, 0) + log(1 + e^−|z|)   softplus'(z) = σ(z)
struct Softplus {
  template <typename T> T f(T z) const { return std::max(z, T(0)) + std::log1p(std::exp(-std::abs(z))); }
  template <typename T> T df(T z, T) const { return stable_sigmoid(z); }
};

// silu(z) = z·σ(z)  (a.k.a. swish)               silu'(z) = σ(z)·(1 + z·(1 − σ(z)))
struct Silu {
  template <typename T> T f(T z) const { return z * stable_sigmoid(z); }
  template <typename T> T df(T z, T) const {
    const T s = stable_sigmoid(z);
    return s * (T(1) + z * (T(1) - s));
  }
};

// Applies a rule to every element. The rule is a template argument, so there is no virtual call per element and
// the loops vectorize where the rule allows.
template <typename T, typename Rule>
class Elementwise final : public Activation<T> {
 public:
  Elementwise(ActivationKind kind, Rule rule) : kind_(kind), rule_(rule) {}
  ActivationKind kind() const override { return kind_; }

  void forward(const Tensor<T>& Z, Tensor<T>& A) const override {
    A.resize(Z.rows(), Z.cols());
    forward_block(Z, A, 0, Z.rows(), 0, Z.cols());
  }

  void forward_block(const Tensor<T>& Z, Tensor<T>& A, std::size_t row, std::size_t rows, std::size_t col,
                     std::size_t cols) const override {
    for (std::size_t r = row; r < row + rows; ++r) {
      const T* z = Z.row(r);
      T* a = A.row(r);
      for (std::size_t c = col; c < col + cols; ++c) a[c] = rule_.f(z[c]);
    }
  }

  // dZ = dA ⊙ f'(Z)
  void backward(const Tensor<T>& Z, const Tensor<T>& A, const Tensor<T>& dA, Tensor<T>& dZ) override {
    dZ.resize(Z.rows(), Z.cols());
    const T *z = Z.data(), *a = A.data(), *da = dA.data();
    T* dz = dZ.data();
    for (std::size_t i = 0, n = Z.size(); i < n; ++i) dz[i] = da[i] * rule_.df(z[i], a[i]);
  }

  bool derivative(const Tensor<T>& Z, const Tensor<T>& A, Tensor<T>& dF) const override {
    dF.resize(Z.rows(), Z.cols());
    for (std::size_t i = 0, n = Z.size(); i < n; ++i) dF[i] = rule_.df(Z[i], A[i]);
    return true;
  }

 private:
  ActivationKind kind_;
  Rule rule_;
};

// prelu(z) = z if z > 0 else s·z, with one learnable slope s per unit (He et al. 2015; PyTorch's
// nn.PReLU(num_parameters=units)), so that each unit can find its own way back from the negative side.
//   dL/dz = dL/da · (1 if z > 0 else s)          dL/ds_u = Σ over samples with z_u ≤ 0 of dL/da_u · z_u
template <typename T>
class Prelu final : public Activation<T> {
 public:
  Prelu(double initial_slope, std::size_t units) {
    slope_.name = "slope";
    slope_.kind = ParameterKind::slope;
    slope_.value = Tensor<T>(1, units, T(initial_slope));
    slope_.grad = Tensor<T>(1, units);
  }
  ActivationKind kind() const override { return ActivationKind::prelu; }

  void forward(const Tensor<T>& Z, Tensor<T>& A) const override {
    A.resize(Z.rows(), Z.cols());
    forward_block(Z, A, 0, Z.rows(), 0, Z.cols());
  }

  void forward_block(const Tensor<T>& Z, Tensor<T>& A, std::size_t row, std::size_t rows, std::size_t col,
                     std::size_t cols) const override {
    assert(Z.cols() == slope_.value.cols());
    for (std::size_t r = row; r < row + rows; ++r) {
      const T *z = Z.row(r), *s = slope_.value.data();
      T* a = A.row(r);
      for (std::size_t u = col; u < col + cols; ++u) a[u] = z[u] > 0 ? z[u] : s[u] * z[u];
    }
  }

  void backward(const Tensor<T>& Z, const Tensor<T>&, const Tensor<T>& dA, Tensor<T>& dZ) override {
    dZ.resize(Z.rows(), Z.cols());
    slope_.grad.fill(T(0));
    T* d_slope = slope_.grad.data();
    const T* s = slope_.value.data();
    for (std::size_t r = 0; r < Z.rows(); ++r) {
      const T *z = Z.row(r), *da = dA.row(r);
      T* dz = dZ.row(r);
      for (std::size_t u = 0; u < Z.cols(); ++u) {
        const bool positive = z[u] > 0;
        dz[u] = positive ? da[u] : s[u] * da[u];
        if (!positive) d_slope[u] += da[u] * z[u];
      }
    }
  }

  bool derivative(const Tensor<T>& Z, const Tensor<T>&, Tensor<T>& dF) const override {
    dF.resize(Z.rows(), Z.cols());
    for (std::size_t r = 0; r < Z.rows(); ++r)
      for (std::size_t u = 0; u < Z.cols(); ++u) dF(r, u) = Z(r, u) > 0 ? T(1) : slope_.value[u];
    return true;
  }

  std::vector<Parameter<T>*> parameters() override { return {&slope_}; }

 private:
  Parameter<T> slope_;
};

// softmax(z)_i = e^(z_i − max z) / Σ_j e^(z_j − max z), row by row.
// Its Jacobian is not diagonal: dL/dz_i = a_i · (dL/da_i − Σ_j dL/da_j · a_j).
template <typename T>
class Softmax final : public Activation<T> {
 public:
  ActivationKind kind() const override { return ActivationKind::softmax; }

  void forward(const Tensor<T>& Z, Tensor<T>& A) const override {
    A.resize(Z.rows(), Z.cols());
    forward_block(Z, A, 0, Z.rows(), 0, Z.cols());
  }

  void forward_block(const Tensor<T>& Z, Tensor<T>& A, std::size_t row, std::size_t rows, std::size_t col,
                     std::size_t cols) const override {
    assert(col == 0 && cols == Z.cols());
    for (std::size_t r = row; r < row + rows; ++r) stable_softmax(Z.row(r) + col, A.row(r) + col, cols);
  }
  bool needs_whole_rows() const override { return true; }

  void backward(const Tensor<T>& Z, const Tensor<T>& A, const Tensor<T>& dA, Tensor<T>& dZ) override {
    dZ.resize(Z.rows(), Z.cols());
    for (std::size_t r = 0; r < Z.rows(); ++r) {
      const T *a = A.row(r), *da = dA.row(r);
      T dot = 0;
      for (std::size_t c = 0; c < Z.cols(); ++c) dot += da[c] * a[c];
      T* dz = dZ.row(r);
      for (std::size_t c = 0; c < Z.cols(); ++c) dz[c] = a[c] * (da[c] - dot);
    }
  }

  bool derivative(const Tensor<T>&, const Tensor<T>&, Tensor<T>&) const override { return false; }
};

template <typename T>
using Factory = std::function<std::unique_ptr<Activation<T>>(double alpha, std::size_t units)>;

template <typename T, typename Rule>
Factory<T> elementwise(ActivationKind kind) {
  return [kind](double, std::size_t) { return std::make_unique<Elementwise<T, Rule>>(kind, Rule{}); };
}
template <typename T, typename Rule>
Factory<T> elementwise_with_alpha(ActivationKind kind) {
  return [kind](double alpha, std::size_t) { return std::make_unique<Elementwise<T, Rule>>(kind, Rule{alpha}); };
}

struct Entry {
  ActivationInfo info;
  Factory<float> make_float;
  Factory<double> make_double;
};

template <typename T> Factory<T> linear() { return elementwise<T, Linear>(ActivationKind::linear); }
template <typename T> Factory<T> relu() { return elementwise<T, Relu>(ActivationKind::relu); }
template <typename T> Factory<T> leaky_relu() {
  return elementwise_with_alpha<T, LeakyRelu>(ActivationKind::leaky_relu);
}
template <typename T> Factory<T> prelu() {
  return [](double a, std::size_t units) { return std::make_unique<Prelu<T>>(a, units); };
}
template <typename T> Factory<T> elu() { return elementwise_with_alpha<T, Elu>(ActivationKind::elu); }
template <typename T> Factory<T> sigmoid() { return elementwise<T, Sigmoid>(ActivationKind::sigmoid); }
template <typename T> Factory<T> tanh_() { return elementwise<T, Tanh>(ActivationKind::tanh); }
template <typename T> Factory<T> softmax() {
  return [](double, std::size_t) { return std::make_unique<Softmax<T>>(); };
}
template <typename T> Factory<T> gelu() { return elementwise<T, Gelu>(ActivationKind::gelu); }
template <typename T> Factory<T> softplus() { return elementwise<T, Softplus>(ActivationKind::softplus); }
template <typename T> Factory<T> silu() { return elementwise<T, Silu>(ActivationKind::silu); }

constexpr auto kRectifier = ActivationFamily::rectifier;
constexpr auto kSaturating = ActivationFamily::saturating;

// The registry: one line per activation.
const std::vector<Entry>& registry() {
  static const std::vector<Entry> entries = {
      {{ActivationKind::linear, "z", {}}, linear<float>(), linear<double>()},
      {{ActivationKind::relu, "max(0, z)", {}, kRectifier}, relu<float>(), relu<double>()},
      {{ActivationKind::leaky_relu, "z if z > 0 else alpha*z", 0.01, kRectifier}, leaky_relu<float>(),
       leaky_relu<double>()},
      {{ActivationKind::prelu, "z if z > 0 else s*z, s learned per unit (starts at alpha)", 0.25, kRectifier},
       prelu<float>(), prelu<double>()},
      {{ActivationKind::elu, "z if z > 0 else alpha*(exp(z) - 1)", 1.0, kRectifier}, elu<float>(), elu<double>()},
      {{ActivationKind::sigmoid, "1 / (1 + exp(-z))", {}, kSaturating, 0, 1}, sigmoid<float>(),
       sigmoid<double>()},
      {{ActivationKind::tanh, "tanh(z)", {}, kSaturating, -1, 1}, tanh_<float>(), tanh_<double>()},
      {{ActivationKind::softmax, "exp(z_i) / sum_j exp(z_j), per row", {}}, softmax<float>(),
       softmax<double>()},
      {{ActivationKind::gelu, "z * Phi(z)", {}}, gelu<float>(), gelu<double>()},
      {{ActivationKind::softplus, "log(1 + exp(z))", {}}, softplus<float>(), softplus<double>()},
      {{ActivationKind::silu, "z * sigmoid(z)", {}}, silu<float>(), silu<double>()},
  };
  return entries;
}

}  // namespace

const std::vector<ActivationInfo>& activation_catalog() {
  static const std::vector<ActivationInfo> catalog = [] {
    std::vector<ActivationInfo> infos;
    for (const auto& entry : registry()) infos.push_back(entry.info);
    return infos;
  }();
  return catalog;
}

const ActivationInfo& activation_info(ActivationKind kind) {
  const auto& entries = registry();
  assert(entries[std::size_t(kind)].info.kind == kind);  // the registry lists the kinds in their enum's order
  return entries[std::size_t(kind)].info;
}

template <typename T>
std::unique_ptr<Activation<T>> make_activation(const ActivationSpec& spec, const std::string& where,
                                               std::size_t units) {
  const Entry& entry = registry()[std::size_t(spec.kind)];
  if (spec.alpha && !entry.info.default_alpha)
    throw InputError(where + ": activation \"" + name_of(spec.kind) + "\" takes no alpha");
  const double alpha = spec.alpha.value_or(entry.info.default_alpha.value_or(0.0));
  if constexpr (std::is_same_v<T, float>)
    return entry.make_float(alpha, units);
  else
    return entry.make_double(alpha, units);
}

template std::unique_ptr<Activation<float>> make_activation<float>(const ActivationSpec&, const std::string&,
                                                                   std::size_t);
template std::unique_ptr<Activation<double>> make_activation<double>(const ActivationSpec&, const std::string&,
                                                                     std::size_t);

}  // namespace nnlab

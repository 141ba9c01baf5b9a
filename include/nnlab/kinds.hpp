// Kinds: the choices a config names (loss, activation, dtype, init, schedule, normalization). Each is parsed once,
// at the config's edge (config.cpp, model_io.cpp, flags), into an enum; below that, code compares enums, never
// names. Each kind has one name table (kinds.cpp): parsing, the error that lists the valid names, saving and
// printing all read it, so a name is spelt in exactly one place.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nnlab {

// The loss head on top of the last layer (losses.hpp).
enum class LossKind { mse, cross_entropy, binary_cross_entropy };

// A layer's activation f in A = f(Z) (activations.hpp has each one's formula and derivative).
enum class ActivationKind { linear, relu, leaky_relu, prelu, elu, sigmoid, tanh, softmax, gelu, softplus, silu };

// The precision of all training arithmetic (training.dtype).
enum class DType { float32, float64 };

// How weights start. Biases start at zero except with `uniform`.
enum class Init {
  zeros,    // W = 0
  uniform,  // W, b ~ U(-1/√inputs, 1/√inputs)            (PyTorch's nn.Linear default)
  xavier,   // W ~ U(-√(6/(inputs+units)), +√(6/(inputs+units)))   (Glorot & Bengio 2010)
  he,       // W ~ N(0, √(2/inputs))                          (He et al. 2015, for ReLU)
};

// The learning rate's schedule over epochs (schedule.hpp has the formulas).
enum class ScheduleKind { constant, step, exponential, cosine };

// How inputs (data.normalize) or a regression target (data.normalize_target) are scaled: x' = (x − shift)·scale.
enum class NormalizationKind { none, standard, minmax };

// The name a config, a flag or a model file uses for a kind ("cross_entropy", "float64", ...).
template <typename Kind>
const std::string& name_of(Kind kind);

// Every accepted name of a kind, in table order (aliases after the names they stand for).
template <typename Kind>
const std::vector<std::string>& kind_names();

// The kind a name stands for; nullopt when it names none.
template <typename Kind>
std::optional<Kind> parse_kind(std::string_view name);

// The same, or an InputError naming `where` (a config key or a flag), the nearest valid name and all of them:
// `loss: unknown loss "cross_entropi" (did you mean "cross_entropy"?); choose one of mse, cross_entropy, ...`
template <typename Kind>
Kind kind_from(std::string_view name, const std::string& where);

// "float32 or float64"; "one of mse, cross_entropy, binary_cross_entropy"
template <typename Kind>
std::string kind_choices();

// The losses whose targets are classes (or probabilities): accuracy is reported for them.
inline bool is_classification(LossKind loss) { return loss != LossKind::mse; }

}  // namespace nnlab

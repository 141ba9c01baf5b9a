// One name table per kind: the only place a kind's names are spelt.
#include "nnlab/kinds.hpp"

#include <utility>

#include "nnlab/errors.hpp"
#include "nnlab/text.hpp"

namespace nnlab {
namespace {

template <typename Kind>
struct Table;  // noun: what the kind is called in messages; names: (kind, name), aliases after the names

template <>
struct Table<LossKind> {
  static constexpr const char* noun = "loss";
  static inline const std::vector<std::pair<LossKind, std::string>> names = {
      {LossKind::mse, "mse"}, {LossKind::cross_entropy, "cross_entropy"},
      {LossKind::binary_cross_entropy, "binary_cross_entropy"}};
};

template <>
struct Table<ActivationKind> {
  static constexpr const char* noun = "activation";
  static inline const std::vector<std::pair<ActivationKind, std::string>> names = {
      {ActivationKind::linear, "linear"},     {ActivationKind::relu, "relu"},
      {ActivationKind::leaky_relu, "leaky_relu"}, {ActivationKind::prelu, "prelu"},
      {ActivationKind::elu, "elu"},           {ActivationKind::sigmoid, "sigmoid"},
      {ActivationKind::tanh, "tanh"},         {ActivationKind::softmax, "softmax"},
      {ActivationKind::gelu, "gelu"},         {ActivationKind::softplus, "softplus"},
      {ActivationKind::silu, "silu"},         {ActivationKind::linear, "identity"}};  // identity: an alias
};

template <>
struct Table<DType> {
  static constexpr const char* noun = "dtype";
  static inline const std::vector<std::pair<DType, std::string>> names = {{DType::float32, "float32"},
                                                                          {DType::float64, "float64"}};
};

template <>
struct Table<Init> {
  static constexpr const char* noun = "init";
  static inline const std::vector<std::pair<Init, std::string>> names = {
      {Init::zeros, "zeros"}, {Init::uniform, "uniform"}, {Init::xavier, "xavier"}, {Init::he, "he"}};
};

template <>
struct Table<ScheduleKind> {
  static constexpr const char* noun = "schedule";
  static inline const std::vector<std::pair<ScheduleKind, std::string>> names = {
      {ScheduleKind::constant, "constant"}, {ScheduleKind::step, "step"},
      {ScheduleKind::exponential, "exponential"}, {ScheduleKind::cosine, "cosine"}};
};

template <>
struct Table<NormalizationKind> {
  static constexpr const char* noun = "normalization";
  static inline const std::vector<std::pair<NormalizationKind, std::string>> names = {
      {NormalizationKind::none, "none"}, {NormalizationKind::standard, "standard"},
      {NormalizationKind::minmax, "minmax"}};
};

}  // namespace

template <typename Kind>
const std::string& name_of(Kind kind) {
  for (const auto& [candidate, name] : Table<Kind>::names)
    if (candidate == kind) return name;
  static const std::string unknown = "?";  // unreachable: every enumerator has a row
  return unknown;
}

template <typename Kind>
const std::vector<std::string>& kind_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> list;
    for (const auto& [kind, name] : Table<Kind>::names) list.push_back(name);
    return list;
  }();
  return names;
}

template <typename Kind>
std::optional<Kind> parse_kind(std::string_view name) {
  for (const auto& [kind, candidate] : Table<Kind>::names)
    if (candidate == name) return kind;
  return std::nullopt;
}

template <typename Kind>
std::string kind_choices() {
  const auto& names = kind_names<Kind>();
  if (names.size() == 2) return names[0] + " or " + names[1];
  return "one of " + join(names);
}

template <typename Kind>
Kind kind_from(std::string_view name, const std::string& where) {
  if (const auto kind = parse_kind<Kind>(name)) return *kind;
  throw ConfigError(where, where + ": unknown " + Table<Kind>::noun + " \"" + std::string(name) + "\"" +
                   did_you_mean(name, kind_names<Kind>()) + "; choose " + kind_choices<Kind>());
}

#define NNLAB_KIND(Kind)                                                          \
  template const std::string& name_of<Kind>(Kind);                                \
  template const std::vector<std::string>& kind_names<Kind>();                    \
  template std::optional<Kind> parse_kind<Kind>(std::string_view);                \
  template std::string kind_choices<Kind>();                                      \
  template Kind kind_from<Kind>(std::string_view, const std::string&);
NNLAB_KIND(LossKind)
NNLAB_KIND(ActivationKind)
NNLAB_KIND(DType)
NNLAB_KIND(Init)
NNLAB_KIND(ScheduleKind)
NNLAB_KIND(NormalizationKind)
#undef NNLAB_KIND

}  // namespace nnlab

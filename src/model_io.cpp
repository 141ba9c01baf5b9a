#include "nnlab/model_io.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>

#include "json_text.hpp"
#include "nnlab/files.hpp"
#include "nnlab/errors.hpp"
#include "nnlab/text.hpp"

namespace nnlab {
namespace {

using nlohmann::json;

// Saved numbers into a tensor of the same shape, in the network's precision.
template <typename T>
void copy_saved(const SavedTensor& saved, Tensor<T>& t) {
  std::transform(saved.values.begin(), saved.values.end(), t.data(), [](double x) { return T(x); });
}

template <typename T>
std::vector<Tensor<T>> to_tensors(const std::vector<SavedTensor>& saved) {
  std::vector<Tensor<T>> tensors;
  for (const auto& s : saved) copy_saved(s, tensors.emplace_back(s.rows, s.cols));
  return tensors;
}

// Reading with errors that name the file and the JSON path.
struct Reader {
  std::string file;

  [[noreturn]] void fail(const std::string& path, const std::string& what) const {
    throw InputError(file + ": " + path + ": " + what);
  }
  const json& at(const json& object, const std::string& key, const std::string& path) const {
    if (!object.is_object() || !object.contains(key)) fail(path, "missing key \"" + key + "\"");
    return object.at(key);
  }
  std::string text(const json& v, const std::string& path) const {
    if (!v.is_string()) fail(path, "must be a string");
    return v.get<std::string>();
  }
  // `object`.kind, one of the normalization names.
  NormalizationKind normalization(const json& object, const std::string& path) const {
    const std::string name = text(at(object, "kind", path), path + ".kind");
    const auto kind = parse_kind<NormalizationKind>(name);
    if (!kind) fail(path + ".kind", "unknown normalization \"" + name + "\"; " + kind_choices<NormalizationKind>());
    return *kind;
  }
  std::size_t count(const json& v, const std::string& path) const {
    if (!v.is_number_unsigned()) fail(path, "must be a whole number");
    return v.get<std::size_t>();
  }
  std::vector<std::string> texts(const json& v, const std::string& path) const {
    if (!v.is_array()) fail(path, "must be a list");
    std::vector<std::string> out;
    for (std::size_t i = 0; i < v.size(); ++i) out.push_back(text(v[i], path + "[" + std::to_string(i) + "]"));
    return out;
  }
  std::vector<double> numbers(const json& v, const std::string& path) const {
    if (!v.is_array()) fail(path, "must be a list of numbers");
    std::vector<double> out;
    for (const auto& x : v) {
      if (!x.is_number()) fail(path, "must be a list of numbers");
      out.push_back(x.get<double>());
    }
    return out;
  }
  // A (rows × cols) matrix given as a list of rows.
  SavedTensor matrix(const json& v, const std::string& path, std::size_t rows, std::size_t cols) const {
    if (!v.is_array() || v.size() != rows)
      fail(path, "must have " + std::to_string(rows) + " rows" +
                     (v.is_array() ? ", found " + std::to_string(v.size()) : ""));
    SavedTensor t{path, rows, cols, {}};
    for (std::size_t r = 0; r < rows; ++r) {
      const auto row = numbers(v[r], path + "[" + std::to_string(r) + "]");
      if (row.size() != cols)
        fail(path + "[" + std::to_string(r) + "]", "must have " + std::to_string(cols) + " columns, found " +
                                                       std::to_string(row.size()));
      t.values.insert(t.values.end(), row.begin(), row.end());
    }
    return t;
  }
  // One tensor per parameter, shaped like it, from an object keyed by parameter name.
  std::vector<SavedTensor> named_tensors(const json& v, const std::string& path,
                                         const std::vector<SavedTensor>& parameters) const {
    if (!v.is_object()) fail(path, "must be an object keyed by parameter name");
    std::vector<SavedTensor> out;
    for (const auto& p : parameters) {
      if (!v.contains(p.name)) fail(path, "missing \"" + p.name + "\"");
      out.push_back(matrix(v[p.name], path + "." + p.name, p.rows, p.cols));
    }
    return out;
  }
};

// Every number of a float32 model must fit a float (a weight of 1e300 would load as infinity and be reported later
// as divergence); `path` names the tensor, the message the element.
void check_range(const Reader& in, const SavedTensor& t, DType dtype) {
  if (dtype != DType::float32) return;
  constexpr double kLargest = std::numeric_limits<float>::max();
  for (std::size_t k = 0; k < t.values.size(); ++k)
    if (std::abs(t.values[k]) > kLargest)
      in.fail(t.name + (t.rows > 1 || t.name.ends_with("weight") ? "[" + std::to_string(k / t.cols) + "]" : "") + "[" +
                  std::to_string(k % t.cols) + "]",
              round_trip(t.values[k]) + " is out of range for float32 (largest " + round_trip(kLargest) + ")");
}

// The last layer against the loss: its activation the fused head's, its units the targets'.
void check_output_layer(const Reader& in, const SavedModel& model) {
  const std::string last_layer = "layers[" + std::to_string(model.layers.size() - 1) + "]";
  const LayerSpec& output = model.layers.back();
  const std::size_t units = output.units;
  const std::optional<ActivationKind> fused = make_loss<double>(model.loss)->fused_activation();
  if (fused && output.activation.kind != *fused)
    in.fail(last_layer + ".activation", "loss \"" + name_of(model.loss) + "\" needs the last layer's activation to be \"" +
                                            name_of(*fused) + "\", found \"" + name_of(output.activation.kind) + "\"");
  if (model.loss == LossKind::cross_entropy && units < 2)
    in.fail(last_layer + ".units", "cross_entropy needs one output unit per class (at least 2), found " +
                                       std::to_string(units));
  if (model.loss == LossKind::binary_cross_entropy && units != 1)
    in.fail(last_layer + ".units", "binary_cross_entropy needs 1 output unit, found " + std::to_string(units));
  if (model.loss == LossKind::mse && units != 1)
    in.fail(last_layer + ".units", "mse fits the one target column with 1 output unit, found " + std::to_string(units));
}

// One class name per output unit (2 for one sigmoid output; none for regression or probabilities), no name twice.
void check_class_names(const Reader& in, const SavedModel& model) {
  const std::size_t units = model.layers.back().units, classes = model.schema.class_names.size();
  const std::size_t wanted_classes = model.loss == LossKind::cross_entropy          ? units
                                     : model.loss == LossKind::binary_cross_entropy ? 2
                                                                                    : 0;
  // binary_cross_entropy has 2 class names, or none when it was trained on probabilities (soft targets).
  if (classes != wanted_classes && !(model.loss == LossKind::binary_cross_entropy && classes == 0))
    in.fail("data.class_names", wanted_classes == 0
                                    ? "a model trained with " + name_of(model.loss) + " predicts numbers and has no classes, " +
                                          "found " + std::to_string(classes) + " names"
                                    : "loss " + name_of(model.loss) + " with " + std::to_string(units) + " output unit" +
                                          (units == 1 ? "" : "s") + " needs " + std::to_string(wanted_classes) +
                                          " class names" +
                                          (model.loss == LossKind::binary_cross_entropy ? " (or none, for probabilities)" : "") +
                                          ", found " + std::to_string(classes));
  for (std::size_t i = 0; i < classes; ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (model.schema.class_names[i] == model.schema.class_names[j])
        in.fail("data.class_names[" + std::to_string(i) + "]",
                "\"" + model.schema.class_names[i] + "\" appears twice (also at [" + std::to_string(j) + "])");
}

// The inputs' normalization has one shift and scale per input; the target's, one each for an mse model only.
void check_normalizations(const Reader& in, const SavedModel& model) {
  const Normalization& normalization = model.schema.normalization;
  const std::size_t wanted = normalization.kind == NormalizationKind::none ? 0 : model.inputs;
  for (const auto& [name, values] :
       {std::pair{"shift", &normalization.shift}, std::pair{"scale", &normalization.scale}}) {
    const std::string at = std::string("data.normalization.") + name;
    if (values->size() != wanted)
      in.fail(at, normalization.kind == NormalizationKind::none
                      ? "must be empty for kind \"none\", found " + std::to_string(values->size()) + " values"
                      : "needs one value per input (" + std::to_string(wanted) + "), found " +
                            std::to_string(values->size()));
    check_range(in, SavedTensor{at, 1, values->size(), *values}, model.dtype);
  }
  const Normalization& target = model.schema.target_normalization;
  if (target.kind != NormalizationKind::none && model.loss != LossKind::mse)
    in.fail("data.target_normalization.kind",
            "only an mse model has a normalized target, this one is " + name_of(model.loss));
  const std::size_t targets = target.kind == NormalizationKind::none ? 0 : 1;
  for (const auto& [name, values] : {std::pair{"shift", &target.shift}, std::pair{"scale", &target.scale}}) {
    const std::string at = std::string("data.target_normalization.") + name;
    if (values->size() != targets)
      in.fail(at, "needs " + std::to_string(targets) + " value" + (targets == 1 ? "" : "s") + " for kind \"" +
                      name_of(target.kind) + "\", found " + std::to_string(values->size()));
    for (double v : *values)
      if (!std::isfinite(v) || (name == std::string("scale") && v == 0))
        in.fail(at, "must hold finite numbers" + std::string(name == std::string("scale") ? " other than 0" : ""));
  }
}

// The fields of a model file must agree with each other before anything uses them: the loss with the last layer,
// the class names with the output units, the normalization with the inputs, every number with the dtype. Fails
// with the JSON path of the first field that disagrees (shapes of the weights were checked while reading).
void check_fields_agree(const Reader& in, const SavedModel& model) {
  check_output_layer(in, model);
  check_class_names(in, model);
  check_normalizations(in, model);
  for (const auto* tensors : {&model.parameters, &model.velocity, &model.best_values, &model.best_running})
    for (const SavedTensor& t : *tensors) check_range(in, t, model.dtype);
}

}  // namespace

namespace {

// Numbers and tensors written straight into the file as JSON, so that saving needs no copy of the model in memory
// (a model that trained under a memory limit must not fail to save for lack of it). Every value is written as the
// shortest decimal that reads back to the same double (so a float model reloads to the same floats); a number that
// is not finite has no JSON form and is written as null, which the loader refuses.
void write_number(std::ostream& out, double value) {
  if (std::isfinite(value))
    out << round_trip(value);
  else
    out << "null";
}

template <typename T>
void write_row(std::ostream& out, const T* values, std::size_t count) {
  out << '[';
  for (std::size_t i = 0; i < count; ++i) {
    if (i) out << ',';
    write_number(out, double(values[i]));
  }
  out << ']';
}

// A (rows × cols) tensor as a list of rows.
template <typename T>
void write_matrix(std::ostream& out, const Tensor<T>& t) {
  out << '[';
  for (std::size_t r = 0; r < t.rows(); ++r) {
    if (r) out << ',';
    write_row(out, t.row(r), t.cols());
  }
  out << ']';
}

// Per-parameter tensors (momentum, best weights) as an object keyed by the parameter's name.
template <typename T>
void write_named_tensors(std::ostream& out, const std::vector<Parameter<T>*>& parameters,
                         const std::vector<Tensor<T>>& tensors) {
  out << '{';
  for (std::size_t k = 0; k < tensors.size() && k < parameters.size(); ++k) {
    if (k) out << ',';
    out << json(parameters[k]->name).dump() << ':';
    write_matrix(out, tensors[k]);
  }
  out << '}';
}

// One layer: its activation (and alpha, where the config gave one), batch normalization, bias, dropout, PReLU's
// slopes, units and weight, keys in alphabetical order.
template <typename T>
void write_layer(std::ostream& out, Dense<T>& layer, const std::optional<double>& alpha) {
  out << "{\"activation\":" << json(name_of(layer.activation().kind())).dump();
  if (alpha) out << ",\"alpha\":" << json(*alpha).dump();
  if (const BatchNorm<T>* bn = layer.batch_norm()) {
    out << ",\"batch_norm\":{\"beta\":";
    write_row(out, bn->beta.value.data(), bn->beta.value.size());
    out << ",\"gamma\":";
    write_row(out, bn->gamma.value.data(), bn->gamma.value.size());
    out << ",\"running_mean\":";
    write_row(out, bn->running_mean.data(), bn->running_mean.size());
    out << ",\"running_var\":";
    write_row(out, bn->running_var.data(), bn->running_var.size());
    out << '}';
  }
  out << ",\"bias\":";
  write_row(out, layer.bias.value.data(), layer.bias.value.size());
  if (layer.dropout() > 0) out << ",\"dropout\":" << json(layer.dropout()).dump();
  for (const Parameter<T>* p : layer.parameters())
    if (p->kind == ParameterKind::slope) {
      out << ",\"slope\":";
      write_row(out, p->value.data(), p->value.size());
    }
  out << ",\"units\":" << layer.units() << ",\"weight\":";
  write_matrix(out, layer.weight.value);
  out << '}';
}

// training.early_stopping: the best epoch, its validation loss, weights and batch normalization's running statistics.
template <typename T>
void write_early_stopping(std::ostream& out, const EarlyStoppingState<T>& best,
                          const std::vector<Parameter<T>*>& parameters) {
  out << ",\"early_stopping\":{\"best_epoch\":" << best.best_epoch << ",\"best_validation_loss\":";
  write_number(out, best.best_loss);
  out << ",\"best_weights\":";
  write_named_tensors(out, parameters, best.best_values);
  if (!best.best_running.empty()) {  // batch normalization's running statistics, in the order of `running`
    out << ",\"best_running\":[";
    for (std::size_t k = 0; k < best.best_running.size(); ++k) {
      if (k) out << ',';
      write_row(out, best.best_running[k].data(), best.best_running[k].size());
    }
    out << ']';
  }
  out << '}';
}

// The keys in alphabetical order, as nlohmann::json writes an object (files stay comparable with older saves).
template <typename T>
void write_model(std::ostream& out, Trainer<T>& trainer) {
  Network<T>& network = trainer.network();
  const DataSchema& schema = trainer.data().schema;
  const json data = {{"features", schema.features},
                     {"target", schema.target},
                     {"class_names", schema.class_names},
                     {"normalization",
                      {{"kind", name_of(schema.normalization.kind)},
                       {"shift", schema.normalization.shift},
                       {"scale", schema.normalization.scale}}},
                     {"target_normalization",
                      {{"kind", name_of(schema.target_normalization.kind)},
                       {"shift", schema.target_normalization.shift},
                       {"scale", schema.target_normalization.scale}}}};
  out << "{\"config\":" << json::parse(config_to_json(trainer.config())).dump() << ",\n\"data\":" << data.dump()
      << ",\n\"dtype\":" << json(name_of(trainer.config().dtype)).dump() << ",\"format\":\"nnlab-model\",\"inputs\":"
      << network.inputs() << ",\n\"layers\":[";
  for (std::size_t i = 0; i < network.layer_count(); ++i) {
    out << (i ? ",\n" : "");
    write_layer(out, network.layer(i), trainer.config().layers[i].activation.alpha);
  }
  out << "],\n\"loss\":" << json(name_of(trainer.config().loss)).dump() << ",\n\"training\":{\"batches_done\":"
      << trainer.batches_done();
  const auto parameters = network.parameters();
  if (trainer.early_stopping().best_epoch > 0) write_early_stopping(out, trainer.early_stopping(), parameters);
  out << ",\"epochs_done\":" << trainer.epochs_done() << ",\"velocity\":";
  write_named_tensors(out, parameters, trainer.optimizer().velocity());
  out << "},\n\"version\":" << kModelFormatVersion << "}\n";
}

}  // namespace

template <typename T>
FileIdentity save_model(const std::filesystem::path& path, Trainer<T>& trainer) {
  return replace_file(path, "model file", [&](std::ostream& out) { write_model(out, trainer); });
}

template <typename T>
SaveOutcome save_model_or_rescue(const std::filesystem::path& path, Trainer<T>& trainer) {
  try {
    return {path, "", save_model(path, trainer)};
  } catch (const TrainingError& first) {
    std::error_code error;
    const auto rescue = std::filesystem::temp_directory_path(error) / ("nnlab-rescued-" + path.filename().string());
    FileIdentity written;
    try {
      written = save_model(rescue, trainer);
    } catch (const TrainingError& second) {
      throw TrainingError(std::string(first.what()) + "; saving to " + rescue.string() + " failed too: " +
                          second.what());
    }
    return {rescue, first.what(), written};
  }
}

SavedModel load_model(const std::filesystem::path& path) {
  return parse_model(read_text_file(path, "model file"), path.string());
}

namespace {

// A training config given where a model file belongs (`predict --model configs/xor.json`): the message says which
// file --model wants, not which key is missing.
InputError config_not_model(const std::string& source) {
  return InputError(source + " is a training config, not a model file: --model takes a file saved by nnlab train " +
                    "--save (e.g. nnlab train " + source + " --save model.json)");
}

bool looks_like_config(const json& root) {
  return root.is_object() && !root.contains("format") && (root.contains("model") || root.contains("data"));
}

// The file's JSON: refuses a training config given where a model file belongs, and anything without the model
// format's mark.
json model_json(const std::string& text, const std::string& source) {
  json root;
  try {
    root = parse_json_text(text, source);
  } catch (const InputError&) {  // a config may hold comments, which a model file never has
    bool config = false;
    try {
      config = looks_like_config(parse_json_text(text, source, /*comments=*/true));
    } catch (const InputError&) {
    }
    if (config) throw config_not_model(source);
    throw;
  }
  if (looks_like_config(root)) throw config_not_model(source);
  const json* format = root.is_object() && root.contains("format") ? &root["format"] : nullptr;
  if (!format || !format->is_string() || *format != "nnlab-model")
    throw InputError(source + ": not an nnlab model file (no \"format\": \"nnlab-model\")");
  return root;
}

// The file's format version, one this nnlab reads.
std::size_t read_version(const Reader& in, const json& root) {
  const std::size_t version = in.count(in.at(root, "version", "version"), "version");
  if (version < 1 || version > kModelFormatVersion)
    throw InputError(in.file + ": version: the file has format version " + std::to_string(version) +
                     ", this nnlab reads versions 1 to " + std::to_string(kModelFormatVersion));
  return version;
}

// dtype, inputs and loss.
void read_header(const Reader& in, const json& root, SavedModel& model) {
  const auto dtype = parse_kind<DType>(in.text(in.at(root, "dtype", "dtype"), "dtype"));
  if (!dtype) in.fail("dtype", "must be " + kind_choices<DType>());
  model.dtype = *dtype;
  model.inputs = in.count(in.at(root, "inputs", "inputs"), "inputs");
  if (model.inputs == 0) in.fail("inputs", "must be at least 1");
  model.loss = kind_from<LossKind>(in.text(in.at(root, "loss", "loss"), "loss"), in.file + ": loss");
}

// A layer's activation and alpha (`at`: "layers[i]"), checked as the network will build it.
ActivationSpec read_activation(const Reader& in, const json& l, const std::string& at, std::size_t units) {
  ActivationSpec activation;
  const std::string name = in.text(in.at(l, "activation", at), at + ".activation");
  activation.kind = kind_from<ActivationKind>(name, in.file + ": " + at + ".activation");
  if (l.contains("alpha")) {
    if (!l["alpha"].is_number()) in.fail(at + ".alpha", "must be a number");
    activation.alpha = l["alpha"].get<double>();
  }
  make_activation<double>(activation, in.file + ": " + at + ".activation", units);  // alpha where it takes none
  return activation;
}

// The (1, units) row `key` of a layer, e.g. its bias; `wanted` says how many values it needs, for the message.
SavedTensor read_row(const Reader& in, const json& object, const std::string& where, const std::string& key,
                     std::size_t units, const std::string& wanted) {
  SavedTensor row{where + "." + key, 1, units, in.numbers(in.at(object, key, where), where + "." + key)};
  if (row.values.size() != units)
    in.fail(where + "." + key, wanted + ", found " + std::to_string(row.values.size()));
  return row;
}

// A layer's batch normalization: γ and β into the parameters, its running statistics into model.running.
void read_batch_norm(const Reader& in, const json& bn, const std::string& at, std::size_t units, SavedModel& model) {
  const std::string where = at + ".batch_norm";
  if (!bn.is_object()) in.fail(where, "must be an object with gamma, beta, running_mean and running_var");
  for (const char* name : {"gamma", "beta", "running_mean", "running_var"}) {
    SavedTensor t = read_row(in, bn, where, name, units, "needs one value per unit (" + std::to_string(units) + ")");
    t.name = at + "." + name;
    (std::string(name).starts_with("running") ? model.running : model.parameters).push_back(t);
  }
}

// One layer (`at`: "layers[i]", taking `fan_in` inputs): its description into model.layers, its tensors into
// model.parameters in Network::parameters() order (weight, bias, slope, γ, β).
void read_layer(const Reader& in, const json& l, const std::string& at, std::size_t fan_in, SavedModel& model) {
  LayerSpec spec;
  spec.units = in.count(in.at(l, "units", at), at + ".units");
  if (spec.units == 0) in.fail(at + ".units", "must be at least 1");
  spec.activation = read_activation(in, l, at, spec.units);
  model.parameters.push_back(in.matrix(in.at(l, "weight", at), at + ".weight", spec.units, fan_in));
  model.parameters.push_back(
      read_row(in, l, at, "bias", spec.units, "must have " + std::to_string(spec.units) + " values"));
  if (spec.activation.kind == ActivationKind::prelu)
    model.parameters.push_back(read_row(in, l, at, "slope", spec.units,
                                        "must have one slope per unit (" + std::to_string(spec.units) + ")"));
  if (l.contains("batch_norm")) {
    read_batch_norm(in, l["batch_norm"], at, spec.units, model);
    spec.batch_norm = true;
  }
  if (l.contains("dropout")) {
    if (!l["dropout"].is_number() || l["dropout"].get<double>() < 0 || l["dropout"].get<double>() >= 1)
      in.fail(at + ".dropout", "must be a number at least 0 and below 1");
    spec.dropout = l["dropout"].get<double>();
  }
  model.layers.push_back(spec);
}

void read_layers(const Reader& in, const json& root, SavedModel& model) {
  const json& layers = in.at(root, "layers", "layers");
  if (!layers.is_array() || layers.empty()) in.fail("layers", "must be a non-empty list");
  for (std::size_t i = 0; i < layers.size(); ++i)
    read_layer(in, layers[i], "layers[" + std::to_string(i) + "]", i == 0 ? model.inputs : model.layers.back().units,
               model);
}

// data.`key`: a normalization's kind, shift and scale.
Normalization read_normalization(const Reader& in, const json& data, const std::string& key) {
  const std::string at = "data." + key;
  const json& object = in.at(data, key, "data");
  Normalization normalization;
  normalization.kind = in.normalization(object, at);
  normalization.shift = in.numbers(in.at(object, "shift", at), at + ".shift");
  normalization.scale = in.numbers(in.at(object, "scale", at), at + ".scale");
  return normalization;
}

// data: the schema the model's rows follow.
void read_data(const Reader& in, const json& root, std::size_t version, SavedModel& model) {
  const json& data = in.at(root, "data", "data");
  DataSchema& schema = model.schema;
  schema.features = in.texts(in.at(data, "features", "data"), "data.features");
  if (schema.features.size() != model.inputs)
    in.fail("data.features", "has " + std::to_string(schema.features.size()) + " names for " +
                                 std::to_string(model.inputs) + " inputs");
  schema.target = in.text(in.at(data, "target", "data"), "data.target");
  schema.class_names = in.texts(in.at(data, "class_names", "data"), "data.class_names");
  // binary_cross_entropy without class names trained on probabilities (soft targets).
  schema.soft_targets = model.loss == LossKind::binary_cross_entropy && schema.class_names.empty();
  schema.normalization = read_normalization(in, data, "normalization");
  // Version 1 had no target normalization: kind "none".
  if (version >= 2) schema.target_normalization = read_normalization(in, data, "target_normalization");
}

// training.early_stopping.best_running: one row per running statistic, shaped as the layers' own.
void read_best_running(const Reader& in, const json& rows, const std::string& where, SavedModel& model) {
  if (!rows.is_array() || rows.size() != model.running.size())
    in.fail(where, "must be a list of " + std::to_string(model.running.size()) +
                       " rows (running_mean and running_var of each batch-normalized layer)");
  for (std::size_t k = 0; k < rows.size(); ++k) {
    SavedTensor t = model.running[k];
    t.values = in.numbers(rows[k], where + "[" + std::to_string(k) + "]");
    if (t.values.size() != model.running[k].values.size())
      in.fail(where + "[" + std::to_string(k) + "]", "must have " + std::to_string(model.running[k].values.size()) +
                                                         " values, found " + std::to_string(t.values.size()));
    model.best_running.push_back(t);
  }
}

// training.early_stopping: the best epoch so far, its validation loss and weights.
void read_early_stopping(const Reader& in, const json& best, SavedModel& model) {
  const std::string at = "training.early_stopping";
  model.best_epoch = in.count(in.at(best, "best_epoch", at), at + ".best_epoch");
  if (model.best_epoch == 0 || model.best_epoch > model.epochs_done)
    in.fail(at + ".best_epoch", "must be between 1 and training.epochs_done (" +
                                    std::to_string(model.epochs_done) + ")");
  const json& loss = in.at(best, "best_validation_loss", at);
  if (!loss.is_number()) in.fail(at + ".best_validation_loss", "must be a number");
  model.best_loss = loss.get<double>();
  model.best_values = in.named_tensors(in.at(best, "best_weights", at), at + ".best_weights", model.parameters);
  if (best.contains("best_running")) read_best_running(in, best["best_running"], at + ".best_running", model);
}

// training: how far it got, the optimizer's momentum, early stopping's best epoch.
void read_training(const Reader& in, const json& root, SavedModel& model) {
  const json& training = in.at(root, "training", "training");
  model.epochs_done = in.count(in.at(training, "epochs_done", "training"), "training.epochs_done");
  if (training.contains("batches_done"))
    model.batches_done = in.count(training["batches_done"], "training.batches_done");
  const json& velocity = in.at(training, "velocity", "training");
  if (!velocity.empty()) model.velocity = in.named_tensors(velocity, "training.velocity", model.parameters);
  if (training.contains("early_stopping")) read_early_stopping(in, training["early_stopping"], model);
}

}  // namespace

SavedModel parse_model(const std::string& text, const std::string& source) {
  const Reader in{source};
  const json root = model_json(text, source);
  const std::size_t version = read_version(in, root);
  SavedModel model;
  read_header(in, root, model);
  read_layers(in, root, model);
  read_data(in, root, version, model);
  read_training(in, root, model);
  model.config_json = in.at(root, "config", "config").dump(2);
  check_fields_agree(in, model);
  return model;
}

// Batch normalization's running statistics, saved per layer that has it, into the network's layers.
template <typename T>
void copy_running(const SavedModel& model, Network<T>& network) {
  std::size_t k = 0;
  for (std::size_t i = 0; i < network.layer_count(); ++i)
    if (BatchNorm<T>* bn = network.layer(i).batch_norm()) {
      copy_saved(model.running.at(k++), bn->running_mean);
      copy_saved(model.running.at(k++), bn->running_var);
    }
}

template <typename T>
Network<T> network_from(const SavedModel& model) {
  Rng unused(0);  // the saved weights replace the drawn ones
  Network<T> network(model.inputs, model.layers, WeightInit{}, unused);
  const auto parameters = network.parameters();
  for (std::size_t k = 0; k < parameters.size(); ++k) copy_saved(model.parameters[k], parameters[k]->value);
  copy_running(model, network);
  return network;
}

template <typename T>
void write_predictions(std::ostream& out, const SavedModel& model, const Tensor<T>& outputs) {
  const auto& classes = model.schema.class_names;
  if (classes.empty()) {  // regression, and soft targets' probabilities: the outputs themselves
    out << csv_field(model.schema.target) << "\n";
    for (std::size_t r = 0; r < outputs.rows(); ++r) {
      for (std::size_t c = 0; c < outputs.cols(); ++c) out << (c ? "," : "") << csv_number(outputs(r, c));
      out << "\n";
    }
    return;
  }
  // The loader made sure there is one class name per output (two for one sigmoid output).
  out << "predicted";
  for (const auto& name : classes) out << "," << csv_field("p_" + name);
  out << "\n";
  for (std::size_t r = 0; r < outputs.rows(); ++r) {
    const T* row = outputs.row(r);
    out << csv_field(classes.at(predicted_class(row, outputs.cols())));
    if (outputs.cols() == 1)  // one sigmoid output is the probability of class 1
      out << "," << csv_number(T(1) - row[0]) << "," << csv_number(row[0]);
    else
      for (std::size_t c = 0; c < outputs.cols(); ++c) out << "," << csv_number(row[c]);
    out << "\n";
  }
}

// The config's network is the saved one: inputs, layers (units, activation, batch normalization) and loss.
template <typename T>
void check_same_model(const Network<T>& network, const Config& config, const SavedModel& model,
                      const std::string& where) {
  if (network.inputs() != model.inputs)
    throw InputError(where + "the model takes " + std::to_string(model.inputs) + " inputs, the config's data has " +
                     std::to_string(network.inputs()));
  if (network.layer_count() != model.layers.size())
    throw InputError(where + "the model has " + std::to_string(model.layers.size()) + " layers, the config " +
                     std::to_string(network.layer_count()));
  for (std::size_t i = 0; i < model.layers.size(); ++i)
    if (network.layer(i).units() != model.layers[i].units ||
        network.layer(i).activation().kind() != model.layers[i].activation.kind)
      throw InputError(where + "layers[" + std::to_string(i) + "] is " + std::to_string(model.layers[i].units) + " " +
                       name_of(model.layers[i].activation.kind) + " units in the model but " +
                       std::to_string(network.layer(i).units()) + " " +
                       name_of(network.layer(i).activation().kind()) + " units in the config");
  if (config.loss != model.loss)
    throw InputError(where + "the model was trained with loss " + name_of(model.loss) + ", the config says " +
                     name_of(config.loss));
  for (std::size_t i = 0; i < model.layers.size(); ++i)
    if ((network.layer(i).batch_norm() != nullptr) != model.layers[i].batch_norm)
      throw InputError(where + "layers[" + std::to_string(i) + "] has " + (model.layers[i].batch_norm ? "" : "no ") +
                       "batch normalization in the model but " +
                       (network.layer(i).batch_norm() ? "has" : "has none") + " in the config (batch_norm)");
}

// A checkpoint taken mid-epoch continues that epoch's batches: only with the batches it was cut into.
template <typename T>
void check_resumable_batches(const Trainer<T>& trainer, const SavedModel& model, const std::string& where) {
  if (model.batches_done == 0) return;
  const json saved_config = json::parse(model.config_json, nullptr, false);
  const json* saved_batch = saved_config.is_object() && saved_config.contains("optimizer") &&
                                    saved_config["optimizer"].is_object() &&
                                    saved_config["optimizer"].contains("batch_size")
                                ? &saved_config["optimizer"]["batch_size"]
                                : nullptr;
  if (saved_batch && saved_batch->is_number_unsigned() &&
      saved_batch->get<std::size_t>() != trainer.config().batch_size)
    throw InputError(where + "the checkpoint stopped in the middle of epoch " + std::to_string(model.epochs_done + 1) +
                     " (after batch " + std::to_string(model.batches_done) + ") with batch size " +
                     std::to_string(saved_batch->get<std::size_t>()) +
                     "; resume it with that batch size (this run has " + std::to_string(trainer.config().batch_size) +
                     ")");
  if (model.batches_done >= trainer.batches_per_epoch())
    throw InputError(where + "training.batches_done: the checkpoint stopped after batch " +
                     std::to_string(model.batches_done) + " of an epoch, but an epoch of this data has " +
                     std::to_string(trainer.batches_per_epoch()) + " batches");
}

template <typename T>
void restore(Trainer<T>& trainer, const SavedModel& model, const std::filesystem::path& path) {
  const std::string where = path.string() + ": ";
  Network<T>& network = trainer.network();
  check_same_model(network, trainer.config(), model, where);
  check_resumable_batches(trainer, model, where);
  const auto parameters = network.parameters();
  for (std::size_t k = 0; k < parameters.size(); ++k) copy_saved(model.parameters[k], parameters[k]->value);
  copy_running(model, network);
  trainer.optimizer().velocity() = to_tensors<T>(model.velocity);
  EarlyStoppingState<T>& best = trainer.early_stopping();
  best = {};
  if (model.best_epoch > 0)
    best = {model.best_epoch, model.best_loss, to_tensors<T>(model.best_values), to_tensors<T>(model.best_running)};
  trainer.set_epochs_done(model.epochs_done);
  trainer.set_batches_done(model.batches_done);
}

template FileIdentity save_model<float>(const std::filesystem::path&, Trainer<float>&);
template FileIdentity save_model<double>(const std::filesystem::path&, Trainer<double>&);
template SaveOutcome save_model_or_rescue<float>(const std::filesystem::path&, Trainer<float>&);
template SaveOutcome save_model_or_rescue<double>(const std::filesystem::path&, Trainer<double>&);
template Network<float> network_from<float>(const SavedModel&);
template Network<double> network_from<double>(const SavedModel&);
template void write_predictions<float>(std::ostream&, const SavedModel&, const Tensor<float>&);
template void write_predictions<double>(std::ostream&, const SavedModel&, const Tensor<double>&);
template void restore<float>(Trainer<float>&, const SavedModel&, const std::filesystem::path&);
template void restore<double>(Trainer<double>&, const SavedModel&, const std::filesystem::path&);

}  // namespace nnlab

// Parses a config file into a Config. Every error names the file and the JSON path of the offending value, and
// for a misspelt key or name, the nearest valid one.
#include "nnlab/config.hpp"

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "nnlab/dataset.hpp"
#include "nnlab/errors.hpp"
#include "nnlab/losses.hpp"
#include "nnlab/text.hpp"
#include "json_text.hpp"
#include "nnlab/files.hpp"

namespace nnlab {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxUnits = 1'000'000;

std::string type_name(const json& value) {
  if (value.is_boolean()) return "a boolean";
  if (value.is_number()) return "a number";
  if (value.is_string()) return "a string";
  if (value.is_array()) return "a list";
  if (value.is_object()) return "an object";
  return "null";
}

// Range checks shared by config keys and command-line flags; `where` is a JSON path or a flag.
void check_positive(double value, const std::string& where) {
  if (!std::isfinite(value) || value <= 0)
    throw ConfigError(where, where + ": must be a number greater than 0, got " + round_trip(value));
}
void check_non_negative(double value, const std::string& where) {
  if (!std::isfinite(value) || value < 0)
    throw ConfigError(where, where + ": must be a number of at least 0, got " + round_trip(value));
}
void check_momentum(double value, const std::string& where) {
  if (!std::isfinite(value) || value < 0 || value >= 1)
    throw ConfigError(where, where + ": must be at least 0 and below 1, got " + round_trip(value));
}
constexpr std::size_t kNoLimit = std::numeric_limits<std::size_t>::max();
// "where: must be a whole number from 1 to 100" (or "of at least 1" without an upper limit), for messages.
std::string whole_number_rule(const std::string& where, std::size_t low, std::size_t high) {
  return where + ": must be a whole number" +
         (high == kNoLimit ? " of at least " + std::to_string(low)
                           : " from " + std::to_string(low) + " to " + std::to_string(high));
}
void check_count(std::size_t value, std::size_t low, std::size_t high, const std::string& where) {
  if (value < low || value > high)
    throw ConfigError(where, whole_number_rule(where, low, high) + ", got " + std::to_string(value));
}
// One JSON object being read: typed getters that name the path, and a check that every key is a known one.
class Section {
 public:
  Section(const json& value, std::string path, const std::vector<std::string>& known_keys)
      : value_(value), path_(std::move(path)) {
    if (!value_.is_object()) throw InputError(display(path_) + ": must be an object, got " + type_name(value_));
    for (const auto& [key, item] : value_.items()) {
      if (std::find(known_keys.begin(), known_keys.end(), key) == known_keys.end())
        throw InputError(at(key) + ": unknown key" + did_you_mean(key, known_keys) + "; known keys here: " +
                         join(known_keys));
    }
  }

  std::string at(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }
  bool has(const std::string& key) const { return value_.contains(key); }
  const json& raw(const std::string& key) const { return value_.at(key); }

  const json& required(const std::string& key) const {
    if (!has(key)) throw InputError(display(path_) + ": missing key \"" + key + "\"");
    return value_.at(key);
  }

  double number(const std::string& key, double fallback) const {
    if (!has(key)) return fallback;
    const json& v = raw(key);
    if (!v.is_number()) throw InputError(at(key) + ": must be a number, got " + type_name(v));
    return v.get<double>();
  }

  // A whole number from low to high (a default that is out of range is the caller's business).
  std::size_t count(const std::string& key, std::size_t fallback, std::size_t low = 0,
                    std::size_t high = kNoLimit) const {
    if (!has(key)) return fallback;
    return whole_number(raw(key), at(key), low, high);
  }

  bool boolean(const std::string& key, bool fallback) const {
    if (!has(key)) return fallback;
    const json& v = raw(key);
    if (!v.is_boolean()) throw InputError(at(key) + ": must be true or false, got " + type_name(v));
    return v.get<bool>();
  }

  std::string text(const std::string& key, const std::string& fallback) const {
    if (!has(key)) return fallback;
    return string_value(raw(key), at(key));
  }

  static std::string string_value(const json& v, const std::string& where) {
    if (!v.is_string()) throw InputError(where + ": must be a string, got " + type_name(v));
    return v.get<std::string>();
  }

  static std::size_t whole_number(const json& v, const std::string& where, std::size_t low = 0,
                                  std::size_t high = kNoLimit) {
    const std::string wanted = whole_number_rule(where, low, high);
    if (v.is_number_unsigned()) {
      check_count(v.get<std::size_t>(), low, high, where);
      return v.get<std::size_t>();
    }
    if (v.is_number_integer()) throw InputError(wanted + ", got " + std::to_string(v.get<long long>()));
    if (v.is_number()) {  // 1e3 is a whole number written as a float
      const double value = v.get<double>();
      if (value == std::floor(value) && value >= double(low) && value <= double(high) && value < 0x1p64)
        return std::size_t(value);
      throw InputError(wanted + ", got " + round_trip(value));
    }
    throw InputError(wanted + ", got " + type_name(v));
  }

  static std::string display(const std::string& path) { return path.empty() ? "config" : path; }

 private:
  const json& value_;
  std::string path_;
};

// {"generate": kind, "samples": ..., "noise": ..., "seed": ..., "classes": ...}
GeneratorSpec parse_generator(const Section& section) {
  GeneratorSpec g;
  g.kind = section.text("generate", "");
  check_generator_kind(g.kind, section.at("generate") + ": ");
  g.samples = section.count("samples", g.samples, 2, kMaxGeneratedSamples);
  g.noise = section.number("noise", g.noise);
  if (!std::isfinite(g.noise) || g.noise < 0 || g.noise > 1)
    throw InputError(section.at("noise") + ": must be from 0 to 1, got " + round_trip(g.noise));
  g.seed = section.count("seed", g.seed);
  g.classes = section.count("classes", g.classes);
  const bool many = generator_takes_classes(g.kind);
  if (many ? g.classes < 2 : g.classes != 2)
    throw InputError(section.at("classes") + ": " + (many ? "must be at least 2" : g.kind + " has exactly 2 classes") +
                     ", got " + std::to_string(g.classes));
  return g;
}

DataSource parse_source(const json& value, const std::string& where, const std::filesystem::path& base_dir) {
  DataSource source;
  source.where = where;
  if (value.is_string()) {
    const std::string file = value.get<std::string>();
    if (file.empty()) throw InputError(where + ": must name a CSV file");
    source.csv = base_dir / file;
    return source;
  }
  if (!value.is_object())
    throw InputError(where + ": must be a CSV file name or an object ({\"csv\": ...}, {\"images\": ..., " +
                     "\"labels\": ...} or {\"generate\": ...}), got " + type_name(value));
  const Section section(value, where, {"csv", "images", "labels", "generate", "samples", "noise", "seed", "classes",
                                       "limit"});
  // 0 would read as "no samples"; leaving the key out means all of them.
  if (section.has("limit")) source.limit = section.count("limit", 0, 1, kNoLimit);
  const int forms = section.has("csv") + (section.has("images") || section.has("labels")) + section.has("generate");
  if (forms != 1)
    throw InputError(where + ": give a CSV path, {\"csv\": path}, {\"images\": path, \"labels\": path} or "
                     "{\"generate\": kind, ...}");
  const bool generated = section.has("generate");
  for (const char* key : {"samples", "noise", "seed", "classes"})
    if (section.has(key) && !generated)
      throw InputError(section.at(key) + ": only generated data (\"generate\") takes this key");
  if (section.has("csv")) {
    source.csv = base_dir / section.text("csv", "");
  } else if (generated) {
    source.kind = DataSource::Kind::generated;
    source.generator = parse_generator(section);
  } else {
    source.kind = DataSource::Kind::idx;
    source.images = base_dir / Section::string_value(section.required("images"), section.at("images"));
    source.labels = base_dir / Section::string_value(section.required("labels"), section.at("labels"));
  }
  return source;
}

// data.target: a CSV file's column (required); other data has its own target, which the key may only repeat.
std::string parse_target(const Section& section, const DataSource& train) {
  if (train.kind == DataSource::Kind::csv)
    return Section::string_value(section.required("target"), section.at("target"));
  const bool plane = train.kind == DataSource::Kind::generated && train.generator.kind == "plane";
  const std::string own = plane ? "y" : "label";
  const std::string target = section.text("target", own);
  if (target != own)  // only a CSV file has columns to choose from
    throw InputError(section.at("target") + ": " + (plane ? "generated" : "this") + " data's target is \"" + own +
                     "\"; \"" + target + "\" names no column (only CSV data has a target to choose)");
  return target;
}

// data.features: CSV column names, each once, none the target.
std::vector<std::string> parse_features(const Section& section, const std::string& target) {
  std::vector<std::string> features;
  const json& list = section.raw("features");
  const std::string where = section.at("features");
  if (!list.is_array() || list.empty())
    throw InputError(where + ": must be a non-empty list of column names, got " + type_name(list));
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string name = Section::string_value(list[i], where + "[" + std::to_string(i) + "]");
    if (std::find(features.begin(), features.end(), name) != features.end())
      throw InputError(where + "[" + std::to_string(i) + "]: column \"" + name + "\" is listed twice");
    if (name == target)
      throw InputError(where + "[" + std::to_string(i) + "]: column \"" + name + "\" is also the target");
    features.push_back(name);
  }
  return features;
}

DataConfig parse_data(const Section& section, const std::filesystem::path& base_dir) {
  DataConfig data;
  data.train = parse_source(section.required("train"), section.at("train"), base_dir);
  if (section.has("test")) data.test = parse_source(section.raw("test"), section.at("test"), base_dir);
  const bool csv = data.train.kind == DataSource::Kind::csv;
  data.target = parse_target(section, data.train);
  if (section.has("features")) {
    if (!csv) throw InputError(section.at("features") + ": only CSV data has named feature columns");
    data.features = parse_features(section, data.target);
  }
  data.validation_fraction = section.number("validation_fraction", 0);
  if (!std::isfinite(data.validation_fraction) || data.validation_fraction < 0 || data.validation_fraction >= 1)
    throw InputError(section.at("validation_fraction") + ": must be at least 0 and below 1, got " +
                     round_trip(data.validation_fraction));
  if (section.has("normalize"))
    data.normalize = kind_from<NormalizationKind>(section.text("normalize", ""), section.at("normalize"));
  if (section.has("normalize_target"))
    data.normalize_target =
        kind_from<NormalizationKind>(section.text("normalize_target", ""), section.at("normalize_target"));
  if (section.has("class_names")) {
    if (csv) throw InputError(section.at("class_names") + ": CSV data names its classes in the target column");
    const json& list = section.raw("class_names");
    if (!list.is_array() || list.size() < 2)
      throw InputError(section.at("class_names") + ": must be a list of at least 2 names");
    for (std::size_t i = 0; i < list.size(); ++i)
      data.class_names.push_back(
          Section::string_value(list[i], section.at("class_names") + "[" + std::to_string(i) + "]"));
  }
  return data;
}

ScheduleConfig parse_schedule(const json& value, const std::string& where) {
  ScheduleConfig schedule;
  if (value.is_string()) {
    schedule.type = kind_from<ScheduleKind>(value.get<std::string>(), where);
  } else {
    const Section section(value, where, {"type", "step_every", "gamma", "min_learning_rate"});
    schedule.type = kind_from<ScheduleKind>(Section::string_value(section.required("type"), section.at("type")), where);
    schedule.step_every = section.count("step_every", schedule.step_every, 1, kMaxEpochs);
    schedule.gamma = section.number("gamma", schedule.gamma);
    check_positive(schedule.gamma, section.at("gamma"));
    schedule.min_learning_rate = section.number("min_learning_rate", 0);
    check_non_negative(schedule.min_learning_rate, section.at("min_learning_rate"));
  }
  return schedule;
}

LayerSpec parse_layer(const json& value, const std::string& path) {
  const Section section(value, path, {"units", "activation", "alpha", "init", "init_gain", "batch_norm", "dropout"});
  LayerSpec layer;
  layer.units = Section::whole_number(section.required("units"), section.at("units"), 1, kMaxUnits);
  layer.activation.kind = kind_from<ActivationKind>(
      Section::string_value(section.required("activation"), section.at("activation")), section.at("activation"));
  if (section.has("alpha")) {
    if (!activation_info(layer.activation.kind).default_alpha)
      throw InputError(section.at("alpha") + ": activation \"" + name_of(layer.activation.kind) +
                       "\" takes no alpha (only leaky_relu, prelu and elu do)");
    const double alpha = section.number("alpha", 0);
    if (!std::isfinite(alpha)) throw InputError(section.at("alpha") + ": must be a finite number");
    layer.activation.alpha = alpha;
  }
  if (section.has("init")) layer.init = kind_from<Init>(section.text("init", ""), section.at("init"));
  layer.batch_norm = section.boolean("batch_norm", false);
  layer.dropout = section.number("dropout", 0);
  if (!std::isfinite(layer.dropout) || layer.dropout < 0 || layer.dropout >= 1)
    throw InputError(section.at("dropout") + ": must be at least 0 and below 1 (the share of outputs dropped), got " +
                     round_trip(layer.dropout));
  if (section.has("init_gain")) {
    layer.init_gain = section.number("init_gain", 1);
    check_positive(*layer.init_gain, section.at("init_gain"));
  }
  return layer;
}

// Checks that need the whole config, run after parsing and again after flags changed it.
// `flag` names the command-line flag that set the last layer's activation, if one did: the error then starts with it.
void validate(const Config& config, const std::string& flag = "") {
  const std::string last = "model.layers[" + std::to_string(config.layers.size() - 1) + "]";
  const auto loss = make_loss<double>(config.loss);
  const std::optional<ActivationKind> fused = loss->fused_activation();
  const ActivationKind activation = config.layers.back().activation.kind;
  const std::string& loss_name = name_of(config.loss);
  if (fused && activation != *fused && !flag.empty())
    throw InputError(flag + " " + name_of(activation) + ": the config's loss \"" + loss_name +
                     "\" needs the last layer's activation to be \"" + name_of(*fused) + "\" (" + last +
                     ".activation)");
  if (fused && activation != *fused)
    throw InputError("loss: \"" + loss_name + "\" needs the last layer's activation to be \"" + name_of(*fused) +
                     "\", but " + last + ".activation is \"" + name_of(activation) + "\"");
  if (config.layers.back().dropout > 0)
    throw InputError(last + ".dropout: dropout belongs after hidden layers; on the output layer it would drop "
                     "predictions");
  if (config.data.normalize_target != NormalizationKind::none && config.loss != LossKind::mse)
    throw InputError("data.normalize_target: scales a regression target (loss mse); loss is \"" + loss_name +
                     "\", whose targets are classes or probabilities");
  if (config.loss == LossKind::cross_entropy && config.layers.back().units < 2)
    throw InputError(last + ".units: cross_entropy needs one output unit per class (at least 2), got " +
                     std::to_string(config.layers.back().units));
  // In float32 a number beyond float's range becomes infinity, which training would report as divergence.
  if (config.dtype == DType::float32)
    for (const auto& [value, key] : {std::pair{config.optimizer.learning_rate, "optimizer.learning_rate"},
                                     std::pair{config.regularization.l1, "regularization.l1"},
                                     std::pair{config.regularization.l2, "regularization.l2"}})
      if (std::abs(value) > double(std::numeric_limits<float>::max()))
        throw ConfigError(key, std::string(key) + ": " + round_trip(value) +
                                   " is out of range for float32 (largest about 3.4e38)");
}

}  // namespace

namespace {

// model: the layers, and the init every layer without its own takes.
void parse_model_section(const Section& model, Config& config) {
  if (model.has("init")) config.init = kind_from<Init>(model.text("init", ""), model.at("init"));
  config.init_gain = model.number("init_gain", config.init_gain);
  check_positive(config.init_gain, model.at("init_gain"));
  const json& layers = model.required("layers");
  if (!layers.is_array() || layers.empty())
    throw InputError("model.layers: must be a non-empty list of layers, got " + type_name(layers));
  for (std::size_t i = 0; i < layers.size(); ++i)
    config.layers.push_back(parse_layer(layers[i], "model.layers[" + std::to_string(i) + "]"));
}

void parse_optimizer(const Section& section, Config& config) {
  auto& optimizer = config.optimizer;
  optimizer.learning_rate = section.number("learning_rate", optimizer.learning_rate);
  check_positive(optimizer.learning_rate, section.at("learning_rate"));
  optimizer.momentum = section.number("momentum", optimizer.momentum);
  check_momentum(optimizer.momentum, section.at("momentum"));
  optimizer.nesterov = section.boolean("nesterov", optimizer.nesterov);
  if (optimizer.nesterov && optimizer.momentum == 0)
    throw InputError(section.at("nesterov") + ": Nesterov needs a momentum above 0");
  config.batch_size = section.count("batch_size", config.batch_size);
  if (section.has("schedule")) config.schedule = parse_schedule(section.raw("schedule"), section.at("schedule"));
}

void parse_regularization(const Section& section, Regularization& reg) {
  reg.l1 = section.number("l1", reg.l1);
  check_non_negative(reg.l1, section.at("l1"));
  reg.l2 = section.number("l2", reg.l2);
  check_non_negative(reg.l2, section.at("l2"));
  reg.include_bias = section.boolean("include_bias", reg.include_bias);
  reg.l1_per_sample = section.boolean("l1_per_sample", reg.l1_per_sample);
  reg.l2_per_sample = section.boolean("l2_per_sample", reg.l2_per_sample);
  reg.l1_proximal = section.boolean("l1_proximal", reg.l1_proximal);
}

void parse_training(const Section& section, Config& config) {
  config.epochs = section.count("epochs", config.epochs, 1, kMaxEpochs);
  config.seed = section.count("seed", config.seed);
  config.log_every = section.count("log_every", config.log_every, 1, kMaxEpochs);
  if (section.has("dtype")) config.dtype = kind_from<DType>(section.text("dtype", ""), section.at("dtype"));
  config.diagnostics = section.boolean("diagnostics", config.diagnostics);
  config.report = section.boolean("report", config.report);
  if (section.has("early_stopping")) {
    const Section stopping(section.raw("early_stopping"), section.at("early_stopping"), {"patience", "min_delta"});
    config.early_stopping.patience = stopping.count("patience", 5, 1, kMaxEpochs);
    config.early_stopping.min_delta = stopping.number("min_delta", 0);
    check_non_negative(config.early_stopping.min_delta, stopping.at("min_delta"));
    if (config.data.validation_fraction == 0)
      throw InputError(stopping.at("patience") + ": early stopping watches the validation loss; set "
                       "data.validation_fraction (e.g. 0.2)");
  }
}

// The whole file's sections, in the order a config lists them.
void parse_sections(const json& root, const std::filesystem::path& base_dir, Config& config) {
  const Section top(root, "", {"data", "model", "loss", "optimizer", "regularization", "training"});
  config.data = parse_data(Section(top.required("data"), "data",
                                   {"train", "test", "features", "target", "validation_fraction", "normalize",
                                    "normalize_target", "class_names"}),
                           base_dir);
  parse_model_section(Section(top.required("model"), "model", {"layers", "init", "init_gain"}), config);
  if (top.has("loss")) config.loss = kind_from<LossKind>(top.text("loss", ""), "loss");
  if (top.has("optimizer"))
    parse_optimizer(Section(top.raw("optimizer"), "optimizer",
                            {"learning_rate", "momentum", "nesterov", "batch_size", "schedule"}),
                    config);
  if (top.has("regularization"))
    parse_regularization(Section(top.raw("regularization"), "regularization",
                                 {"l1", "l2", "include_bias", "l1_per_sample", "l2_per_sample", "l1_proximal"}),
                         config.regularization);
  if (top.has("training"))
    parse_training(Section(top.raw("training"), "training",
                           {"epochs", "seed", "log_every", "dtype", "early_stopping", "diagnostics", "report"}),
                   config);
}

}  // namespace

Config parse_config(const std::string& text, const std::filesystem::path& source,
                    const std::filesystem::path& base_dir) {
  const json root = parse_json_text(text, source.string(), /*comments=*/true);  // configs are for people: notes allowed
  // A model file where a config belongs (`nnlab train model.json`): say what it is and what to do with it.
  if (root.is_object() && root.contains("format") && root["format"] == "nnlab-model")
    throw InputError(source.string() + " is a model file saved by --save, not a config (such as configs/xor.json); " +
                     "to train it further: nnlab train CONFIG --resume " + source.string() +
                     "; to use it: nnlab predict --model " + source.string() + " --input ROWS.csv");
  Config config;
  config.source = source;
  try {
    parse_sections(root, base_dir, config);
    validate(config);
  } catch (const InputError& e) {
    throw InputError(source.string() + ": " + e.what(), e.key());
  }
  return config;
}

Config load_config(const std::filesystem::path& path) {
  return parse_config(read_text_file(path, "config file"), path, path.parent_path());
}

std::size_t parse_whole_number(const std::string& text, const std::string& where, std::size_t low, std::size_t high) {
  const json value = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded() || !value.is_number())
    throw InputError(whole_number_rule(where, low, high) + ", got \"" + text + "\"");
  return Section::whole_number(value, where, low, high);
}

namespace {

// --activation (the hidden layers; a one-layer model's only layer) and --output-activation (the last layer). A new
// activation starts from its own default alpha.
void apply_activation_flags(Config& config, const Overrides& overrides) {
  if (overrides.activation) {
    const auto kind = kind_from<ActivationKind>(*overrides.activation, "--activation");
    // Hidden layers only: the output layer's activation belongs to the task (and to the loss).
    const std::size_t count = config.layers.size() == 1 ? 1 : config.layers.size() - 1;
    for (std::size_t i = 0; i < count; ++i) config.layers[i].activation = {kind};
  }
  if (overrides.output_activation)
    config.layers.back().activation = {kind_from<ActivationKind>(*overrides.output_activation, "--output-activation")};
}

void apply_optimizer_flags(Config& config, const Overrides& overrides) {
  if (overrides.learning_rate) {
    check_positive(*overrides.learning_rate, "optimizer.learning_rate");
    config.optimizer.learning_rate = *overrides.learning_rate;
  }
  if (overrides.momentum) {
    check_momentum(*overrides.momentum, "optimizer.momentum");
    config.optimizer.momentum = *overrides.momentum;
  }
  if (overrides.l1) {
    check_non_negative(*overrides.l1, "regularization.l1");
    config.regularization.l1 = *overrides.l1;
  }
  if (overrides.l2) {
    check_non_negative(*overrides.l2, "regularization.l2");
    config.regularization.l2 = *overrides.l2;
  }
}

void apply_training_flags(Config& config, const Overrides& overrides) {
  if (overrides.epochs) {
    check_count(*overrides.epochs, 1, kMaxEpochs, "training.epochs");
    config.epochs = *overrides.epochs;
  }
  if (overrides.batch_size) config.batch_size = *overrides.batch_size;
  if (overrides.log_every) {
    check_count(*overrides.log_every, 1, kMaxEpochs, "training.log_every");
    config.log_every = *overrides.log_every;
  }
  if (overrides.seed) config.seed = *overrides.seed;
  if (overrides.dtype) config.dtype = kind_from<DType>(*overrides.dtype, "training.dtype");
  if (overrides.diagnostics) config.diagnostics = *overrides.diagnostics;
}

// --init and --init-gain set the model's, and every layer's own is dropped: the flag is for every layer.
void apply_init_flags(Config& config, const Overrides& overrides) {
  if (overrides.init) {
    config.init = kind_from<Init>(*overrides.init, "model.init");
    for (auto& layer : config.layers) layer.init.reset();
  }
  if (overrides.init_gain) {
    check_positive(*overrides.init_gain, "model.init_gain");
    config.init_gain = *overrides.init_gain;
    for (auto& layer : config.layers) layer.init_gain.reset();
  }
}

}  // namespace

void apply_overrides(Config& config, const Overrides& overrides) {
  apply_activation_flags(config, overrides);
  apply_optimizer_flags(config, overrides);
  apply_training_flags(config, overrides);
  apply_init_flags(config, overrides);
  if (config.optimizer.nesterov && config.optimizer.momentum == 0)
    throw ConfigError("optimizer.momentum", "optimizer.momentum: Nesterov (optimizer.nesterov) needs a momentum above 0");
  const bool activation_flag_sets_last = overrides.activation && config.layers.size() == 1;
  validate(config, overrides.output_activation ? "--output-activation"
                   : activation_flag_sets_last ? "--activation"
                                               : "");
}

namespace {

json source_to_json(const DataSource& source) {
  json j;
  switch (source.kind) {
    case DataSource::Kind::csv: j["csv"] = std::filesystem::absolute(source.csv).string(); break;
    case DataSource::Kind::idx:
      j["images"] = std::filesystem::absolute(source.images).string();
      j["labels"] = std::filesystem::absolute(source.labels).string();
      break;
    case DataSource::Kind::generated:
      j = {{"generate", source.generator.kind}, {"samples", source.generator.samples},
           {"noise", source.generator.noise}, {"seed", source.generator.seed},
           {"classes", source.generator.classes}};
      break;
  }
  if (source.limit) j["limit"] = source.limit;
  return j;
}

}  // namespace

std::string config_to_json(const Config& config) {
  json data = {{"train", source_to_json(config.data.train)},
               {"target", config.data.target},
               {"validation_fraction", config.data.validation_fraction},
               {"normalize", name_of(config.data.normalize)},
               {"normalize_target", name_of(config.data.normalize_target)}};
  if (config.data.test) data["test"] = source_to_json(*config.data.test);
  if (!config.data.features.empty()) data["features"] = config.data.features;
  if (!config.data.class_names.empty()) data["class_names"] = config.data.class_names;
  json layers = json::array();
  for (const auto& layer : config.layers) {
    json l = {{"units", layer.units}, {"activation", name_of(layer.activation.kind)}};
    if (layer.activation.alpha) l["alpha"] = *layer.activation.alpha;
    if (layer.init) l["init"] = name_of(*layer.init);
    if (layer.init_gain) l["init_gain"] = *layer.init_gain;
    if (layer.batch_norm) l["batch_norm"] = true;
    if (layer.dropout > 0) l["dropout"] = layer.dropout;
    layers.push_back(l);
  }
  const auto& s = config.schedule;
  json training = {{"epochs", config.epochs}, {"seed", config.seed}, {"log_every", config.log_every},
                   {"dtype", name_of(config.dtype)}, {"diagnostics", config.diagnostics}};
  if (config.report) training["report"] = true;
  if (config.early_stopping.patience)
    training["early_stopping"] = {{"patience", config.early_stopping.patience},
                                  {"min_delta", config.early_stopping.min_delta}};
  const auto& r = config.regularization;
  return json{{"data", data},
              {"model", {{"layers", layers}, {"init", name_of(config.init)}, {"init_gain", config.init_gain}}},
              {"loss", name_of(config.loss)},
              {"optimizer",
               {{"learning_rate", config.optimizer.learning_rate},
                {"momentum", config.optimizer.momentum},
                {"nesterov", config.optimizer.nesterov},
                {"batch_size", config.batch_size},
                {"schedule",
                 {{"type", name_of(s.type)}, {"step_every", s.step_every}, {"gamma", s.gamma},
                  {"min_learning_rate", s.min_learning_rate}}}}},
              {"regularization",
               {{"l1", r.l1}, {"l2", r.l2}, {"include_bias", r.include_bias}, {"l1_per_sample", r.l1_per_sample},
                {"l2_per_sample", r.l2_per_sample}, {"l1_proximal", r.l1_proximal}}},
              {"training", training}}
      .dump(2);
}

}  // namespace nnlab

#include "nnlab/experiment.hpp"

#include <chrono>
#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "json_text.hpp"
#include "nnlab/errors.hpp"
#include "nnlab/files.hpp"
#include "nnlab/html_report.hpp"
#include "nnlab/trainer.hpp"

namespace nnlab {
namespace {

using nlohmann::json;

std::vector<Config> seeded(const Config& config, std::size_t seeds) {
  std::vector<Config> runs(seeds, config);
  for (std::size_t k = 0; k < seeds; ++k) runs[k].seed = config.seed + k;
  return runs;
}

// "0.1" → 0.1, "16" → 16 (a whole number, so that count keys accept it), "true" → true, anything else → "text".
// A number no double holds (1e-400 would be 0, and "got 0" later; 1e400 would be "a string") is named as typed.
json value_of(const std::string& text, const std::string& where) {
  if (text == "true") return true;
  if (text == "false") return false;
  char* end = nullptr;
  errno = 0;
  const double number = std::strtod(text.c_str(), &end);
  const bool whole_text = !text.empty() && end == text.c_str() + text.size();
  if (whole_text && errno == ERANGE && number == 0)
    throw InputError(where + ": " + text + " is too close to 0 for a number (the smallest is about 4.9e-324); "
                     "write 0 if you mean 0");
  if (whole_text && errno == ERANGE && std::isinf(number))
    throw InputError(where + ": " + text + " is too large for a number (the largest is about 1.8e308)");
  if (whole_text && std::isfinite(number)) {
    if (number >= 0 && number == std::floor(number) && number < 0x1p63 && text.find_first_of(".eE") == std::string::npos)
      return std::uint64_t(number);
    return number;
  }
  return text;
}

// The JSON value at a dotted path ("optimizer.learning_rate", "model.layers[0].units"), made when missing (objects
// only: a list index must exist).
json& at_path(json& root, const std::string& path, const std::string& where) {
  json* node = &root;
  std::size_t at = 0;
  while (at < path.size()) {
    const std::size_t end = path.find_first_of(".[", at);
    const std::string key = path.substr(at, end - at);
    if (key.empty()) throw InputError(where + ": \"" + path + "\" is not a config key such as optimizer.learning_rate");
    if (!node->is_object()) throw InputError(where + ": \"" + path + "\": " + key + " is inside something that is not an object");
    node = &(*node)[key];
    at = end == std::string::npos ? path.size() : end;
    while (at < path.size() && path[at] == '[') {
      const std::size_t close = path.find(']', at);
      const std::string index = close == std::string::npos ? "" : path.substr(at + 1, close - at - 1);
      if (index.empty() || index.find_first_not_of("0123456789") != std::string::npos || !node->is_array() ||
          std::stoull(index) >= node->size())
        throw InputError(where + ": \"" + path + "\": no list item [" + index + "] there");
      node = &(*node)[std::stoull(index)];
      at = close + 1;
    }
    if (at < path.size() && path[at] == '.') ++at;
  }
  return *node;
}

}  // namespace

std::vector<Variant> activation_variants(const Config& base, const std::vector<std::string>& activations,
                                         const Overrides& overrides, std::size_t seeds) {
  std::vector<Variant> variants;
  for (const std::string& name : activations) {  // every name is checked before anything trains
    Config config = base;
    Overrides o = overrides;
    o.activation = name;
    apply_overrides(config, o);
    variants.push_back({name_of(config.layers[0].activation.kind), seeded(config, seeds)});
  }
  return variants;
}

std::vector<Variant> value_variants(const std::filesystem::path& config_path, const std::string& assignment,
                                    const Overrides& overrides, std::size_t seeds) {
  const std::size_t equals = assignment.find('=');
  if (equals == std::string::npos || equals == 0 || equals + 1 == assignment.size())
    throw InputError("--values: expected KEY=v1,v2,... (e.g. optimizer.learning_rate=0.01,0.1,1), got \"" +
                     assignment + "\"");
  const std::string key = assignment.substr(0, equals);
  std::vector<std::string> values(1);
  for (char c : assignment.substr(equals + 1))
    if (c == ',')
      values.emplace_back();
    else
      values.back().push_back(c);
  const std::string text = read_text_file(config_path, "config file");
  const json original = parse_json_text(text, config_path.string(), /*comments=*/true);
  std::vector<Variant> variants;
  for (const std::string& value : values) {
    const std::string where = "--values " + key + "=" + value;
    if (value.empty()) throw InputError("--values: an empty value in \"" + assignment + "\"");
    json changed = original;
    at_path(changed, key, where) = value_of(value, where);
    Config config;
    try {
      config = parse_config(changed.dump(), config_path, config_path.parent_path());
      apply_overrides(config, overrides);
    } catch (const InputError& e) {
      throw InputError(where + ": " + e.what());
    }
    variants.push_back({value, seeded(config, seeds)});
  }
  return variants;
}

namespace {

struct Collector : TrainingObserver {
  RunResult& run;
  std::optional<double> target;
  Collector(RunResult& r, std::optional<double> t) : run(r), target(t) {}
  void on_epoch(const EpochReport& report) override {
    run.losses.push_back(report.loss);
    if (target && !run.epochs_to_target && report.loss <= *target) run.epochs_to_target = report.epoch;
    run.accuracy = report.validation_accuracy ? report.validation_accuracy : report.train_accuracy;
    if (run.accuracy) run.accuracies.push_back(*run.accuracy);
    double dead = 0;
    std::size_t rectifiers = 0;
    for (const auto& layer : report.layers)
      if (layer.dead_fraction) dead += *layer.dead_fraction, ++rectifiers;
    run.dead = rectifiers ? std::optional<double>(dead / double(rectifiers)) : std::nullopt;
  }
};

template <typename T>
RunResult run_as(const Config& config, std::optional<double> target, const std::string& picture_title) {
  RunResult run;
  run.seed = config.seed;
  Trainer<T> trainer(config);
  Collector collector(run, target);
  std::vector<TrainingObserver*> observers = {&collector};
  const auto start = std::chrono::steady_clock::now();
  try {
    run.final_loss = trainer.run(observers).last.loss;
  } catch (const TrainingError&) {  // one run blowing up is a result worth showing, not the end
    run.final_loss = NAN;
    run.failure = "diverged in epoch " + std::to_string(trainer.epochs_done() + 1);
  }
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!picture_title.empty() && run.failure.empty()) {
    const auto view = view_of(trainer);
    FitPicture fit(*view);
    fit.snapshot(*view, "end");
    run.picture_svg = fit.svg(picture_title + ": " + view->shape());
  }
  return run;
}

}  // namespace

RunResult run_experiment(const Config& config, std::optional<double> target, const std::string& picture_title) {
  Config with_diagnostics = config;
  with_diagnostics.diagnostics = true;  // for the dead units
  return config.dtype == DType::float64 ? run_as<double>(with_diagnostics, target, picture_title)
                                   : run_as<float>(with_diagnostics, target, picture_title);
}

Spread spread_of(const std::vector<double>& values) {
  Spread s;
  s.count = values.size();
  if (values.empty()) return s;
  for (double v : values) s.mean += v;
  s.mean /= double(values.size());
  if (values.size() < 2) return s;
  double squares = 0;
  for (double v : values) squares += (v - s.mean) * (v - s.mean);
  s.deviation = std::sqrt(squares / double(values.size() - 1));
  return s;
}

}  // namespace nnlab

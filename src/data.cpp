#include "nnlab/data.hpp"
#include "nnlab/regression.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <numeric>

#include "nnlab/csv.hpp"
#include "nnlab/errors.hpp"
#include "nnlab/generate.hpp"
#include "nnlab/idx.hpp"
#include "nnlab/random.hpp"
#include "nnlab/text.hpp"

namespace nnlab {
namespace {

// One source as read, before splitting and normalization. Targets are class indices into `class_names` when
// the task is classification (for CSV, `class_names` are the distinct labels of this file).
struct Loaded {
  Dataset data;
  std::vector<std::string> feature_names;
  std::vector<std::string> class_names;
  std::vector<std::string> row_places;  // "file:line" of each CSV row, for class errors
  bool soft_targets = false;             // binary_cross_entropy targets read as probabilities
};

bool is_integer(const std::string& text, long long& value) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return !text.empty() && error == std::errc() && end == text.data() + text.size();
}

// Class names in sorted order: numerically when every name is an integer ("2" < "10"), else alphabetically.
void sort_class_names(std::vector<std::string>& names) {
  long long a = 0, b = 0;
  const bool numeric = std::all_of(names.begin(), names.end(), [&](const std::string& n) { return is_integer(n, a); });
  std::sort(names.begin(), names.end(), [&](const std::string& x, const std::string& y) {
    if (!numeric) return x < y;
    is_integer(x, a);
    is_integer(y, b);
    return a < b;
  });
}

// How binary_cross_entropy reads a CSV target column. Names, and columns of at most two distinct whole numbers (0/1,
// but also 1/2 or −1/1 labels), are class labels as for any classifier; any other column of numbers holds
// probabilities (soft targets such as 0.2/0.8, or a smoothed 0.05/0.95), each of which must lie in [0, 1].
bool holds_probabilities(const CsvTable& table, std::size_t target) {
  std::vector<double> distinct;
  bool whole = true;
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    const std::string cell = table.text(r, target);
    double value = 0;
    const auto [end, error] = std::from_chars(cell.data(), cell.data() + cell.size(), value);
    if (cell.empty() || error != std::errc() || end != cell.data() + cell.size() || !std::isfinite(value))
      return false;  // a name (or an empty cell, which the class path reports)
    whole = whole && value == std::floor(value);
    if (std::find(distinct.begin(), distinct.end(), value) == distinct.end() && distinct.size() < 3)
      distinct.push_back(value);
  }
  return !(whole && distinct.size() <= 2);
}

// Soft targets: the column's numbers, each checked to be a probability.
Tensor<double> probability_targets(const CsvTable& table, std::size_t target) {
  Tensor<double> targets = table.numeric_columns({target});
  for (std::size_t r = 0; r < targets.rows(); ++r)
    if (!(targets(r, 0) >= 0 && targets(r, 0) <= 1))
      throw InputError(table.source + ":" + std::to_string(table.row_lines[r]) + ":" +
                       std::to_string(table.cell_columns[r][target]) + ": column \"" + table.header[target] +
                       "\": target " + table.text(r, target) + " is outside [0, 1]; binary_cross_entropy reads a " +
                       "column of numbers as probabilities (names, or two whole numbers such as 0 and 1, are read as " +
                       "two classes; for more classes use cross_entropy)");
  return targets;
}

std::vector<std::string> numbered(const std::string& prefix, std::size_t count) {
  std::vector<std::string> names;
  for (std::size_t i = 0; i < count; ++i) names.push_back(prefix + std::to_string(i));
  return names;
}

// `soft_targets`: how binary_cross_entropy reads the target column, or nullopt to decide from the column itself (the
// training data, when no saved model says).
Loaded load_csv(const DataSource& source, const Config& config, const std::vector<std::string>* features,
                std::optional<bool> soft_targets) {
  CsvTable table = read_csv(source.csv);
  if (source.limit && source.limit < table.rows.size()) {
    table.rows.resize(source.limit);
    table.row_lines.resize(source.limit);
    table.cell_columns.resize(source.limit);
  }
  const std::string where = config.source.string() + ": data";
  Loaded loaded;
  const bool classification = is_classification(config.loss);
  const std::size_t target = table.column_index(config.data.target, where + ".target");

  loaded.feature_names = features ? *features : config.data.features;
  if (loaded.feature_names.empty()) {
    for (std::size_t i = 0; i < table.header.size(); ++i)
      if (i != target) loaded.feature_names.push_back(table.header[i]);
    if (loaded.feature_names.empty())
      throw InputError(where + ": " + table.source + " has only the target column; it needs feature columns too");
  }
  std::vector<std::size_t> columns;
  for (std::size_t i = 0; i < loaded.feature_names.size(); ++i)
    columns.push_back(table.column_index(loaded.feature_names[i], where + ".features[" + std::to_string(i) + "]"));

  Tensor<double> targets(table.rows.size(), 1);
  if (config.loss == LossKind::binary_cross_entropy)
    loaded.soft_targets = soft_targets ? *soft_targets : holds_probabilities(table, target);
  if (loaded.soft_targets) {
    targets = probability_targets(table, target);
  } else if (classification) {
    std::map<std::string, std::size_t> index;
    for (std::size_t r = 0; r < table.rows.size(); ++r) index.emplace(table.text(r, target), 0);
    for (const auto& [name, unused] : index) loaded.class_names.push_back(name);
    sort_class_names(loaded.class_names);
    for (std::size_t i = 0; i < loaded.class_names.size(); ++i) index[loaded.class_names[i]] = i;
    for (std::size_t r = 0; r < table.rows.size(); ++r) {
      if (table.text(r, target).empty())
        throw InputError(table.source + ":" + std::to_string(table.row_lines[r]) + ": the target \"" +
                         config.data.target + "\" is empty");
      targets(r, 0) = double(index[table.text(r, target)]);
      loaded.row_places.push_back(table.source + ":" + std::to_string(table.row_lines[r]));
    }
  } else {
    targets = table.numeric_columns({target}, config.dtype == DType::float32);
  }
  loaded.data = Dataset(table.numeric_columns(columns, config.dtype == DType::float32), std::move(targets));
  return loaded;
}

Loaded load_idx(const DataSource& source, const Config& config) {
  const IdxArray images = read_idx(source.images, source.limit);
  const IdxArray labels = read_idx(source.labels, source.limit);
  if (labels.dims.size() != 1)
    throw InputError(source.labels.string() + ": byte 3: a label file has 1 dimension, this one has " +
                     std::to_string(labels.dims.size()));
  if (images.dims[0] != labels.dims[0])
    throw InputError(source.where + ": " + source.images.string() + " has " + std::to_string(images.dims[0]) +
                     " images but " + source.labels.string() + " has " + std::to_string(labels.dims[0]) + " labels");
  const std::size_t features = images.data.size() / std::max<std::size_t>(images.dims[0], 1);
  if (images.dims[0] > 0 && features == 0)
    throw InputError(source.images.string() + ": bytes 4-" + std::to_string(3 + 4 * images.dims.size()) +
                     ": the header gives each image 0 pixels; there is nothing to learn from");
  Tensor<double> targets(labels.dims[0], 1);
  std::size_t classes = 0;
  for (std::size_t i = 0; i < labels.data.size(); ++i) {
    targets(i, 0) = labels.data[i];
    classes = std::max<std::size_t>(classes, labels.data[i] + 1);
  }
  Loaded loaded;
  loaded.feature_names = numbered("pixel", features);
  loaded.class_names = config.data.class_names.empty() ? numbered("", classes) : config.data.class_names;
  if (classes > loaded.class_names.size())
    throw InputError(source.labels.string() + ": label " + std::to_string(classes - 1) + " has no name in " +
                     "data.class_names (" + std::to_string(loaded.class_names.size()) + " names)");
  loaded.data = Dataset(std::vector<std::uint8_t>(images.data), features, std::move(targets));
  return loaded;
}

Loaded load_generated(const DataSource& source, const Config& config) {
  if (is_classification(config.loss) && !generator_is_classification(source.generator.kind)) {
    std::vector<std::string> classifying;
    for (const auto& name : generator_names())
      if (generator_is_classification(name)) classifying.push_back(name);
    throw InputError(config.source.string() + ": " + source.where + ".generate: \"" + source.generator.kind +
                     "\" makes numbers to fit (regression data), but loss \"" + name_of(config.loss) +
                     "\" needs classes; use \"loss\": \"mse\" or a generator of classes (" + join(classifying) + ")");
  }
  GeneratedData generated = generate_dataset(source.generator);
  Loaded loaded;
  loaded.feature_names = {"x1", "x2"};
  if (generated.classification)
    loaded.class_names =
        config.data.class_names.empty() ? numbered("", source.generator.classes) : config.data.class_names;
  std::size_t rows = generated.inputs.rows();
  if (source.limit && source.limit < rows) rows = source.limit;
  std::vector<std::size_t> first(rows);
  std::iota(first.begin(), first.end(), 0);
  loaded.data = Dataset(std::move(generated.inputs), std::move(generated.targets)).subset(first);
  return loaded;
}

Loaded load_source(const DataSource& source, const Config& config, const std::vector<std::string>* features,
                   std::optional<bool> soft_targets) {
  switch (source.kind) {
    case DataSource::Kind::csv: return load_csv(source, config, features, soft_targets);
    case DataSource::Kind::idx: return load_idx(source, config);
    case DataSource::Kind::generated: return load_generated(source, config);
  }
  throw InputError(source.where + ": unknown kind of data source");
}

// Re-maps a loaded file's class indices onto the schema's classes (a test set may lack some classes, but may not
// bring new ones).
void adopt_classes(Loaded& loaded, const std::vector<std::string>& classes, const std::string& where) {
  if (loaded.class_names == classes) return;
  std::vector<double> mapping;
  std::vector<bool> occurs(loaded.class_names.size(), false);  // IDX names every index up to the largest label
  for (double t : loaded.data.targets().values())
    if (t >= 0 && std::size_t(t) < occurs.size()) occurs[std::size_t(t)] = true;
  for (std::size_t i = 0; i < loaded.class_names.size(); ++i) {
    const auto at = std::find(classes.begin(), classes.end(), loaded.class_names[i]);
    if (at == classes.end() && !occurs[i]) {
      mapping.push_back(0);  // no sample has it
      continue;
    }
    if (at == classes.end()) {
      std::string place = where;
      const Tensor<double>& t = loaded.data.targets();
      for (std::size_t r = 0; r < t.rows() && r < loaded.row_places.size(); ++r)
        if (t(r, 0) == double(i)) {
          place = loaded.row_places[r];
          break;
        }
      throw InputError(place + ": class \"" + loaded.class_names[i] +
                       "\" does not appear in the training data (its classes: " + join(classes) + ")");
    }
    mapping.push_back(double(at - classes.begin()));
  }
  Tensor<double> targets = loaded.data.targets();
  for (auto& t : targets.values()) t = mapping[std::size_t(t)];
  loaded.data.set_targets(std::move(targets));
  loaded.class_names = classes;
}

void check_model_fits(const Config& config, const DataSchema& schema, const Dataset& train) {
  const std::string last = "model.layers[" + std::to_string(config.layers.size() - 1) + "].units";
  const std::size_t units = config.layers.back().units;
  const std::size_t classes = schema.class_names.size();
  const std::string where = config.source.string() + ": ";
  if (is_classification(config.loss) && !schema.soft_targets && train.size() > 0) {
    // Every target must name one of the classes; anything else is a loss that does not fit the data (never an
    // index out of range further down).
    std::vector<bool> seen(classes, false);
    for (double t : train.targets().values()) {
      if (!(t >= 0 && t < double(classes) && t == std::floor(t)))
        throw InputError(where + "loss: \"" + name_of(config.loss) + "\" needs class labels, but the training data's targets " +
                         (classes == 0 ? "are numbers (regression data)" : "hold " + round_trip(t) + ", not a class"));
      seen[std::size_t(t)] = true;
    }
    if (std::count(seen.begin(), seen.end(), true) < 2)
      throw InputError(where + "data.train: the training data holds only one class (\"" +
                       schema.class_names[std::find(seen.begin(), seen.end(), true) - seen.begin()] +
                       "\"); a classifier needs at least two");
  }
  if (config.loss == LossKind::cross_entropy && units != classes)
    throw InputError(where + last + ": the last layer has " + std::to_string(units) + " units but the data has " +
                     std::to_string(classes) + " classes (" + join(schema.class_names) + "); cross_entropy needs " +
                     "one unit per class");
  if (config.loss == LossKind::binary_cross_entropy && schema.soft_targets && units != 1)
    throw InputError(where + last + ": binary_cross_entropy needs 1 output unit (the probability of its target); "
                     "the model has " + std::to_string(units));
  if (config.loss == LossKind::binary_cross_entropy && !schema.soft_targets && (units != 1 || classes != 2))
    throw InputError(where + last + ": binary_cross_entropy needs 1 output unit and 2 classes; the model has " +
                     std::to_string(units) + " units and the data " + std::to_string(classes) + " classes (" +
                     join(schema.class_names) + ")");
  if (!is_classification(config.loss) && units != train.targets().cols())
    throw InputError(where + "data.target: one target column gives one output, but the last layer has " +
                     std::to_string(units) + " units");
}

// Moves data.validation_fraction of the training samples, drawn by the split's own seeded stream, into validation;
// both keep the file's order.
void hold_out_validation(DataSplits& splits, const Config& config) {
  const std::size_t n = splits.train.size();
  const auto held_out = std::size_t(std::llround(config.data.validation_fraction * double(n)));
  if (held_out < 1 || held_out >= n)
    throw InputError(config.source.string() + ": data.validation_fraction: " +
                     round_trip(config.data.validation_fraction) + " of " + std::to_string(n) +
                     " samples leaves no validation or no training data");
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  Rng(config.seed, RandomStream::split).shuffle(order);
  std::vector<std::size_t> validation(order.end() - std::ptrdiff_t(held_out), order.end());
  order.resize(n - held_out);
  std::sort(order.begin(), order.end());  // keep file order within each split
  std::sort(validation.begin(), validation.end());
  splits.validation = splits.train.subset(validation);
  splits.train = splits.train.subset(order);
}

Dataset load_test(const Config& config, DataSplits& splits, bool classification) {
  Loaded test = load_source(*config.data.test, config, &splits.schema.features, splits.schema.soft_targets);
  if (classification) adopt_classes(test, splits.schema.class_names, config.data.test->where);
  if (test.data.features() != splits.schema.features.size())
    throw InputError(config.data.test->where + ": has " + std::to_string(test.data.features()) +
                     " features, but the training data has " + std::to_string(splits.schema.features.size()));
  return std::move(test.data);
}

// The inputs' and the target's scales are fitted on the training split (or come from a saved model) and applied to
// every split (the target's for regression/mse only; config validation saw to that).
void normalize_splits(DataSplits& splits, const Config& config, const DataSchema* known) {
  splits.schema.normalization = known ? known->normalization : fit_normalization(splits.train, config.data.normalize);
  for (Dataset* d : {&splits.train, &splits.validation, &splits.test}) d->set_normalization(splits.schema.normalization);
  splits.schema.target_normalization =
      known ? known->target_normalization : fit_target_normalization(splits.train, config.data.normalize_target);
  for (Dataset* d : {&splits.train, &splits.validation, &splits.test})
    normalize_targets(*d, splits.schema.target_normalization);
}

}  // namespace

DataSplits load_data(const Config& config, const DataSchema* known, bool need_train) {
  DataSplits splits;
  const std::vector<std::string>* features = known ? &known->features : nullptr;
  Loaded train;
  // A saved model says how its targets were read; otherwise the training column decides.
  const std::optional<bool> soft_targets = known ? std::optional<bool>(known->soft_targets) : std::nullopt;
  if (need_train) {
    train = load_source(config.data.train, config, features, soft_targets);
    if (train.data.size() == 0) throw InputError(config.data.train.where + ": has no samples");
  }
  splits.schema.features = known ? known->features : train.feature_names;
  splits.schema.target = config.data.target;
  splits.schema.soft_targets = known ? known->soft_targets : train.soft_targets;
  const bool classification = is_classification(config.loss) && !splits.schema.soft_targets;
  splits.schema.class_names = known ? known->class_names : (classification ? train.class_names : std::vector<std::string>{});

  if (need_train) {
    if (classification) adopt_classes(train, splits.schema.class_names, config.data.train.where);
    splits.train = std::move(train.data);
    if (config.data.validation_fraction > 0) hold_out_validation(splits, config);
  }
  if (config.data.test) splits.test = load_test(config, splits, classification);
  normalize_splits(splits, config, known);
  if (need_train) check_model_fits(config, splits.schema, splits.train);
  return splits;
}

Dataset load_prediction_inputs(const std::filesystem::path& csv, const DataSchema& schema) {
  const CsvTable table = read_csv(csv);
  std::vector<std::size_t> columns;
  for (const auto& name : schema.features) columns.push_back(table.column_index(name, "--input"));
  Dataset data(table.numeric_columns(columns), Tensor<double>(table.rows.size(), 1));
  data.set_normalization(schema.normalization);
  return data;
}

}  // namespace nnlab

#include "nnlab/dataset.hpp"

#include <cmath>

#include "nnlab/csv.hpp"
#include "nnlab/errors.hpp"

namespace nnlab {

Dataset<double> load_training_data(const Config& config) {
  const CsvTable table = read_csv(config.data.train);
  const std::string where = config.source.string() + ": data";

  const std::size_t target = table.column_index(config.data.target, where + ".target");
  std::vector<std::size_t> features;
  std::vector<std::string> feature_names = config.data.features;
  if (feature_names.empty()) {
    for (std::size_t i = 0; i < table.header.size(); ++i)
      if (i != target) feature_names.push_back(table.header[i]);
    if (feature_names.empty())
      throw InputError(where + ": " + table.source + " has only the target column; it needs feature columns too");
  }
  for (std::size_t i = 0; i < feature_names.size(); ++i)
    features.push_back(table.column_index(feature_names[i], where + ".features[" + std::to_string(i) + "]"));

  Dataset<double> data{table.numeric_columns(features), table.numeric_columns({target}), feature_names,
                       {config.data.target}};

  const std::size_t outputs = config.layers.back().units;
  if (config.loss == "cross_entropy") {
    for (std::size_t r = 0; r < data.size(); ++r) {
      const double label = data.targets(r, 0);
      if (label < 0 || label >= double(outputs) || label != std::floor(label))
        throw InputError(table.source + ":" + std::to_string(table.row_lines[r]) + ": target \"" +
                         config.data.target + "\" is " + table.rows[r][target] +
                         ", but cross_entropy needs a class index from 0 to " + std::to_string(outputs - 1) +
                         " (the last layer has " + std::to_string(outputs) + " units)");
    }
  } else if (outputs != 1) {
    throw InputError(where + ".target: one target column gives one output, but the last layer has " +
                     std::to_string(outputs) + " units");
  }
  return data;
}

}  // namespace nnlab

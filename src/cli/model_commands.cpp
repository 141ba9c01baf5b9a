// `nnlab eval` and `nnlab predict`: using a model saved with `nnlab train --save`.
#include <cerrno>
#include <fstream>
#include <iostream>

#include "commands.hpp"
#include "nnlab/data.hpp"
#include "nnlab/errors.hpp"
#include "nnlab/model_io.hpp"
#include "nnlab/regression.hpp"
#include "nnlab/output_paths.hpp"
#include "nnlab/report.hpp"
#include "nnlab/text.hpp"
#include "nnlab/trainer.hpp"

namespace nnlab::cli {
namespace {

template <typename T>
int eval_as(Config config, const SavedModel& model, const EvalOptions& options) {
  if (!options.data_path.empty()) {  // --data: this CSV instead of the config's test set
    DataSource source;
    source.csv = options.data_path, source.where = "--data";
    config.data.test = source;
  }
  // Without a test set, the validation split: held out of the training data with the seed, as training did.
  const bool validation = !config.data.test && config.data.validation_fraction > 0;
  const DataSplits data = load_data(config, &model.schema, /*need_train=*/validation);
  const Dataset& evaluated = validation ? data.validation : data.test;
  if (evaluated.size() == 0)
    throw InputError(options.config_path + ": data.test: the config names no test set and holds out no validation " +
                     "split (data.validation_fraction) to evaluate on; give one with --data PATH (a CSV file)");
  Network<T> network = network_from<T>(model);
  const auto loss = make_loss<T>(model.loss);
  const Evaluation result = evaluate(network, *loss, evaluated, model.schema.accuracy_classes());
  std::cout << format_evaluation(validation ? "validation" : "test", result, model.schema);
  if (model.loss == LossKind::mse) std::cout << regression_line(validation ? "validation" : "test", network, evaluated, model.schema) << "\n";
  return 0;
}

template <typename T>
int predict_as(const SavedModel& model, const PredictOptions& options) {
  const Dataset inputs = load_prediction_inputs(options.input_path, model.schema);
  Network<T> network = network_from<T>(model);
  Tensor<T> outputs = predict(network, inputs);
  denormalize(outputs, model.schema.target_normalization);  // back to the target's own units

  if (options.output_path.empty())
    write_predictions(std::cout, model, outputs);  // checked when the command ends (finish_standard_output)
  else
    write_text_file(options.output_path, "predictions file",
                    [&](std::ostream& out) { write_predictions(out, model, outputs); });
  if (!options.output_path.empty())
    std::cout << "wrote " << outputs.rows() << " predictions to " << options.output_path << "\n";
  return 0;
}

}  // namespace

CLI::App* add_eval_command(CLI::App& app, EvalOptions& options) {
  CLI::App* eval = app.add_subcommand("eval",
                                      "Print loss, accuracy and confusion matrix of a saved model on the "
                                      "config's test set (or --data, or else its validation split)");
  add_version_flag(*eval);
  eval->add_option("config", options.config_path, "The JSON config whose data.test to evaluate on")->required();
  eval->add_option("--model", options.model_path, "A model saved with nnlab train --save")->required();
  eval->add_option("--data", options.data_path,
                   "Evaluate on this CSV file (the model's feature and target columns) instead of data.test");
  return eval;
}

int run_eval(const EvalOptions& options) {
  const SavedModel model = load_model(options.model_path);
  Config config = load_config(options.config_path);
  return model.dtype == DType::float64 ? eval_as<double>(config, model, options) : eval_as<float>(config, model, options);
}

CLI::App* add_predict_command(CLI::App& app, PredictOptions& options) {
  CLI::App* predict = app.add_subcommand("predict", "Write a saved model's prediction for every row of a CSV file");
  add_version_flag(*predict);
  predict->add_option("--model", options.model_path, "A model saved with nnlab train --save")->required();
  predict->add_option("--input", options.input_path, "CSV file with the model's feature columns")->required();
  predict->add_option("--output", options.output_path, "Write the predictions here instead of to stdout");
  return predict;
}

int run_predict(const PredictOptions& options) {
  check_command_files({{"--output", options.output_path, "predictions file"}},
                      {{"--model", options.model_path}, {"--input", options.input_path}});
  const SavedModel model = load_model(options.model_path);
  return model.dtype == DType::float64 ? predict_as<double>(model, options) : predict_as<float>(model, options);
}

}  // namespace nnlab::cli

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
int eval_as(const Config& config, const SavedModel& model, const EvalOptions& options) {
  const DataSplits data = load_data(config, &model.schema, /*need_train=*/false);
  if (data.test.size() == 0)
    throw InputError(options.config_path + ": data.test: the config names no test set to evaluate on");
  Network<T> network = network_from<T>(model);
  const auto loss = make_loss<T>(model.loss);
  const Evaluation result = evaluate(network, *loss, data.test, model.schema.accuracy_classes());
  std::cout << "test loss " << round_trip(result.loss);
  if (result.accuracy) std::cout << ", test accuracy " << round_trip(*result.accuracy);
  std::cout << " (" << result.samples << " samples)\n";
  if (model.loss == "mse") std::cout << regression_line("test", network, data.test, model.schema) << "\n";
  if (result.accuracy && !model.schema.soft_targets) std::cout << format_confusion(result, model.schema.class_names);
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
  return 0;
}

}  // namespace

CLI::App* add_eval_command(CLI::App& app, EvalOptions& options) {
  CLI::App* eval = app.add_subcommand("eval",
                                      "Print loss, accuracy and confusion matrix of a saved model on the "
                                      "config's test set");
  add_version_flag(*eval);
  eval->add_option("config", options.config_path, "The JSON config whose data.test to evaluate on")->required();
  eval->add_option("--model", options.model_path, "A model saved with nnlab train --save")->required();
  return eval;
}

int run_eval(const EvalOptions& options) {
  const SavedModel model = load_model(options.model_path);
  Config config = load_config(options.config_path);
  return model.dtype == "float64" ? eval_as<double>(config, model, options) : eval_as<float>(config, model, options);
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
  return model.dtype == "float64" ? predict_as<double>(model, options) : predict_as<float>(model, options);
}

}  // namespace nnlab::cli

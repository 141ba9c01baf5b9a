#include <unistd.h>

#include <iostream>
#include <memory>

#include "commands.hpp"
#include "nnlab/activations.hpp"
#include "nnlab/model_io.hpp"
#include "nnlab/report.hpp"
#include "nnlab/text.hpp"
#include "nnlab/trainer.hpp"

namespace nnlab::cli {
namespace {

// A flag that sets an optional override only when given.
template <typename V>
CLI::Option* override_flag(CLI::App& command, const std::string& name, std::optional<V>& target,
                           const std::string& help) {
  return command.add_option_function<V>(name, [&target](const V& value) { target = value; }, help);
}

void print_evaluation(const std::string& name, const Evaluation& evaluation, const DataSchema& schema) {
  std::cout << name << " loss " << round_trip(evaluation.loss);
  if (evaluation.accuracy) std::cout << ", " << name << " accuracy " << round_trip(*evaluation.accuracy);
  std::cout << " (" << evaluation.samples << " samples)\n";
  if (evaluation.accuracy) std::cout << format_confusion(evaluation, schema.class_names);
}

template <typename T>
int train_as(const Config& config, const TrainOptions& options) {
  std::optional<SavedModel> resumed;
  if (!options.resume_path.empty()) resumed = load_model(options.resume_path);
  Trainer<T> trainer(config, load_data(config, resumed ? &resumed->schema : nullptr));
  if (resumed) restore(trainer, *resumed, options.resume_path);

  // Every destination is checked before the first epoch, so a typo in a path fails fast.
  if (!options.save_path.empty()) check_writable(options.save_path, "model file");
  std::vector<std::unique_ptr<TrainingObserver>> observers;
  if (!options.quiet) observers.push_back(std::make_unique<ConsoleReporter>(std::cout, config.log_every));
  if (!options.quiet && isatty(STDERR_FILENO)) observers.push_back(std::make_unique<ProgressBar>(std::cerr));
  if (!options.metrics_path.empty()) observers.push_back(std::make_unique<MetricsCsvWriter>(options.metrics_path));
  std::vector<TrainingObserver*> subscribed;
  for (auto& observer : observers) subscribed.push_back(observer.get());

  const RunSummary summary = trainer.run(subscribed);
  const EpochReport& last = summary.last;
  std::cout << "final loss " << round_trip(last.loss) << " (data_loss " << round_trip(last.data_loss)
            << ", penalty " << round_trip(last.penalty) << ")\n";
  if (last.train_accuracy) {
    std::cout << "final train accuracy " << round_trip(*last.train_accuracy);
    if (last.validation_accuracy) std::cout << ", validation accuracy " << round_trip(*last.validation_accuracy);
    std::cout << "\n";
  }

  // One neuron on one input is the line z = m·x + b: print it as the linear-fit article does.
  Network<T>& network = trainer.network();
  if (network.layer_count() == 1 && network.inputs() == 1 && network.outputs() == 1) {
    const Dense<T>& neuron = network.layer(0);
    std::cout << "y = " << round_trip(neuron.weight.value[0]) << " * x + " << round_trip(neuron.bias.value[0])
              << "\n";
  }
  if (trainer.data().test.size() > 0) print_evaluation("test", trainer.evaluate(trainer.data().test), trainer.data().schema);
  if (!options.save_path.empty()) {
    save_model(options.save_path, trainer);
    std::cout << "saved the model to " << options.save_path << "\n";
  }
  return 0;
}

}  // namespace

void add_version_flag(CLI::App& command) { command.set_version_flag("--version", "nnlab " NNLAB_VERSION); }

CLI::App* add_train_command(CLI::App& app, TrainOptions& options) {
  CLI::App* train = app.add_subcommand("train", "Train a model from a JSON config and report the loss every epoch");
  add_version_flag(*train);
  train->add_option("config", options.config_path, "The JSON config file (see configs/)")->required();

  Overrides& o = options.overrides;
  override_flag(*train, "--activation", o.activation,
                "Activation of every hidden layer (of the only layer, for a one-layer model): " +
                    join(activation_names()));
  override_flag(*train, "--output-activation", o.output_activation, "Activation of the last layer");
  override_flag(*train, "--lr,--learning-rate", o.learning_rate, "Learning rate (optimizer.learning_rate)");
  override_flag(*train, "--epochs", o.epochs, "Number of epochs (training.epochs)");
  override_flag(*train, "--batch-size", o.batch_size, "Samples per step, 0 = whole set (optimizer.batch_size)");
  override_flag(*train, "--momentum", o.momentum, "Momentum in [0, 1) (optimizer.momentum)");
  override_flag(*train, "--l1", o.l1, "L1 penalty strength (regularization.l1)");
  override_flag(*train, "--l2", o.l2, "L2 penalty strength (regularization.l2)");
  override_flag(*train, "--seed", o.seed, "Random seed for weights and shuffling (training.seed)");
  override_flag(*train, "--dtype", o.dtype, "float32 or float64 (training.dtype)");
  override_flag(*train, "--log-every", o.log_every, "Print the loss every N epochs (training.log_every)");
  train->add_option("--metrics", options.metrics_path, "Write one CSV row per epoch to this file");
  train->add_option("--save", options.save_path, "Save the trained model to this JSON file");
  train->add_option("--resume", options.resume_path, "Continue training a model saved with --save");
  train->add_flag("--quiet,-q", options.quiet, "Print only the final result");
  return train;
}

int run_train(const TrainOptions& options) {
  Config config = load_config(options.config_path);
  apply_overrides(config, options.overrides);
  return config.dtype == "float64" ? train_as<double>(config, options) : train_as<float>(config, options);
}

}  // namespace nnlab::cli

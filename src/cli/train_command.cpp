#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <cctype>
#include <iostream>
#include <memory>
#include <new>

#include "commands.hpp"
#include "config_flags.hpp"
#include "flags.hpp"
#include "nnlab/activations.hpp"
#include "nnlab/errors.hpp"
#include "nnlab/gemm.hpp"
#include "nnlab/html_report.hpp"
#include "nnlab/interrupt.hpp"
#include "nnlab/model_io.hpp"
#include "nnlab/regression.hpp"
#include "nnlab/output_paths.hpp"
#include "nnlab/plot.hpp"
#include "nnlab/report.hpp"
#include "nnlab/text.hpp"
#include "nnlab/trainer.hpp"

namespace nnlab::cli {
namespace {

// A flag that sets an optional override only when given.
template <typename V>
CLI::Option* override_flag(CLI::App& command, const std::string& name, std::optional<V>& target,
                           const std::string& help) {
  return command.add_option_function<V>(
      name, [&target](const V& value) { target = value; }, help);
}

// A word as the shell reads it back: plain when it is safe, in single quotes otherwise.
std::string shell_quoted(const std::string& word) {
  const bool plain = !word.empty() && std::all_of(word.begin(), word.end(), [](unsigned char c) {
    return std::isalnum(c) || std::string_view("_./=,:+-@%").find(char(c)) != std::string_view::npos;
  });
  if (plain) return word;
  std::string quoted = "'";
  for (char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// The command that continues an interrupted run: the user's own, every flag kept, with --resume at the checkpoint.
std::string resume_command(const std::vector<std::string>& arguments, const std::string& checkpoint) {
  std::string command = shell_quoted(arguments.at(0));  // the program as the user called it, e.g. build/nnlab
  for (std::size_t i = 1; i < arguments.size(); ++i) {
    if (arguments[i] == "--resume") {
      ++i;  // and its value
      continue;
    }
    if (arguments[i].starts_with("--resume=")) continue;
    command += " " + shell_quoted(arguments[i]);
  }
  return command + " --resume " + shell_quoted(checkpoint);
}

// Where the HTML report goes: --report, else with the config's training.report, report.html beside --save.
std::string report_path_for(const Config& config, const TrainOptions& options) {
  if (!options.report_path.empty() || !config.report) return options.report_path;
  if (options.save_path.empty())
    throw InputError("training.report writes report.html beside the --save file: give --save PATH, or --report "
                     "PATH.html");
  return (std::filesystem::path(options.save_path).parent_path() / "report.html").string();
}

// The trainer the config describes on its data; with --resume, the saved model's weights, momentum and epochs too.
template <typename T>
std::unique_ptr<Trainer<T>> build_trainer(const Config& config, const TrainOptions& options) {
  std::optional<SavedModel> resumed;
  if (!options.resume_path.empty()) resumed = load_model(options.resume_path);
  const auto mismatch = [&](const std::exception& e) {
    return InputError("--resume " + options.resume_path + ": the model and the config " + options.config_path +
                      " do not match (the model was trained on other data or is another network): " + e.what());
  };
  std::optional<DataSplits> data;
  try {
    data = load_data(config, resumed ? &resumed->schema : nullptr);
  } catch (const InputError& e) {
    if (!resumed) throw;
    throw mismatch(e);
  }
  auto trainer = std::make_unique<Trainer<T>>(config, std::move(*data));
  if (resumed) try {
      restore(*trainer, *resumed, options.resume_path);
    } catch (const InputError& e) {
      throw mismatch(e);
    }
  return trainer;
}

// Everything that watches a run: the console (with a progress bar on a terminal), --metrics, --plot's history of
// reports, --checkpoint-every and the HTML report.
template <typename T>
struct Watchers {
  struct History : TrainingObserver {
    std::vector<EpochReport> reports;
    void on_epoch(const EpochReport& report) override { reports.push_back(report); }
  };
  std::vector<std::unique_ptr<TrainingObserver>> owned;
  History history;
  std::unique_ptr<CheckpointWriter<T>> checkpointer;
  std::unique_ptr<HtmlReport> report;
  std::string report_path;
  std::vector<TrainingObserver*> subscribed;

  Watchers(Trainer<T>& trainer, const Config& config, const TrainOptions& options) {
    const bool penalty = config.regularization.l1 > 0 || config.regularization.l2 > 0;
    const Overrides& given = options.overrides;
    auto console = std::make_unique<ConsoleReporter>(
        std::cout, config.log_every,
        ConsoleStyle{.penalty = penalty,
                     .quiet = options.quiet,
                     .words = [&given](const std::string& text) { return in_flag_words(text, given); }});
    // Progress only on a terminal, never into a pipe or a file; --quiet keeps only warnings, errors and the result.
    if (!options.quiet && isatty(STDERR_FILENO)) {
      auto bar = std::make_unique<ProgressBar>(std::cerr, config.log_every);
      console->share_terminal_with(bar.get());
      owned.push_back(std::move(console));
      owned.push_back(std::move(bar));  // after the console: an epoch's line first, then the bar
    } else {
      owned.push_back(std::move(console));
    }
    if (!options.metrics_path.empty())  // a resumed run continues the file
      owned.push_back(std::make_unique<MetricsCsvWriter>(options.metrics_path, trainer.epochs_done() + 1));
    checkpointer = std::make_unique<CheckpointWriter<T>>(trainer, options.save_path, options.checkpoint_every);
    for (auto& observer : owned) subscribed.push_back(observer.get());
    if (!options.plot_path.empty()) subscribed.push_back(&history);  // --plot: the loss curves, drawn at the end
    if (options.checkpoint_every) subscribed.push_back(checkpointer.get());
    // --report (or training.report: report.html beside the --save file): a page rewritten while it trains.
    report_path = report_path_for(config, options);
    if (!report_path.empty()) {
      report = std::make_unique<HtmlReport>(
          report_path, ReportContext{shell_command_line(options.arguments), machine_description()}, view_of(trainer));
      subscribed.push_back(report.get());
    }
  }
};

// How far a trainer had got when the run started: whether the run trained anything is told from it.
struct StartingPoint {
  std::size_t epochs = 0, batches = 0;
  template <typename T>
  bool passed_by(const Trainer<T>& trainer) const {
    return trainer.epochs_done() != epochs || trainer.batches_done() != batches;
  }
};

// Trains. A failure keeps what it can and says so in its error: after divergence the last epoch that ended with
// finite numbers, after anything else (a full disk, no memory) the weights as the last finished step left them.
template <typename T>
RunSummary train_keeping_what_was_trained(Trainer<T>& trainer, Watchers<T>& watchers, const TrainOptions& options,
                                          const StartingPoint& start) {
  try {
    return trainer.run(watchers.subscribed, stop_token());
  } catch (const DivergenceError& e) {
    if (watchers.report) watchers.report->fail(e.what());
    if (options.save_path.empty() || !trainer.restore_last_good()) throw;
    const SaveOutcome saved = save_model_or_rescue(options.save_path, trainer);
    throw TrainingError(std::string(e.what()) + "; saved the last good model (epoch " +
                            std::to_string(trainer.epochs_done()) + ") to " + saved.path.string() +
                            (saved.failure.empty() ? "" : " (" + saved.failure + ")"),
                        e.key());
  } catch (const std::exception& e) {
    const std::string what = dynamic_cast<const std::bad_alloc*>(&e) ? "out of memory" : e.what();
    if (watchers.report) watchers.report->fail(what);
    if (options.save_path.empty() || !start.passed_by(trainer)) throw;
    const SaveOutcome saved = save_model_or_rescue(options.save_path, trainer);
    throw TrainingError(what + "; saved the model so far to " + saved.path.string() +
                        (saved.failure.empty() ? "" : " (" + saved.failure + ")") + "; continue with: " +
                        resume_command(options.arguments, saved.path.string()));
  }
}

// Ctrl-C or SIGTERM: the step in flight finished; keep what was trained and say how to go on. Exit code 130.
template <typename T>
int stopped_by_user(Trainer<T>& trainer, const TrainOptions& options, const StartingPoint& start) {
  std::cout << std::flush;
  if (!start.passed_by(trainer)) {
    std::cerr << "\ninterrupted before the first step; nothing was trained\n";
    return 130;
  }
  std::cerr << "\ninterrupted ";
  if (trainer.batches_done() > 0)
    std::cerr << "during epoch " << trainer.epochs_done() + 1 << " after batch " << trainer.batches_done() << "; ";
  else
    std::cerr << "after epoch " << trainer.epochs_done() << "; ";
  if (options.save_path.empty()) {
    std::cerr << "nothing was saved (run with --save PATH to keep a checkpoint)\n";
  } else {
    const SaveOutcome saved = save_model_or_rescue(options.save_path, trainer);
    if (!saved.failure.empty()) std::cerr << "(" << saved.failure << ") ";
    std::cerr << "saved a checkpoint to " << saved.path.string() << "; continue with:\n  "
              << resume_command(options.arguments, saved.path.string()) << "\n";
  }
  return 130;
}

// "prefix t1 + t2 + ... + tn suffix" within 80 columns: a line breaks only before a "+" (never inside a term), and
// the lines after the first start with "    + ". A line that fits is printed as it is.
std::string wrapped_sum(const std::string& prefix, const std::vector<std::string>& terms, const std::string& suffix) {
  std::string text = unbroken(prefix + terms.at(0));
  for (std::size_t i = 1; i < terms.size(); ++i) text += " +" + unbroken(" " + terms[i]);
  return wrapped(text + unbroken(suffix), 80, "    ");
}

// One neuron is the equation z = w·x + b: printed, for one input exactly as the linear-fit article does, then what
// the neuron outputs when its activation is not the identity (the line alone would read as the fit).
template <typename T>
void print_neuron(Trainer<T>& trainer, const Config& config) {
  Network<T>& network = trainer.network();
  constexpr std::size_t kMaxEquationInputs = 12;
  if (network.layer_count() != 1 || network.outputs() != 1 || network.inputs() > kMaxEquationInputs) return;
  const Dense<T>& neuron = network.layer(0);
  const auto& names = trainer.data().schema.features;
  std::vector<std::string> terms;
  for (std::size_t i = 0; i < network.inputs(); ++i)
    terms.push_back(round_trip(neuron.weight.value[i]) + " * " + (network.inputs() == 1 ? "x" : names[i]));
  terms.push_back(round_trip(neuron.bias.value[0]));
  std::cout << wrapped_sum("y = ", terms, "") << "\n";
  const ActivationKind activation = neuron.activation().kind();
  if (activation != ActivationKind::linear)
    std::cout << wrapped_sum("(the neuron outputs " + name_of(activation) + "(", terms, "))") << "\n";
  if (config.data.normalize != NormalizationKind::none)
    std::cout << "(" << (network.inputs() == 1 ? "x is the input" : "the inputs are") << " after data.normalize \""
              << name_of(config.data.normalize) << "\")\n";
}

// The final loss and accuracies, a one-neuron model's equation, the test set's line and, for a regression, the
// errors in the target's own units.
template <typename T>
void print_results(Trainer<T>& trainer, const EpochReport& last, const Config& config) {
  std::cout << "final loss " << screen_number(last.loss);
  if (config.regularization.l1 > 0 || config.regularization.l2 > 0)
    std::cout << " (data " << screen_number(last.data_loss) << " + penalty " << screen_number(last.penalty) << ")";
  std::cout << "\n";
  if (last.train_accuracy) {
    std::cout << "final train accuracy " << screen_percent(*last.train_accuracy);
    if (last.validation_accuracy) std::cout << ", validation accuracy " << screen_percent(*last.validation_accuracy);
    std::cout << "\n";
  }
  print_neuron(trainer, config);
  const DataSplits& data = trainer.data();
  if (data.test.size() > 0) std::cout << format_evaluation("test", trainer.evaluate(data.test), data.schema);
  if (config.loss == LossKind::mse) {  // regression: the errors in the target's own units
    std::cout << regression_line("train", trainer.network(), data.train, data.schema) << "\n";
    if (data.validation.size() > 0)
      std::cout << regression_line("validation", trainer.network(), data.validation, data.schema) << "\n";
    if (data.test.size() > 0) std::cout << regression_line("test", trainer.network(), data.test, data.schema) << "\n";
  }
}

// --save, --plot and the report's path, once training ended. A model that had to be saved elsewhere is the run's
// error, thrown once everything else is out.
template <typename T>
void write_outputs(Trainer<T>& trainer, const Watchers<T>& watchers, const TrainOptions& options,
                   const std::optional<FileIdentity>& found_at_start, const StartingPoint& start) {
  std::string save_failure;
  if (!options.save_path.empty()) {
    const auto& checkpoint = watchers.checkpointer->last_written();
    const std::optional<FileIdentity> ours = checkpoint ? checkpoint : found_at_start;
    const bool replaced_another = file_identity(options.save_path) != ours;
    const SaveOutcome saved = save_model_or_rescue(options.save_path, trainer);
    if (saved.failure.empty())
      std::cout << "saved the model to " << saved.path.string()
                << (replaced_another ? " (over a file another process wrote there during this run)" : "") << "\n";
    else
      save_failure = saved.failure + "; the model was saved to " + saved.path.string() + " instead";
  }
  if (!options.plot_path.empty()) {
    Series train{.name = "training loss"}, validation{.name = "validation loss"};
    for (const EpochReport& r : watchers.history.reports) {
      train.x.push_back(double(r.epoch)), train.y.push_back(r.loss);
      if (r.validation_loss) validation.x.push_back(double(r.epoch)), validation.y.push_back(*r.validation_loss);
    }
    std::vector<Series> series = {train};
    if (!validation.x.empty()) series.push_back(validation);
    write_text_file(options.plot_path,
                    line_chart_svg(series, {"Loss: " + options.config_path, "epoch", "loss (log scale)", true}),
                    "plot file");
    std::cout << "wrote " << options.plot_path << "\n";
  }
  if (watchers.report) std::cout << "wrote " << watchers.report_path << "\n";
  // --resume only reads its model: without --save, what this run trained ends with it. Said once, at the end.
  if (options.save_path.empty() && !options.resume_path.empty()) {
    const std::size_t epochs = trainer.epochs_done() - start.epochs;
    std::cout << wrapped("not saved: --resume only reads " + options.resume_path + "; to keep " +
                             (epochs == 1 ? std::string("this epoch") : "these " + std::to_string(epochs) + " epochs") +
                             ", run with --save PATH (--save " + options.resume_path + " writes them back)",
                         kEpochLineWidth)
              << "\n";
  }
  if (!save_failure.empty()) throw TrainingError(save_failure);
}

template <typename T>
int train_as(const Config& config, const TrainOptions& options) {
  const std::unique_ptr<Trainer<T>> trainer = build_trainer<T>(config, options);
  // What was at the --save path when the run started: another process saving there meanwhile is then told apart.
  const std::optional<FileIdentity> found_at_start = file_identity(options.save_path);
  // From here on Ctrl-C stops between two batches and keeps what was trained (before, there is nothing to keep).
  install_stop_handlers();
  Watchers<T> watchers(*trainer, config, options);
  const StartingPoint start{trainer->epochs_done(), trainer->batches_done()};
  const Normalization& target = trainer->data().schema.target_normalization;
  if (target.kind != NormalizationKind::none && !options.quiet)
    std::cout << "the target " << trainer->data().schema.target << " is normalized (data.normalize_target \""
              << name_of(target.kind) << "\"): the losses below\nare on that scale; the last lines give the errors in its "
              << "own units\n";
  const RunSummary summary = train_keeping_what_was_trained(*trainer, watchers, options, start);
  if (summary.interrupted) return stopped_by_user(*trainer, options, start);
  print_results(*trainer, summary.last, config);
  write_outputs(*trainer, watchers, options, found_at_start, start);
  return 0;
}

}  // namespace

void add_version_flag(CLI::App& command) {
  command.set_version_flag("--version", "nnlab " NNLAB_VERSION);
}

CLI::App* add_train_command(CLI::App& app, TrainOptions& options) {
  CLI::App* train = app.add_subcommand("train", "Train a model from a JSON config and report the loss every epoch");
  add_version_flag(*train);
  train->add_option("config", options.config_path, "The JSON config file (see configs/)")->required();

  Overrides& o = options.overrides;
  override_flag(
      *train, "--activation", o.activation,
      "Activation of every hidden layer (of the only layer, for a one-layer model): " + join(kind_names<ActivationKind>()));
  override_flag(*train, "--output-activation", o.output_activation, "Activation of the last layer");
  number_flag(*train, "--lr,--learning-rate", o.learning_rate, "Learning rate (optimizer.learning_rate)");
  whole_number_flag(*train, "--epochs", o.epochs, 1, kMaxEpochs, "Number of epochs (training.epochs)");
  whole_number_flag(*train, "--batch-size", o.batch_size, 0, kAnyCount,
                    "Samples per step, 0 = whole set (optimizer.batch_size)");
  number_flag(*train, "--momentum", o.momentum, "Momentum in [0, 1) (optimizer.momentum)");
  number_flag(*train, "--l1", o.l1, "L1 penalty strength (regularization.l1)");
  number_flag(*train, "--l2", o.l2, "L2 penalty strength (regularization.l2)");
  whole_number_flag(*train, "--seed", o.seed, 0, kAnyCount, "Random seed for weights and shuffling (training.seed)");
  override_flag(*train, "--init", o.init, "Weight init of every layer: " + join(kind_names<Init>()) + " (model.init)");
  number_flag(*train, "--init-gain", o.init_gain, "Multiplies every initial weight (model.init_gain)");
  override_flag(*train, "--dtype", o.dtype, "float32 or float64 (training.dtype)");
  whole_number_flag(*train, "--log-every", o.log_every, 1, kMaxEpochs,
                    "Print the loss every N epochs (training.log_every)");
  train->add_option("--metrics", options.metrics_path, "Write one CSV row per epoch to this file");
  train->add_option("--save", options.save_path, "Save the trained model to this JSON file");
  train->add_option("--resume", options.resume_path, "Continue training a model saved with --save");
  train->add_option("--plot", options.plot_path, "Draw the loss curves into this SVG file");
  train->add_option("--report", options.report_path,
                    "Write a self-contained HTML page of the run, updated while it trains (training.report)");
  whole_number_flag(*train, "--threads", options.threads, 1, 1024,
                    "Threads for the matrix products (default: all cores); results are the same for any number");
  whole_number_flag(*train, "--checkpoint-every", options.checkpoint_every, 1, kMaxEpochs,
                    "Save the model so far to the --save file every N epochs");
  boolean_flag(*train, "--quiet", options.quiet, "Print only warnings, errors and the final result", "-q");
  boolean_flag(*train, "--diagnostics", o.diagnostics,
               "Per layer and epoch: dead and saturated units, activations, gradient norms, update sizes, zero "
               "weights (training.diagnostics)");
  return train;
}

namespace {

int train_from_flags(const TrainOptions& options) {
  if (options.checkpoint_every && options.save_path.empty())
    throw InputError("--checkpoint-every: checkpoints are written to the --save file; give --save PATH too");
  if (options.threads > 0) set_gemm_threads(options.threads);
  Config config = load_config(options.config_path);
  if (config.layers.size() == 1 && options.overrides.activation && options.overrides.output_activation)
    throw InputError("--output-activation: " + options.config_path + " has one layer, which --activation already " +
                     "sets; give one of the two");
  apply_overrides(config, options.overrides);
  // Every file of the run is checked before anything is loaded or written (one rule, output_paths.hpp).
  std::vector<InputFile> inputs = config_files(config);
  inputs.push_back({"--resume", options.resume_path, "--save"});  // read whole before --save replaces it
  check_command_files({{"--save", options.save_path, "model file", OutputKind::replaced},
                       {"--metrics", options.metrics_path, "metrics file"},
                       {"--plot", options.plot_path, "plot file"},
                       {"--report", report_path_for(config, options), "report file"}},
                      inputs);
  return config.dtype == DType::float64 ? train_as<double>(config, options) : train_as<float>(config, options);
}

}  // namespace

int run_train(const TrainOptions& options) {
  return naming_flags(options.overrides, [&] { return train_from_flags(options); });
}

}  // namespace nnlab::cli

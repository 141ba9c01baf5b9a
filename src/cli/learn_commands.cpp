// The learner's tools: `nnlab compare`, `nnlab gradcheck`, `nnlab explain` and `nnlab plot`.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "commands.hpp"
#include "nnlab/csv.hpp"
#include "nnlab/errors.hpp"
#include "nnlab/gradcheck.hpp"
#include "nnlab/model_io.hpp"
#include "nnlab/output_paths.hpp"
#include "nnlab/plot.hpp"
#include "nnlab/text.hpp"
#include "nnlab/trainer.hpp"

namespace nnlab::cli {
namespace {

std::string fixed(const char* pattern, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, pattern, value);
  return buffer;
}

// ---------------------------------------------------------------- compare

struct CompareRow {
  std::string activation;
  std::vector<double> losses;
  double final_loss = 0;
  std::optional<double> accuracy;
  std::optional<std::size_t> epochs_to_target;
  std::optional<double> dead;  // mean dead fraction over the rectifier layers, last epoch
  double seconds = 0;
  std::string failure;  // set when training stopped on a NaN/Inf
};

struct Collector : TrainingObserver {
  CompareRow& row;
  std::optional<double> target;
  explicit Collector(CompareRow& r, std::optional<double> t) : row(r), target(t) {}
  void on_epoch(const EpochReport& report) override {
    row.losses.push_back(report.loss);
    if (target && !row.epochs_to_target && report.loss <= *target) row.epochs_to_target = report.epoch;
    row.accuracy = report.validation_accuracy ? report.validation_accuracy : report.train_accuracy;
    double dead = 0;
    std::size_t rectifiers = 0;
    for (const auto& layer : report.layers)
      if (layer.dead_fraction) dead += *layer.dead_fraction, ++rectifiers;
    row.dead = rectifiers ? std::optional<double>(dead / double(rectifiers)) : std::nullopt;
  }
};

template <typename T>
CompareRow compare_one(const Config& config, const std::string& activation, std::optional<double> target) {
  CompareRow row;
  row.activation = activation;
  Trainer<T> trainer(config);
  Collector collector(row, target);
  std::vector<TrainingObserver*> observers = {&collector};
  const auto start = std::chrono::steady_clock::now();
  try {
    row.final_loss = trainer.run(observers).last.loss;
  } catch (const TrainingError&) {  // one activation blowing up is a result worth showing, not the end
    row.final_loss = NAN;
    row.failure = "diverged in epoch " + std::to_string(trainer.epochs_done() + 1);
  }
  row.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return row;
}

// ---------------------------------------------------------------- explain

// A vector or matrix, rounded for reading; long ones are cut with "...".
std::string show(const Tensor<double>& t, std::size_t row = 0, std::size_t limit = 8) {
  std::string out = "[";
  const std::size_t n = std::min(t.cols(), limit);
  for (std::size_t c = 0; c < n; ++c) out += (c ? ", " : "") + fixed("%.6g", t(row, c));
  if (t.cols() > limit) out += ", ... (" + std::to_string(t.cols()) + " values)";
  return out + "]";
}

void show_matrix(const std::string& name, const Tensor<double>& t) {
  std::cout << "    " << name << " (" << t.rows() << "x" << t.cols() << ")";
  if (t.rows() > 6) {
    double sum = 0;
    for (double v : t.values()) sum += v * v;
    std::cout << ": norm " << fixed("%.6g", std::sqrt(sum)) << ", first row " << show(t, 0) << "\n";
    return;
  }
  std::cout << (t.rows() == 1 ? " = " : ":\n");
  for (std::size_t r = 0; r < t.rows(); ++r) std::cout << (t.rows() == 1 ? "" : "      ") << show(t, r) << "\n";
}

// gradcheck and explain work in float64 whatever the config says: their point is exact arithmetic.
Trainer<double> float64_trainer(const std::string& config_path) {
  Config config = load_config(config_path);
  config.dtype = "float64";
  return Trainer<double>(config);
}

}  // namespace

CLI::App* add_compare_command(CLI::App& app, CompareOptions& options) {
  CLI::App* compare = app.add_subcommand(
      "compare",
      "Train the same model with each of several activations (same data, seed and initial weights) and "
      "compare them");
  add_version_flag(*compare);
  compare->add_option("config", options.config_path, "The JSON config file")->required();
  compare->add_option("--activations", options.activations, "Comma-separated activations for the hidden layers")
      ->delimiter(',')
      ->required();
  compare->add_option_function<double>(
      "--target", [&options](const double& v) { options.target = v; },
      "Count the epochs each needs to reach this loss");
  compare->add_option_function<std::size_t>(
      "--epochs", [&options](const std::size_t& v) { options.epochs = v; }, "Epochs for every run (training.epochs)");
  compare->add_option("--csv", options.csv_path, "Write the table as CSV to this file");
  compare->add_option("--plot", options.plot_path, "Draw every run's loss curve into this SVG file");
  return compare;
}

int run_compare(const CompareOptions& options) {
  const Config base = load_config(options.config_path);
  // Before any training: a --csv into a missing folder must not cost the whole comparison.
  check_command_files({{"--csv", options.csv_path, "CSV file"}, {"--plot", options.plot_path, "plot file"}},
                      config_files(base));
  std::vector<Config> configs;
  for (const auto& name : options.activations) {  // check every name before training any
    Config config = base;
    Overrides overrides;
    overrides.activation = name;
    overrides.epochs = options.epochs;
    overrides.diagnostics = true;
    apply_overrides(config, overrides);
    configs.push_back(config);
  }
  std::cout << "comparing " << options.activations.size() << " activations on " << options.config_path << ", "
            << configs[0].epochs << " epochs each, seed " << base.seed << "\n";
  std::cout << "activation    final loss    accuracy   epochs to target   dead units   seconds\n";
  std::vector<CompareRow> rows;
  for (std::size_t i = 0; i < configs.size(); ++i) {
    const std::string& name = configs[i].layers[0].activation;
    CompareRow row = configs[i].dtype == "float64" ? compare_one<double>(configs[i], name, options.target)
                                                   : compare_one<float>(configs[i], name, options.target);
    char line[256];
    if (!row.failure.empty()) {
      std::printf("%-12s  %s (the NaN/Inf tripwire stopped it: try a smaller learning rate)\n", name.c_str(),
                  row.failure.c_str());
      std::fflush(stdout);
      rows.push_back(std::move(row));
      continue;
    }
    std::snprintf(
        line, sizeof line, "%-12s  %-12.6g  %-9s  %-17s  %-11s  %.2f\n", name.c_str(), row.final_loss,
        row.accuracy ? fixed("%.4f", *row.accuracy).c_str() : "-",
        row.epochs_to_target ? std::to_string(*row.epochs_to_target).c_str() : (options.target ? "not reached" : "-"),
        row.dead ? fixed("%.1f%%", 100 * *row.dead).c_str() : "-", row.seconds);
    std::cout << line << std::flush;
    rows.push_back(std::move(row));
  }
  if (!options.csv_path.empty()) {
    std::string csv = "activation,final_loss,accuracy,epochs_to_target,dead_fraction,seconds\n";
    for (const auto& row : rows)
      csv += row.activation + "," + round_trip(row.final_loss) + "," + (row.accuracy ? round_trip(*row.accuracy) : "") +
             "," + (row.epochs_to_target ? std::to_string(*row.epochs_to_target) : "") + "," +
             (row.dead ? round_trip(*row.dead) : "") + "," + round_trip(row.seconds) + "\n";
    write_text_file(options.csv_path, csv, "CSV file");
  }
  if (!options.plot_path.empty()) {
    std::vector<Series> series;
    for (const auto& row : rows) {
      Series s{.name = row.activation};
      for (std::size_t e = 0; e < row.losses.size(); ++e) s.x.push_back(double(e + 1)), s.y.push_back(row.losses[e]);
      series.push_back(s);
    }
    write_text_file(options.plot_path,
                    line_chart_svg(series, {"Training loss by activation: " + options.config_path, "epoch",
                                            "loss (log scale)", true}),
                    "plot file");
    std::cout << "wrote " << options.plot_path << "\n";
  }
  return 0;
}

CLI::App* add_gradcheck_command(CLI::App& app, GradcheckOptions& options) {
  CLI::App* gradcheck = app.add_subcommand(
      "gradcheck", "Check the model's backpropagation against central differences (float64), parameter by parameter");
  add_version_flag(*gradcheck);
  gradcheck->add_option("config", options.config_path, "The JSON config file")->required();
  gradcheck->add_option("--samples", options.samples, "Training rows in the checked batch (default 8)");
  gradcheck->add_option("--tolerance", options.tolerance, "Largest relative error that passes (default 1e-4)");
  return gradcheck;
}

int run_gradcheck(const GradcheckOptions& options) {
  Trainer<double> trainer = float64_trainer(options.config_path);
  const Config& config = trainer.config();
  const Dataset& train = trainer.data().train;
  const std::size_t count = std::min(std::max<std::size_t>(options.samples, 1), train.size());
  Tensor<double> inputs, targets;
  train.gather_range(0, count, inputs, targets);
  trainer.compute_gradients(inputs, targets);
  const auto results =
      check_gradients(trainer.network().parameters(), [&] { return trainer.objective(inputs, targets); });

  std::cout << "gradient check of " << trainer.network().describe() << " on " << count << " training samples, loss "
            << config.loss << " + penalty, float64, central differences h = " << round_trip(kGradientStep) << "\n";
  std::cout << "parameter             values   max |gradient|   max relative error\n";
  bool ok = true;
  for (const auto& r : results) {
    const bool pass = r.max_relative_error <= options.tolerance;
    ok = ok && pass;
    char line[160];
    std::snprintf(line, sizeof line, "%-20s  %7zu   %-14.3e   %-10.3e %s\n", r.name.c_str(), r.checked,
                  r.max_abs_gradient, r.max_relative_error, pass ? "ok" : "FAIL");
    std::cout << line;
  }
  std::cout << (ok ? "all gradients agree to within " : "some gradients differ by more than ")
            << round_trip(options.tolerance) << "\n";
  return ok ? 0 : 1;
}

CLI::App* add_explain_command(CLI::App& app, ExplainOptions& options) {
  CLI::App* explain = app.add_subcommand(
      "explain", "Show one training step on one sample, number by number: forward, error, backward, update");
  add_version_flag(*explain);
  explain->add_option("config", options.config_path, "The JSON config file")->required();
  explain->add_option("--sample", options.sample, "Which training row (default 0, the first)");
  return explain;
}

// What explain shows of the step: copies of the numbers as train_step passes them (step.hpp).
struct ExplainTrace final : StepObserver<double> {
  Tensor<double> d_output, d_logits;
  std::vector<Tensor<double>> data_grads, full_grads, values_before;
  void on_head(const StepBuffers<double>& buffers) override {
    d_output = buffers.d_output;
    d_logits = buffers.d_logits;
  }
  void on_data_gradient(const std::vector<Parameter<double>*>& parameters) override {
    for (const auto* p : parameters) data_grads.push_back(p->grad), values_before.push_back(p->value);
  }
  void on_full_gradient(const std::vector<Parameter<double>*>& parameters, const Sgd<double>&) override {
    for (const auto* p : parameters) full_grads.push_back(p->grad);
  }
};

int run_explain(const ExplainOptions& options) {
  Trainer<double> trainer = float64_trainer(options.config_path);
  const Config& config = trainer.config();
  const Dataset& train = trainer.data().train;
  if (options.sample >= train.size())
    throw InputError("--sample: there are " + std::to_string(train.size()) + " training rows (0 to " +
                     std::to_string(train.size() - 1) + "), got " + std::to_string(options.sample));
  Network<double>& network = trainer.network();
  const std::vector<std::size_t> row = {options.sample};
  Tensor<double> x, y;
  train.gather(row, x, y);
  const LossHead<double>& head = trainer.head();
  const bool fused = !head.fused_activation().empty();
  const std::vector<Parameter<double>*> parameters = network.parameters();
  auto index_of = [&](const Parameter<double>& p) {
    return std::size_t(std::find(parameters.begin(), parameters.end(), &p) - parameters.begin());
  };
  ExplainTrace trace;
  trainer.optimizer().set_learning_rate(scheduled_learning_rate(config, 1));
  trainer.train_step(x, y, 1, &trace);

  std::cout << "one training step of " << network.describe() << " on training row " << options.sample
            << " (learning rate " << round_trip(config.optimizer.learning_rate) << ", loss " << config.loss << ")\n\n";
  std::cout << "forward\n  x = " << show(x) << "\n";
  for (std::size_t i = 0; i < network.layer_count(); ++i) {
    const Dense<double>& layer = network.layer(i);
    std::cout << "  layer " << i << " (" << layer.activation().name() << ")\n";
    show_matrix("W", trace.values_before[index_of(layer.weight)]);
    std::cout << "    b = " << show(trace.values_before[index_of(layer.bias)]) << "\n    z = W·input + b = " << show(layer.Z())
              << "\n    f(z) = " << show(layer.A()) << "\n";
  }
  const Tensor<double>& output = network.last_layer().A();
  const double data_loss = head.loss(network.last_layer(), y);
  std::cout << "\nloss\n  target = " << show(y) << "\n";
  if (!fused) {
    Tensor<double> error(output.rows(), output.cols());
    for (std::size_t c = 0; c < output.cols(); ++c) error(0, c) = output(0, c) - y(0, c);
    std::cout << "  error = f(z) - target = " << show(error) << "\n";
  }
  std::cout << "  " << config.loss << " = " << fixed("%.10g", data_loss) << "\n";

  std::cout << "\nbackward\n";
  if (fused)
    std::cout << "  dL/dz of the last layer = " << head.fused_activation() << "(z) - one_hot(target) = "
              << show(trace.d_logits) << " (" << config.loss << " fused with " << head.fused_activation() << ")\n";
  else
    std::cout << "  dL/df(z) of the last layer = " << show(trace.d_output) << "\n";
  for (std::size_t i = network.layer_count(); i-- > 0;) {
    Dense<double>& layer = network.layer(i);
    std::cout << "  layer " << i << " (" << layer.activation().name() << ")\n";
    if (!(fused && i + 1 == network.layer_count()) && layer.activation().name() != "softmax") {
      // f'(z) is dZ for dA = 1 (this overwrites PReLU's slope gradient, which the trace has already copied)
      Tensor<double> ones(layer.Z().rows(), layer.Z().cols(), 1.0), slope;
      layer.activation().backward(layer.Z(), layer.A(), ones, slope);
      std::cout << "    f'(z) = " << show(slope) << "\n";
    }
    // db = dL/dz for one sample
    std::cout << "    dL/dz = " << show(trace.data_grads[index_of(layer.bias)]) << "\n";
    show_matrix("dL/dW = dL/dz · input^T", trace.data_grads[index_of(layer.weight)]);
  }
  std::cout << "\nupdate (" << (config.optimizer.momentum ? "with momentum " + round_trip(config.optimizer.momentum) : "plain SGD")
            << (config.regularization.l1_proximal ? ", proximal L1" : "") << ")\n";
  for (std::size_t k = 0; k < parameters.size(); ++k) {
    Tensor<double> penalty = trace.full_grads[k], change = parameters[k]->value;
    for (std::size_t i = 0; i < penalty.size(); ++i) {
      penalty[i] -= trace.data_grads[k][i];
      change[i] -= trace.values_before[k][i];
    }
    std::cout << "  " << parameters[k]->name << "\n";
    show_matrix("penalty gradient", penalty);
    show_matrix("change", change);
    show_matrix("value after", parameters[k]->value);
  }
  return 0;
}

CLI::App* add_plot_command(CLI::App& app, PlotOptions& options) {
  CLI::App* plot = app.add_subcommand("plot", "Draw SVG charts: loss curves, activations, decision boundaries");
  add_version_flag(*plot);
  plot->require_subcommand(1);
  CLI::App* loss = plot->add_subcommand("loss", "Loss curves (train and validation) from a --metrics CSV");
  loss->add_option("metrics", options.input, "A CSV written by nnlab train --metrics")->required();
  loss->add_option("--output,-o", options.output_path, "SVG file to write (default loss.svg)");
  loss->add_flag("--linear", options.linear, "Linear instead of logarithmic loss axis");
  loss->callback([&options] { options.what = "loss"; });
  CLI::App* activations = plot->add_subcommand("activations", "Every activation and its derivative");
  activations->add_option("--output,-o", options.output_path, "SVG file to write (default activations.svg)");
  activations->callback([&options] { options.what = "activations"; });
  CLI::App* boundary = plot->add_subcommand("boundary", "Decision boundary of a saved 2-D classifier over its data");
  boundary->add_option("config", options.input, "The config whose training data to draw")->required();
  boundary->add_option("--model", options.model_path, "A model saved with nnlab train --save")->required();
  boundary->add_option("--output,-o", options.output_path, "SVG file to write (default boundary.svg)");
  boundary->callback([&options] { options.what = "boundary"; });
  CLI::App* gradients = plot->add_subcommand(
      "gradients", "Weight-gradient norm per layer at the last epoch, one line per --diagnostics metrics CSV");
  gradients->add_option("metrics", options.inputs, "CSV files written by nnlab train --diagnostics --metrics")
      ->required();
  gradients->add_option("--output,-o", options.output_path, "SVG file to write (default gradients.svg)");
  gradients->callback([&options] { options.what = "gradients"; });
  CLI::App* weights = plot->add_subcommand(
      "weights", "The first layer's weights, input by input, of one or more saved one-output models");
  weights->add_option("models", options.inputs, "Model files saved with nnlab train --save")->required();
  weights->add_option("--output,-o", options.output_path, "SVG file to write (default weights.svg)");
  weights->callback([&options] { options.what = "weights"; });
  for (CLI::App* sub : {loss, activations, boundary, gradients, weights}) add_version_flag(*sub);
  return plot;
}

int run_plot(const PlotOptions& options) {
  std::string output = options.output_path.empty() ? options.what + ".svg" : options.output_path;
  std::vector<InputFile> inputs = {{"--model", options.model_path},
                                   {options.what == "loss" ? "metrics" : "config", options.input}};
  for (const std::string& file : options.inputs) inputs.push_back({"metrics", file});
  check_command_files({{"--output", output, "plot file"}}, inputs);
  if (options.what == "activations") {
    write_text_file(output, activation_gallery_svg(), "plot file");
  } else if (options.what == "weights") {
    std::vector<Series> series;
    for (const std::string& file : options.inputs) {
      const SavedModel model = load_model(file);
      // The first layer's weight is stored first: units rows of `inputs` values; the first unit is plotted.
      Series s{.name = std::filesystem::path(file).stem().string()};
      s.markers = true;
      for (std::size_t i = 0; i < model.inputs; ++i) {
        s.x.push_back(double(i + 1));
        s.y.push_back(std::abs(model.parameters[0].values[i]));
      }
      series.push_back(s);
    }
    // |w| on a log axis spreads "small" over many decades; an exactly-zero weight has no point at all.
    write_text_file(output,
                    line_chart_svg(series, {"|weight| per input (no dot: exactly zero)", "input (feature number)",
                                            "|weight| (log scale)", true}),
                    "plot file");
  } else if (options.what == "gradients") {
    std::vector<Series> series;
    for (const std::string& file : options.inputs) {
      CsvTable table = read_csv(file);
      if (table.rows.size() > 1) {  // only the last epoch is drawn (an epoch-0 row has no gradient yet)
        table.rows.erase(table.rows.begin(), table.rows.end() - 1);
        table.row_lines.erase(table.row_lines.begin(), table.row_lines.end() - 1);
        table.cell_columns.erase(table.cell_columns.begin(), table.cell_columns.end() - 1);
      }
      Series s{.name = std::filesystem::path(file).stem().string()};
      for (std::size_t layer = 0;; ++layer) {
        const std::string column = "layer" + std::to_string(layer) + "_gradient_norm";
        if (std::find(table.header.begin(), table.header.end(), column) == table.header.end()) break;
        const Tensor<double> values = table.numeric_columns({table.column_index(column, file)});
        s.x.push_back(double(layer));
        s.y.push_back(values(values.rows() - 1, 0));
      }
      if (s.x.empty())
        throw InputError(file +
                         ": has no layer0_gradient_norm column; write it with nnlab train --diagnostics --metrics");
      series.push_back(s);
    }
    write_text_file(output,
                    line_chart_svg(series, {"Weight-gradient norm by layer (last epoch)",
                                            "layer (0 = next to the input)", "|dW| (log scale)", true}),
                    "plot file");
  } else if (options.what == "loss") {
    const CsvTable table = read_csv(options.input);
    const std::size_t epoch = table.column_index("epoch", options.input);
    std::vector<Series> series;
    for (const auto& [column, name] : {std::pair{"loss", "training loss"}, {"validation_loss", "validation loss"}}) {
      if (std::find(table.header.begin(), table.header.end(), column) == table.header.end()) continue;
      const std::size_t index = table.column_index(column, options.input);
      if (table.rows[0][index].empty()) continue;  // no validation split in that run
      const Tensor<double> values = table.numeric_columns({epoch, index});
      Series s{.name = name};
      for (std::size_t r = 0; r < values.rows(); ++r) s.x.push_back(values(r, 0)), s.y.push_back(values(r, 1));
      series.push_back(s);
    }
    if (series.empty()) throw InputError(options.input + ": has no \"loss\" column; is it a --metrics file?");
    write_text_file(output,
                    line_chart_svg(series, {"Loss: " + options.input, "epoch",
                                            options.linear ? "loss" : "loss (log scale)", !options.linear}),
                    "plot file");
  } else {
    const SavedModel model = load_model(options.model_path);
    const bool soft = model.schema.soft_targets;
    if (model.inputs != 2 || model.schema.accuracy_classes() == 0)
      throw InputError(options.model_path + ": a decision boundary needs a classifier with 2 inputs; this model has " +
                       std::to_string(model.inputs) + " inputs" +
                       (model.schema.accuracy_classes() == 0 ? " and does regression" : ""));
    const Config config = load_config(options.input);
    const DataSplits data = load_data(config, &model.schema);
    // Soft targets are drawn by their side of 0.5, the two "classes" their accuracy counts.
    BoundaryData points{Tensor<double>(data.train.size(), 2), {},
                        soft ? std::vector<std::string>{"target < 0.5", "target >= 0.5"} : model.schema.class_names};
    for (std::size_t r = 0; r < data.train.size(); ++r) {
      points.points(r, 0) = data.train.input(r, 0);
      points.points(r, 1) = data.train.input(r, 1);
      const double target = data.train.targets()(r, 0);
      points.labels.push_back(soft ? std::size_t(target >= 0.5) : std::size_t(target));
    }
    Network<double> network = network_from<double>(model);
    auto predict_grid = [&](const Tensor<double>& grid) {
      Dataset cells(grid, Tensor<double>(grid.rows(), 1));
      cells.set_normalization(model.schema.normalization);
      Tensor<double> outputs = predict(network, cells);
      if (outputs.cols() > 1) return outputs;
      Tensor<double> two(outputs.rows(), 2);  // one sigmoid output: P(class 1)
      for (std::size_t r = 0; r < outputs.rows(); ++r) two(r, 0) = 1 - outputs[r], two(r, 1) = outputs[r];
      return two;
    };
    const std::string shape = network.describe().substr(0, network.describe().find(' '));  // e.g. 2-16-3
    const std::string title =
        "Decision boundary: " + std::filesystem::path(options.model_path).filename().string() + ", " + shape;
    write_text_file(output, decision_boundary_svg(points, predict_grid, title), "plot file");
  }
  std::cout << "wrote " << output << "\n";
  return 0;
}

}  // namespace nnlab::cli

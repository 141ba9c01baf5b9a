// The learner's tools: `nnlab compare`, `nnlab gradcheck` and `nnlab plot` (explain: explain_command.cpp).
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "commands.hpp"
#include "config_flags.hpp"
#include "flags.hpp"
#include "nnlab/report.hpp"
#include "nnlab/csv.hpp"
#include "nnlab/errors.hpp"
#include "nnlab/experiment.hpp"
#include "nnlab/gradcheck.hpp"
#include "nnlab/html_report.hpp"
#include "nnlab/model_io.hpp"
#include "nnlab/output_paths.hpp"
#include "nnlab/plot.hpp"
#include "nnlab/text.hpp"
#include "nnlab/trainer.hpp"

namespace nnlab::cli {
namespace {

// ---------------------------------------------------------------- compare

// "0.3123 ± 0.0521" over the seeds, or the one value for one seed; "-" for none.
std::string spread_cell(const std::vector<double>& values, std::size_t seeds, const char* one, const char* mean,
                        const char* deviation) {
  if (values.empty()) return "-";
  const Spread s = spread_of(values);
  if (seeds == 1) return formatted(one, s.mean);
  return formatted(mean, s.mean) + " ± " + formatted(deviation, s.deviation);
}

// Accuracies as the console shows them: "98.75%", or "38.7% ± 10.0%" over several seeds (percentage points).
std::string percent_cell(const std::vector<double>& fractions, std::size_t seeds) {
  std::vector<double> percents;
  for (double f : fractions) percents.push_back(100 * f);
  return spread_cell(percents, seeds, "%.2f%%", "%.1f%%", "%.1f%%");
}

// A cell padded to `width` characters on screen ("±" is one character in two bytes).
std::string padded(const std::string& text, std::size_t width) {
  std::size_t shown = 0;
  for (unsigned char c : text) shown += (c & 0xC0) != 0x80;
  return text + std::string(width > shown ? width - shown : 1, ' ');
}

// gradcheck works in float64 whatever the config says: its point is exact arithmetic.
Trainer<double> float64_trainer(const std::string& config_path) {
  Config config = load_config(config_path);
  config.dtype = DType::float64;
  return Trainer<double>(config);
}

}  // namespace

CLI::App* add_compare_command(CLI::App& app, CompareOptions& options) {
  CLI::App* compare = app.add_subcommand(
      "compare",
      "Train the same model with each of several activations, or values of one config key, from the same seeds "
      "(so the same initial weights) and compare them");
  add_version_flag(*compare);
  compare->add_option("config", options.config_path, "The JSON config file")->required();
  CLI::Option* activations =
      compare->add_option("--activations", options.activations, "Comma-separated activations for the hidden layers")
          ->delimiter(',');
  CLI::Option* values = compare->add_option(
      "--values", options.values,
      "KEY=v1,v2,...: compare values of one config key instead, e.g. optimizer.learning_rate=0.01,0.1,1");
  activations->excludes(values);
  whole_number_flag(*compare, "--seeds", options.seeds, 1, 1000,
                    "Train each from this many seeds (seed, seed+1, ...): mean and spread over them (default 1)");
  number_flag(*compare, "--target", options.target, "Count the epochs each needs to reach this loss");
  Overrides& o = options.overrides;
  whole_number_flag(*compare, "--epochs", o.epochs, 1, kMaxEpochs, "Epochs for every run (training.epochs)");
  number_flag(*compare, "--lr,--learning-rate", o.learning_rate, "Learning rate (optimizer.learning_rate)");
  whole_number_flag(*compare, "--seed", o.seed, 0, kAnyCount, "The first seed (training.seed)");
  compare->add_option_function<std::string>(
      "--init", [&o](const std::string& v) { o.init = v; },
      "Weight init of every layer: " + join(kind_names<Init>()) + " (model.init)");
  number_flag(*compare, "--init-gain", o.init_gain, "Multiplies every initial weight (model.init_gain)");
  whole_number_flag(*compare, "--batch-size", o.batch_size, 0, kAnyCount,
                    "Samples per step, 0 = whole set (optimizer.batch_size)");
  number_flag(*compare, "--momentum", o.momentum, "Momentum in [0, 1) (optimizer.momentum)");
  number_flag(*compare, "--l1", o.l1, "L1 penalty strength (regularization.l1)");
  number_flag(*compare, "--l2", o.l2, "L2 penalty strength (regularization.l2)");
  compare->add_option_function<std::string>(
      "--dtype", [&o](const std::string& v) { o.dtype = v; }, "float32 or float64 (training.dtype)");
  compare->add_option("--csv", options.csv_path, "Write one row per run (variant and seed) to this CSV file");
  compare->add_option("--plot", options.plot_path, "Draw each variant's loss curve (mean over seeds) into this SVG");
  compare->add_option("--report", options.report_path,
                      "Write a self-contained HTML page of the comparison, updated after each variant");
  return compare;
}

namespace {

// The variants to train: one per --activations name, or one per --values value; each holds a config per seed.
std::vector<Variant> compared_variants(const CompareOptions& options) {
  if (options.activations.empty() == options.values.empty())
    throw InputError("compare: give --activations A,B,... or --values KEY=v1,v2,... (one of them)");
  if (options.values.empty()) {
    try {
      return activation_variants(load_config(options.config_path), options.activations, options.overrides,
                                 options.seeds);
    } catch (const InputError& e) {  // the user typed --activations: name that flag
      const std::string message = e.what(), flag = "--activation:";
      if (!message.starts_with(flag)) throw;
      throw InputError("--activations:" + message.substr(flag.size()));
    }
  }
  const std::string key = options.values.substr(0, options.values.find('='));
  if (const auto flag = flag_that_set(key, options.overrides))
    throw InputError("--values: " + key + " is what " + *flag + " sets too; give one of them");
  return value_variants(options.config_path, options.values, options.overrides, options.seeds);
}

// The console table's shape: what varies (the first column) and how wide each column is.
struct CompareTable {
  std::string axis;  // "activation", or the config key of --values
  std::size_t seeds = 1;
  bool target = false;  // --target: the "to target" and "reached" columns
  std::size_t label_width = 12, loss_width = 14, accuracy_width = 10;
};

CompareTable compare_table(const CompareOptions& options) {
  CompareTable table{.axis = options.values.empty() ? "activation" : options.values.substr(0, options.values.find('=')),
                     .seeds = options.seeds,
                     .target = options.target.has_value()};
  table.label_width = std::max<std::size_t>(12, table.axis.size() + 2);
  if (table.seeds > 1) table.loss_width = 17, table.accuracy_width = 15;
  return table;
}

// What is compared, within 80 columns (the seeds go onto an indented line of their own when they do not fit), then
// the table's head row.
void print_compare_heading(const CompareOptions& options, const CompareTable& table, const Config& first,
                           std::size_t variants) {
  const std::size_t seeds = table.seeds;
  const std::string what = "comparing " + std::to_string(variants) + " " +
                           (options.values.empty() ? "activations" : "values of " + table.axis) + " on " +
                           options.config_path + ", " + std::to_string(first.epochs) + " epochs each";
  const std::string which = seeds == 1 ? "seed " + std::to_string(first.seed)
                                       : "seeds " + std::to_string(first.seed) + " to " +
                                             std::to_string(first.seed + seeds - 1);
  const std::string head = wrapped(what + ",", 80), last_line = head.substr(head.rfind('\n') + 1);
  std::cout << head << (columns(last_line) + 1 + columns(which) <= 80 ? " " : "\n  ") << which << "\n";
  if (seeds > 1) std::cout << "(the same " << seeds << " initial weight sets for each; mean ± standard deviation)\n";
  std::cout << padded(table.axis, table.label_width) << padded("final loss", table.loss_width)
            << padded("accuracy", table.accuracy_width) << (table.target ? padded("to target", 12) + "reached  " : "")
            << "dead    time\n";
}

// One variant's runs (one per seed) summed up: the numbers of the runs that finished, the seeds that diverged.
struct VariantSummary {
  std::vector<double> losses, accuracies, epochs, dead;
  std::vector<std::string> diverged;  // with one seed its failure ("diverged in epoch N"), else the seeds
  double seconds = 0;
};

VariantSummary summarize(const std::vector<RunResult>& runs, std::size_t seeds) {
  VariantSummary s;
  for (const RunResult& run : runs) {
    s.seconds += run.seconds;
    if (!run.failure.empty()) {
      s.diverged.push_back(seeds == 1 ? run.failure : std::to_string(run.seed));
      continue;
    }
    s.losses.push_back(run.final_loss);
    if (run.accuracy) s.accuracies.push_back(*run.accuracy);
    if (run.epochs_to_target) s.epochs.push_back(double(*run.epochs_to_target));
    if (run.dead) s.dead.push_back(*run.dead);
  }
  return s;
}

// The cells of a variant that finished at least once, as both the console and the report show them.
struct VariantCells {
  std::string loss, accuracy, to_target, reached, dead;
};

VariantCells variant_cells(const VariantSummary& s, const CompareTable& table) {
  const std::size_t seeds = table.seeds;
  return {.loss = spread_cell(s.losses, seeds, "%.6g", "%.4g", "%.2g"),
          .accuracy = percent_cell(s.accuracies, seeds),
          .to_target = !table.target    ? "-"
                       : s.epochs.empty() ? "not reached"
                                          : spread_cell(s.epochs, seeds, "%.0f", "%.0f", "%.0f"),
          .reached = std::to_string(s.epochs.size()) + "/" + std::to_string(seeds),
          .dead = s.dead.empty() ? "-" : formatted("%.1f%%", 100 * spread_of(s.dead).mean)};
}

// The variant's console row (and a line naming the seeds that diverged); returns the report's row.
std::vector<std::string> print_variant_row(const Variant& variant, const VariantSummary& s,
                                           const CompareTable& table) {
  std::cout << padded(variant.label, table.label_width);
  if (s.losses.empty()) {
    std::cout << (table.seeds == 1 ? s.diverged[0] : "every seed diverged")
              << " (the NaN/Inf tripwire stopped it: try a smaller learning rate)\n"
              << std::flush;
    return {variant.label, "diverged", "-", "-", "-", "-"};
  }
  const VariantCells cells = variant_cells(s, table);
  std::cout << padded(cells.loss, table.loss_width) << padded(cells.accuracy, table.accuracy_width);
  if (table.target) std::cout << padded(cells.to_target, 12) << padded(cells.reached, 9);
  std::cout << padded(cells.dead, 8) << format_duration(s.seconds) << "\n";
  if (!s.diverged.empty())
    std::cout << "  " << s.diverged.size() << " of " << table.seeds << " diverged (seeds " << join(s.diverged)
              << "); the numbers above are the others'\n";
  std::cout << std::flush;
  return {variant.label, cells.loss, cells.accuracy,
          cells.to_target + (table.target ? " (" + cells.reached + " reached)" : ""), cells.dead,
          formatted("%.2f", s.seconds)};
}

// --report: the page of the comparison, written before the first run, after each variant and at the end.
struct CompareReportFile {
  std::string path;  // empty: no report
  CompareReport report;

  void write() const {
    if (!path.empty()) write_report(path, compare_report_html(report));
  }
  void add(const Variant& variant, const std::vector<RunResult>& runs, std::vector<std::string> cells) {
    if (path.empty()) return;
    CompareRun shown{.name = variant.label};
    for (const RunResult& run : runs) {
      if (!run.failure.empty()) continue;
      shown.losses.push_back(run.losses);
      if (!run.accuracies.empty()) shown.accuracies.push_back(run.accuracies);
      if (shown.picture_svg.empty()) shown.picture_svg = run.picture_svg;
    }
    report.runs.push_back(std::move(shown));
    report.table_rows.push_back(std::move(cells));
    write();
  }
};

CompareReportFile start_report(const CompareOptions& options, const CompareTable& table, const Config& first,
                               std::size_t variants) {
  CompareReportFile file{
      .path = options.report_path,
      .report = {.title = (options.values.empty() ? join(options.activations) : options.values) + " on " +
                          options.config_path,
                 .config_json = config_text(first),
                 .context = {shell_command_line(options.arguments), machine_description()},
                 .table_header = {table.axis, "final loss", "accuracy", "epochs to target", "dead units", "seconds"},
                 .runs_planned = variants}};
  if (!file.path.empty()) check_writable(file.path, "report file");
  file.write();
  return file;
}

// --csv: one row per run (variant and seed), every number at round-trip precision.
void write_compare_csv(const std::string& path, const std::string& axis, const std::vector<Variant>& variants,
                       const std::vector<std::vector<RunResult>>& results) {
  std::string csv = csv_field(axis) + ",seed,final_loss,accuracy,epochs_to_target,dead_fraction,seconds\n";
  for (std::size_t v = 0; v < variants.size(); ++v)
    for (const RunResult& run : results[v])
      csv += csv_field(variants[v].label) + "," + std::to_string(run.seed) + "," + round_trip(run.final_loss) + "," +
             (run.accuracy ? round_trip(*run.accuracy) : "") + "," +
             (run.epochs_to_target ? std::to_string(*run.epochs_to_target) : "") + "," +
             (run.dead ? round_trip(*run.dead) : "") + "," + round_trip(run.seconds) + "\n";
  write_text_file(path, csv, "CSV file");
}

// The mean loss curve over the seeds that finished, as far as all of them went.
Series mean_loss_curve(const Variant& variant, const std::vector<RunResult>& runs, std::size_t seeds) {
  std::vector<const RunResult*> finished;
  for (const RunResult& run : runs)
    if (run.failure.empty()) finished.push_back(&run);
  Series s{.name = variant.label + (seeds > 1 ? " (mean of " + std::to_string(finished.size()) + ")" : "")};
  std::size_t length = finished.empty() ? 0 : finished[0]->losses.size();
  for (const RunResult* run : finished) length = std::min(length, run->losses.size());
  for (std::size_t e = 0; e < length; ++e) {
    double sum = 0;
    for (const RunResult* run : finished) sum += run->losses[e];
    s.x.push_back(double(e + 1)), s.y.push_back(sum / double(finished.size()));
  }
  return s;
}

// --plot: each variant's mean loss curve on a log axis.
void write_compare_plot(const CompareOptions& options, const std::string& axis, const std::vector<Variant>& variants,
                        const std::vector<std::vector<RunResult>>& results) {
  std::vector<Series> series;
  for (std::size_t v = 0; v < variants.size(); ++v)
    series.push_back(mean_loss_curve(variants[v], results[v], options.seeds));
  write_text_file(options.plot_path,
                  line_chart_svg(series, {"Training loss by " + axis + ": " + options.config_path, "epoch",
                                          "loss (log scale)", true}),
                  "plot file");
  std::cout << "wrote " << options.plot_path << "\n";
}

int train_and_compare(const CompareOptions& options) {
  // Before any training: a --csv into a missing folder must not cost the whole comparison.
  check_command_files({{"--csv", options.csv_path, "CSV file"},
                       {"--plot", options.plot_path, "plot file"},
                       {"--report", options.report_path, "report file"}},
                      config_files(load_config(options.config_path)));
  const std::vector<Variant> variants = compared_variants(options);
  const CompareTable table = compare_table(options);
  const Config& first = variants[0].runs[0];
  print_compare_heading(options, table, first, variants.size());
  CompareReportFile report = start_report(options, table, first, variants.size());
  std::vector<std::vector<RunResult>> results;
  for (const Variant& variant : variants) {
    std::vector<RunResult> runs;
    for (const Config& config : variant.runs)
      runs.push_back(run_experiment(config, options.target, report.path.empty() ? "" : variant.label));
    report.add(variant, runs, print_variant_row(variant, summarize(runs, table.seeds), table));
    results.push_back(std::move(runs));
  }
  if (!options.csv_path.empty()) write_compare_csv(options.csv_path, table.axis, variants, results);
  if (!options.plot_path.empty()) write_compare_plot(options, table.axis, variants, results);
  if (!report.path.empty()) {
    report.report.end = RunEnd::finished;
    report.report.end_text = "finished: " + std::to_string(variants.size()) + " variants" +
                             (table.seeds > 1 ? " × " + std::to_string(table.seeds) + " seeds" : "");
    report.write();
    std::cout << "wrote " << options.report_path << "\n";
  }
  return 0;
}

}  // namespace

int run_compare(const CompareOptions& options) {
  return naming_flags(options.overrides, [&] { return train_and_compare(options); });
}

CLI::App* add_gradcheck_command(CLI::App& app, GradcheckOptions& options) {
  CLI::App* gradcheck = app.add_subcommand(
      "gradcheck", "Check the model's backpropagation against central differences (float64), parameter by parameter");
  add_version_flag(*gradcheck);
  gradcheck->add_option("config", options.config_path, "The JSON config file")->required();
  whole_number_flag(*gradcheck, "--samples", options.samples, 1, kAnyCount,
                    "Training rows in the checked batch (default 8)");
  number_flag(*gradcheck, "--tolerance", options.tolerance, "Largest relative error that passes, at least 0 (default 1e-4)")
      ->check(CLI::Validator(
          [](std::string& text) {  // the number itself is read (and refused if it is none) by number_flag
            char* end = nullptr;
            const double value = std::strtod(text.c_str(), &end);
            return end != text.c_str() && std::isfinite(value) && value < 0 ? "must be at least 0, got " + text
                                                                           : std::string();
          },
          "X"));
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
      check_gradients(trainer.network().parameters(), [&] { return trainer.objective(inputs, targets); },
                      kGradientStep, options.tolerance);

  const bool proximal = config.regularization.l1_proximal && config.regularization.l1 != 0;
  const std::string penalty = proximal ? " + penalty (proximal L1 left out: it is in no gradient)" : " + penalty";
  std::cout << wrapped("gradient check of " + trainer.network().describe() + " on " + std::to_string(count) +
                           " training samples, loss " + std::string(name_of(config.loss)) + penalty +
                           ", float64, central differences " + unbroken("h = " + round_trip(kGradientStep)),
                       80)
            << "\n";
  std::cout << "parameter             values   max |gradient|   max relative error   smallest h\n";
  bool ok = true, smaller = false;
  for (const auto& r : results) {
    const bool pass = r.max_relative_error <= options.tolerance;
    ok = ok && pass;
    smaller = smaller || r.smallest_step < kGradientStep;
    char line[160];
    std::snprintf(line, sizeof line, "%-20s  %7zu   %-14.3e   %-10.3e %-4s      %.0e\n", r.name.c_str(), r.checked,
                  r.max_abs_gradient, r.max_relative_error, pass ? "ok" : "FAIL", r.smallest_step);
    std::cout << line;
  }
  if (smaller)
    std::cout << "(an element over the tolerance at h = " << round_trip(kGradientStep)
              << " is tried again at h/10 and h/100: where the loss\n curves sharply, the difference quotient needs a "
                 "smaller step; a wrong gradient fails at every step)\n";
  std::cout << (ok ? "all gradients agree to within " : "some gradients differ by more than ")
            << round_trip(options.tolerance) << "\n";
  return ok ? 0 : 1;
}

CLI::App* add_plot_command(CLI::App& app, PlotOptions& options) {
  CLI::App* plot = app.add_subcommand("plot", "Draw SVG charts: loss curves, activations, decision boundaries");
  add_version_flag(*plot);
  plot->require_subcommand(1);
  CLI::App* loss = plot->add_subcommand("loss", "Loss curves (train and validation) from a --metrics CSV");
  loss->add_option("metrics", options.input, "A CSV written by nnlab train --metrics")->required();
  loss->add_option("--output,-o", options.output_path, "SVG file to write (default loss.svg)");
  boolean_flag(*loss, "--linear", options.linear, "Linear instead of logarithmic loss axis");
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

namespace {

// plot weights: one line per model, the first layer's weights of its one unit, input by input.
std::string weights_svg(const std::vector<std::string>& models) {
  std::vector<Series> series;
  for (const std::string& file : models) {
    const SavedModel model = load_model(file);
    // A model whose first layer has more units has no one line.
    if (model.layers.at(0).units != 1)
      throw InputError("plot weights: " + file + " has " + std::to_string(model.layers[0].units) +
                       " units in its first layer; this plot draws the one unit of a one-unit first layer " +
                       "(e.g. configs/sparse_l1.json), one line per model");
    // The first layer's weight is stored first: one row of `inputs` values.
    Series s{.name = std::filesystem::path(file).stem().string()};
    s.markers = true;
    for (std::size_t i = 0; i < model.inputs; ++i) {
      s.x.push_back(double(i + 1));
      s.y.push_back(std::abs(model.parameters[0].values[i]));
    }
    series.push_back(s);
  }
  // |w| on a log axis spreads "small" over many decades; an exactly-zero weight has no point at all.
  return line_chart_svg(series, {"|weight| per input (no dot: exactly zero)", "input (feature number)",
                                 "|weight| (log scale)", true});
}

// plot gradients: one line per --diagnostics metrics file, the last epoch's weight-gradient norm layer by layer.
Series last_gradient_norms(const std::string& file) {
  CsvTable table = read_csv(file, available_memory(), "metrics file");
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
    throw InputError(file + ": has no layer0_gradient_norm column; write it with nnlab train --diagnostics --metrics");
  return s;
}

std::string gradients_svg(const std::vector<std::string>& metrics) {
  std::vector<Series> series;
  for (const std::string& file : metrics) series.push_back(last_gradient_norms(file));
  return line_chart_svg(series, {"Weight-gradient norm by layer (last epoch)", "layer (0 = next to the input)",
                                 "|dW| (log scale)", true});
}

// plot loss: the training loss and, when the run had a validation split, the validation loss, epoch by epoch.
std::string loss_svg(const std::string& metrics, bool linear) {
  const CsvTable table = read_csv(metrics, available_memory(), "metrics file");
  const std::size_t epoch = table.column_index("epoch", metrics);
  std::vector<Series> series;
  for (const auto& [column, name] : {std::pair{"loss", "training loss"}, {"validation_loss", "validation loss"}}) {
    if (std::find(table.header.begin(), table.header.end(), column) == table.header.end()) continue;
    const std::size_t index = table.column_index(column, metrics);
    if (table.rows[0][index].empty()) continue;  // no validation split in that run
    const Tensor<double> values = table.numeric_columns({epoch, index});
    Series s{.name = name};
    for (std::size_t r = 0; r < values.rows(); ++r) s.x.push_back(values(r, 0)), s.y.push_back(values(r, 1));
    series.push_back(s);
  }
  if (series.empty()) throw InputError(metrics + ": has no \"loss\" column; is it a --metrics file?");
  return line_chart_svg(series, {"Loss: " + metrics, "epoch", linear ? "loss" : "loss (log scale)", !linear});
}

// The training rows of a 2-input classifier's data, labelled by class; soft targets are drawn by their side of 0.5,
// the two "classes" their accuracy counts.
BoundaryData boundary_points(const SavedModel& model, const std::string& config_path) {
  const bool soft = model.schema.soft_targets;
  const Config config = load_config(config_path);
  const DataSplits data = load_data(config, &model.schema);
  BoundaryData points{Tensor<double>(data.train.size(), 2), {},
                      soft ? std::vector<std::string>{"target < 0.5", "target >= 0.5"} : model.schema.class_names};
  for (std::size_t r = 0; r < data.train.size(); ++r) {
    points.points(r, 0) = data.train.input(r, 0);
    points.points(r, 1) = data.train.input(r, 1);
    const double target = data.train.targets()(r, 0);
    points.labels.push_back(soft ? std::size_t(target >= 0.5) : std::size_t(target));
  }
  return points;
}

// plot boundary: the model's class probabilities over a grid, behind its training data.
std::string boundary_svg(const std::string& model_path, const std::string& config_path) {
  const SavedModel model = load_model(model_path);
  if (model.inputs != 2 || model.schema.accuracy_classes() == 0)
    throw InputError(model_path + ": a decision boundary needs a classifier with 2 inputs; this model has " +
                     std::to_string(model.inputs) + " inputs" +
                     (model.schema.accuracy_classes() == 0 ? " and does regression" : ""));
  const BoundaryData points = boundary_points(model, config_path);
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
      "Decision boundary: " + std::filesystem::path(model_path).filename().string() + ", " + shape;
  return decision_boundary_svg(points, predict_grid, title);
}

}  // namespace

int run_plot(const PlotOptions& options) {
  std::string output = options.output_path.empty() ? options.what + ".svg" : options.output_path;
  std::vector<InputFile> inputs = {{"--model", options.model_path},
                                   {options.what == "loss" ? "metrics" : "config", options.input}};
  for (const std::string& file : options.inputs) inputs.push_back({"metrics", file});
  check_command_files({{"--output", output, "plot file"}}, inputs);
  const std::string svg = options.what == "activations" ? activation_gallery_svg()
                          : options.what == "weights"   ? weights_svg(options.inputs)
                          : options.what == "gradients" ? gradients_svg(options.inputs)
                          : options.what == "loss"      ? loss_svg(options.input, options.linear)
                                                        : boundary_svg(options.model_path, options.input);
  write_text_file(output, svg, "plot file");
  std::cout << "wrote " << output << "\n";
  return 0;
}

}  // namespace nnlab::cli

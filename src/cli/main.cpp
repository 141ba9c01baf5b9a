// The nnlab command line. Parses arguments with CLI11 and hands each subcommand to its runner; every error reaches
// the user as one `error: ...` line on stderr with exit code 2 (usage, config, data) or 1 (training).
#include <CLI/CLI.hpp>
#include <iostream>
#include <new>
#include <optional>

#include "commands.hpp"
#include "flags.hpp"
#include "help_format.hpp"
#include "nnlab/errors.hpp"
#include "nnlab/files.hpp"
#include "nnlab/text.hpp"

namespace {

using namespace nnlab::cli;

// Every subcommand's options, filled by the parser; `run` calls the runner of the one given.
struct Commands {
  TrainOptions train_options;
  EvalOptions eval_options;
  PredictOptions predict_options;
  DataOptions data_options;
  CompareOptions compare_options;
  GradcheckOptions gradcheck_options;
  ExplainOptions explain_options;
  PlotOptions plot_options;
  ExportOptions export_options;
  CLI::App *train, *eval, *predict, *data, *compare, *gradcheck, *explain, *plot, *export_;

  explicit Commands(CLI::App& app)
      : train(add_train_command(app, train_options)),
        eval(add_eval_command(app, eval_options)),
        predict(add_predict_command(app, predict_options)),
        data(add_data_command(app, data_options)),
        compare(add_compare_command(app, compare_options)),
        gradcheck(add_gradcheck_command(app, gradcheck_options)),
        explain(add_explain_command(app, explain_options)),
        plot(add_plot_command(app, plot_options)),
        export_(add_export_command(app, export_options)) {}
  Commands(const Commands&) = delete;  // the parser holds references to the options above

  int run() const {
    if (*train) return run_train(train_options);
    if (*eval) return run_eval(eval_options);
    if (*predict) return run_predict(predict_options);
    if (*data) return run_data_generate(data_options);
    if (*compare) return run_compare(compare_options);
    if (*gradcheck) return run_gradcheck(gradcheck_options);
    if (*explain) return run_explain(explain_options);
    if (*plot) return run_plot(plot_options);
    if (*export_) return run_export(export_options);
    return 0;
  }
};

// Parses the command line; a usage error is printed as one `error:` line (`nnlab` alone also lists the commands)
// and its exit code returned; --help and --version print and return 0. Empty when the command is to run.
std::optional<int> parse_or_exit_code(CLI::App& app, int argc, char** argv) {
  if (const std::string message = unknown_name(app, argc, argv); !message.empty()) {
    std::cerr << "error: " << message << "\n";
    return 2;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    std::string help;  // `nnlab` alone: one error line, then the commands there are
    if (const std::string message = plain_usage_error(app, argc, argv, e, help); !message.empty()) {
      std::cerr << "error: " << message << "\n" << (help.empty() ? "" : "\n" + help);
      return 2;
    }
    std::cerr << "error: " << usage_error(app, argc, argv, e) << "\n";
    return 2;
  } catch (const std::exception& e) {  // CLI11 reading a flag's value it does not know, e.g. --quiet=maybe
    std::cerr << "error: " << usage_error(app, argc, argv, CLI::ParseError(e.what(), 2)) << "\n";
    return 2;
  }
  return std::nullopt;
}

// Runs the command; any error it throws becomes one `error:` line and its exit code.
int run_reporting_errors(const Commands& commands) {
  try {
    const int code = commands.run();
    nnlab::finish_standard_output();  // a full disk behind stdout is an error, not a silent exit 0
    return code;
  } catch (const nnlab::Error& e) {
    // One line of bounded length, whatever a message quotes (a cell with a line break, a 10 MB line of a file).
    std::cerr << "error: " << nnlab::shown_cell(e.what(), 2000) << "\n";
    return e.exit_code();
  } catch (const std::bad_alloc&) {
    std::cerr << "error: out of memory; try a smaller model, batch size or data limit\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "error: " << nnlab::shown_cell(e.what(), 2000) << "\n";
    return 1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"nnlab: a from-scratch neural-network trainer for learners", "nnlab"};
  add_version_flag(app);
  app.require_subcommand(1);
  Commands commands(app);
  use_help_format(app);  // every --help wrapped at 80 columns, without the parser's notation
  if (const std::optional<int> code = parse_or_exit_code(app, argc, argv)) return *code;
  commands.train_options.arguments.assign(argv, argv + argc);
  commands.compare_options.arguments.assign(argv, argv + argc);
  return run_reporting_errors(commands);
}

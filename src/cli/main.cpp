// The nnlab command line. Parses arguments with CLI11 and hands each subcommand to its runner; every error reaches
// the user as one `error: ...` line on stderr with exit code 2 (usage, config, data) or 1 (training).
#include <CLI/CLI.hpp>
#include <iostream>

#include "nnlab/errors.hpp"
#include "train_command.hpp"

int main(int argc, char** argv) {
  CLI::App app{"nnlab: a from-scratch neural-network trainer for learners", "nnlab"};
  app.set_version_flag("--version", "nnlab " NNLAB_VERSION);
  app.require_subcommand(1);
  app.failure_message([](const CLI::App*, const CLI::Error& e) { return std::string(e.what()) + "\n"; });

  nnlab::cli::TrainOptions train_options;
  CLI::App* train = nnlab::cli::add_train_command(app, train_options);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    std::cerr << "error: " << e.what() << " (see 'nnlab --help')\n";
    return 2;
  }

  try {
    if (*train) return nnlab::cli::run_train(train_options);
  } catch (const nnlab::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return e.exit_code();
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

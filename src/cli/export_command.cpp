// `nnlab export`: the experiment a config describes, or a trained model, as a PyTorch program.
#include <iostream>

#include "commands.hpp"
#include "nnlab/errors.hpp"
#include "nnlab/export_pytorch.hpp"
#include "nnlab/model_io.hpp"
#include "nnlab/output_paths.hpp"

namespace nnlab::cli {
namespace {

// Every file the export writes, checked against the others and against what it reads before anything is written
// (one rule, output_paths.hpp): `-o` pointed at the config, the --model file or a data file would replace it with
// a script, and so would the files written beside the script (SCRIPT_init.json, SCRIPT_train.csv).
void check_export_files(const ExportOptions& options, const std::filesystem::path& script, const Config* config) {
  std::vector<OutputFile> outputs = {{"--output", script, "script"}};
  std::vector<InputFile> inputs;
  if (config) {
    inputs = config_files(*config);
    const auto beside = [&](const std::string& suffix) {
      return script.parent_path() / (script.stem().string() + suffix);
    };
    if (options.model_path.empty())
      outputs.push_back({"the initial weights beside --output,", beside("_init.json"), "initial weights file",
                         OutputKind::replaced});
    if (config->data.train.kind == DataSource::Kind::generated)
      outputs.push_back({"the training samples beside --output,", beside("_train.csv"), "data file"});
    if (config->data.test && config->data.test->kind == DataSource::Kind::generated)
      outputs.push_back({"the test samples beside --output,", beside("_test.csv"), "data file"});
  }
  if (!options.model_path.empty()) inputs.push_back({"--model", options.model_path});
  check_command_files(outputs, inputs);
}

}  // namespace

CLI::App* add_export_command(CLI::App& app, ExportOptions& options) {
  CLI::App* command = app.add_subcommand(
      "export", "Write a config's training run (or, with only --model, a trained model) as a PyTorch script");
  add_version_flag(*command);
  command->add_option("config", options.config_path,
                      "The JSON config whose run to write (omit to export only --model)");
  command->add_option("--to", options.target, "The framework to write for: pytorch")
      ->required()
      ->check(CLI::IsMember({"pytorch"}));
  command->add_option("-o,--output", options.output_path,
                      "The script to write (default: train.py, or predict.py for a model alone)");
  command->add_option("--model", options.model_path,
                      "With a config: continue this saved model (as nnlab train --resume); alone: write its "
                      "inference module");
  return command;
}

int run_export(const ExportOptions& options) {
  if (options.config_path.empty() && options.model_path.empty())
    throw InputError(
        "export: give a config (to write its training run) or --model (to write the model's inference "
        "module)");
  std::vector<std::filesystem::path> written;
  if (options.config_path.empty()) {
    const std::filesystem::path script = options.output_path.empty() ? "predict.py" : options.output_path;
    check_export_files(options, script, nullptr);
    export_pytorch_inference(load_model(options.model_path), options.model_path, script);
    written.push_back(script);
  } else {
    const std::filesystem::path script = options.output_path.empty() ? "train.py" : options.output_path;
    std::optional<std::filesystem::path> start;
    if (!options.model_path.empty()) start = options.model_path;
    const Config config = load_config(options.config_path);
    check_export_files(options, script, &config);
    written = export_pytorch_training(config, script, start);
  }
  std::cout << "wrote";
  for (std::size_t i = 0; i < written.size(); ++i) std::cout << (i ? ", " : " ") << written[i].string();
  std::cout << "\nrun it with: python3 " << written.front().string() << "\n";
  return 0;
}

}  // namespace nnlab::cli

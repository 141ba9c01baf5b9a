// `nnlab export`: the experiment a config describes, or a trained model, as a PyTorch program.
#include <iostream>

#include "commands.hpp"
#include "nnlab/errors.hpp"
#include "nnlab/export_pytorch.hpp"
#include "nnlab/model_io.hpp"

namespace nnlab::cli {

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
    export_pytorch_inference(load_model(options.model_path), options.model_path, script);
    written.push_back(script);
  } else {
    const std::filesystem::path script = options.output_path.empty() ? "train.py" : options.output_path;
    std::optional<std::filesystem::path> start;
    if (!options.model_path.empty()) start = options.model_path;
    written = export_pytorch_training(load_config(options.config_path), script, start);
  }
  std::cout << "wrote";
  for (std::size_t i = 0; i < written.size(); ++i) std::cout << (i ? ", " : " ") << written[i].string();
  std::cout << "\nrun it with: python3 " << written.front().string() << "\n";
  return 0;
}

}  // namespace nnlab::cli

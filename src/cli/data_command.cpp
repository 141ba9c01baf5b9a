// `nnlab data generate KIND`: a generated toy data set as CSV on stdout.
#include <iostream>

#include "commands.hpp"
#include "flags.hpp"
#include "nnlab/text.hpp"

namespace nnlab::cli {

CLI::App* add_data_command(CLI::App& app, DataOptions& options) {
  CLI::App* data = app.add_subcommand("data", "Work with data sets");
  add_version_flag(*data);
  data->require_subcommand(1);
  CLI::App* generate = data->add_subcommand("generate", "Write a generated 2-D data set as CSV to stdout");
  add_version_flag(*generate);
  GeneratorSpec& spec = options.spec;
  generate->add_option("kind", spec.kind, "One of: " + join(generator_names()))->required();
  whole_number_flag(*generate, "--samples", spec.samples, 2, 100'000'000, "Number of samples (default 200)");
  number_flag(*generate, "--noise", spec.noise, "Noise from 0 to 1 (default 0)");
  whole_number_flag(*generate, "--seed", spec.seed, 0, kAnyCount, "Random seed (default 0)");
  whole_number_flag(*generate, "--classes", spec.classes, 2, kAnyCount, "Classes, for spiral and gauss (default 2)");
  return data;
}

int run_data_generate(const DataOptions& options) {
  const GeneratedData data = generate_dataset(options.spec);
  std::cout << "x1,x2," << (data.classification ? "label" : "y") << "\n";
  for (std::size_t r = 0; r < data.inputs.rows(); ++r) {
    std::cout << csv_number(data.inputs(r, 0)) << "," << csv_number(data.inputs(r, 1)) << ",";
    if (data.classification)
      std::cout << std::size_t(data.targets(r, 0)) << "\n";
    else
      std::cout << csv_number(data.targets(r, 0)) << "\n";
  }
  return 0;
}

}  // namespace nnlab::cli

// One rule for every command's files, checked before anything is read into memory or written: no output may be the
// same file as another output or as an input (a plot written over the model, predictions over their input CSV),
// and every output must be writable as it will be written.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "nnlab/config.hpp"
#include "nnlab/files.hpp"

namespace nnlab {

// A file a command reads, as the user named it: the flag ("--resume") or the config key ("data.train").
struct InputFile {
  std::string name;
  std::filesystem::path path;
  // The output that may replace it ("--save" for "--resume": the model is read whole before it is saved over).
  std::string replaced_by = "";
};

// A file a command writes: its flag, its path, what it is in messages ("model file") and how it is written.
struct OutputFile {
  std::string name;
  std::filesystem::path path;
  std::string what;
  OutputKind kind = OutputKind::text;
};

// Throws InputError (exit 2) naming both flags when two outputs, or an output and an input, are one file (the same
// device and inode, symlinks followed; for files that do not exist yet, the same folder and name), and "cannot
// write ..." when an output cannot be written (check_writable). Outputs with an empty path are not given.
void check_command_files(const std::vector<OutputFile>& outputs, const std::vector<InputFile>& inputs);

// The files a config reads: itself and its data (CSV, IDX images and labels), named by config key.
std::vector<InputFile> config_files(const Config& config);

}  // namespace nnlab

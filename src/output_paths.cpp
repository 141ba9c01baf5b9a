#include "nnlab/output_paths.hpp"

#include <optional>
#include <variant>

#include "nnlab/errors.hpp"

namespace nnlab {
namespace {

// What makes two paths one file: the device and inode of an existing file, or the absolute path (its folder's
// symlinks resolved) of one that does not exist yet.
using FileKey = std::variant<FileIdentity, std::string>;

FileKey key_of(const std::filesystem::path& path) {
  if (const auto identity = file_identity(path)) return *identity;
  std::error_code error;
  const auto absolute = std::filesystem::weakly_canonical(std::filesystem::absolute(path, error), error);
  return (error ? path : absolute).lexically_normal().string();
}

std::string shown(const std::filesystem::path& path) { return path.string(); }

}  // namespace

void check_command_files(const std::vector<OutputFile>& outputs, const std::vector<InputFile>& inputs) {
  std::vector<std::pair<const OutputFile*, FileKey>> seen;
  for (const OutputFile& output : outputs) {
    if (output.path.empty()) continue;
    const FileKey key = key_of(output.path);
    for (const auto& [other, other_key] : seen)
      if (other_key == key)
        throw InputError(other->name + " and " + output.name + " name the same file (" + shown(output.path) +
                         "): each output needs a file of its own");
    for (const InputFile& input : inputs) {
      if (input.path.empty() || input.replaced_by == output.name) continue;
      if (key_of(input.path) == key)
        throw InputError(output.name + " " + shown(output.path) + " is the " + input.name + " file (" +
                         shown(input.path) + "): writing it would destroy an input; choose another file");
    }
    seen.emplace_back(&output, key);
  }
  for (const OutputFile& output : outputs)
    if (!output.path.empty()) check_writable(output.path, output.what, output.kind);
}

std::vector<InputFile> config_files(const Config& config) {
  std::vector<InputFile> files = {{"config", config.source}};
  for (const DataSource* source : {&config.data.train, config.data.test ? &*config.data.test : nullptr}) {
    if (!source) continue;
    if (source->kind == DataSource::Kind::csv) files.push_back({source->where, source->csv});
    if (source->kind == DataSource::Kind::idx) {
      files.push_back({source->where + ".images", source->images});
      files.push_back({source->where + ".labels", source->labels});
    }
  }
  return files;
}

}  // namespace nnlab

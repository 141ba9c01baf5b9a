#include "nnlab/files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <system_error>

#include "nnlab/errors.hpp"

namespace nnlab {

std::string open_failure(const std::filesystem::path& path, bool writing) {
  const int reason = errno;
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) return "it is a folder";
  if (writing) {
    const auto folder = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
    if (!std::filesystem::is_directory(folder, error)) return "folder " + folder.string() + " does not exist";
  } else if (!std::filesystem::exists(path, error)) {
    return "no such file";
  }
  std::string text = reason ? std::generic_category().message(reason) : "the system gave no reason";
  if (!text.empty()) text[0] = char(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

std::string read_text_file(const std::filesystem::path& path, const std::string& what) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) throw InputError(path.string() + ": is a folder, not a " + what);
  errno = 0;
  std::ifstream file(path, std::ios::binary);
  if (!file) throw InputError("cannot read " + what + " " + path.string() + ": " + open_failure(path, false));
  std::stringstream buffer;
  buffer << file.rdbuf();
  return buffer.str();
}

void write_text_file(const std::filesystem::path& path, const std::string& text, const std::string& what) {
  errno = 0;
  std::ofstream file(path);
  if (!file) throw InputError("cannot write " + what + " " + path.string() + ": " + open_failure(path, true));
  file << text;
  file.flush();
  if (!file) throw InputError("writing " + what + " " + path.string() + " failed (disk full?)");
}

namespace {

// Asks the kernel to put a file's (or a folder's) data on the disk; false when it cannot.
bool sync_to_disk(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return false;
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  return synced;
}

}  // namespace

void replace_file(const std::filesystem::path& path, const std::string& text, const std::string& what) {
  const std::filesystem::path temporary = path.string() + ".tmp";
  std::error_code error;
  {
    errno = 0;
    std::ofstream file(temporary, std::ios::binary);
    if (!file)
      throw TrainingError("cannot write " + what + " " + temporary.string() + ": " + open_failure(temporary, true));
    file << text;
    file.flush();
    if (!file || !sync_to_disk(temporary)) {
      std::filesystem::remove(temporary, error);
      throw TrainingError("writing " + what + " " + temporary.string() + " failed (disk full?)");
    }
  }
  std::filesystem::rename(temporary, path, error);
  if (error) throw TrainingError("cannot move " + temporary.string() + " to " + path.string() + ": " + error.message());
  sync_to_disk(path.has_parent_path() ? path.parent_path() : std::filesystem::path("."));  // the rename itself
}

void check_writable(const std::filesystem::path& path, const std::string& what) {
  // Try the temporary file a save writes first, and remove it again.
  const auto probe = path.string() + ".tmp";
  std::error_code error;
  errno = 0;
  if (std::filesystem::is_directory(path, error) || !std::ofstream(probe))
    throw InputError("cannot write " + what + " " + path.string() + ": " + open_failure(path, true));
  std::filesystem::remove(probe, error);
}

}  // namespace nnlab

// Reading and writing whole files, with errors that say which file, what it is for and why it failed.
#pragma once

#include <filesystem>
#include <string>

namespace nnlab {

// Why opening `path` just failed, in words for a message: "no such file", "it is a folder", "folder out does
// not exist", or the system's reason ("permission denied", "read-only file system"). Call it right after the
// failed open: it reads errno.
std::string open_failure(const std::filesystem::path& path, bool writing);

// The whole file as text; throws InputError naming `what` ("config file", "data file", "model file") and the
// reason when it cannot be read.
std::string read_text_file(const std::filesystem::path& path, const std::string& what);

// Writes `text` to `path` (replacing it); throws InputError naming `what` and the reason when it cannot.
void write_text_file(const std::filesystem::path& path, const std::string& text, const std::string& what = "file");

// Replaces `path` with `text` so that a crash or a power cut at any moment leaves either the old file or the new
// one, never half of one: writes PATH.tmp, flushes it to the disk, renames it over PATH, flushes the folder.
// Throws TrainingError naming `what` and the reason (the run that saves has already trained).
void replace_file(const std::filesystem::path& path, const std::string& text, const std::string& what);

// Checks before training that `path` can be written, so a typo fails before the first epoch, not after the
// last.
void check_writable(const std::filesystem::path& path, const std::string& what);

}  // namespace nnlab

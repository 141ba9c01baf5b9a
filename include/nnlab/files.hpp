// Reading and writing whole files, with errors that say which file, what it is for and why it failed.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <ostream>
#include <string>

namespace nnlab {

// The largest config or model file nnlab reads: 1 GiB. A bigger one is a mistake (or /dev/zero), not a model: the
// largest model that fits this limit has about 50 million weights.
constexpr std::uintmax_t kMaxTextFileBytes = std::uintmax_t(1) << 30;

// Why opening `path` just failed, in words for a message: "no such file", "it is a folder", "folder out does
// not exist", "too many levels of symbolic links", or the system's reason ("permission denied", "read-only file
// system"). Call it right after the failed open: it reads errno.
std::string open_failure(const std::filesystem::path& path, bool writing);

// What kind of thing a path that is not a regular file is, in words: "a folder", "a character device", "a FIFO",
// "a socket", "a block device"; "" for a regular file or a missing one.
std::string special_file_kind(const std::filesystem::path& path);

// The whole file as text; throws InputError naming `what` ("config file", "model file") and the reason when it
// cannot be read: missing, unreadable, not a regular file (a FIFO or /dev/zero would never end), or larger than
// `limit` bytes.
std::string read_text_file(const std::filesystem::path& path, const std::string& what,
                           std::uintmax_t limit = kMaxTextFileBytes);

// How much more memory this process may take, as far as the system says, and which limit that is.
struct MemoryBudget {
  std::uintmax_t bytes = 0;
  std::string source;  // "MemAvailable in /proc/meminfo", for messages
};
// The smallest of: the memory the kernel can give new allocations without swapping (MemAvailable in /proc/meminfo,
// which goes down when other programs use memory), what this process's memory cgroup still allows (a container's
// limit; cgroup v2 memory.max or v1 memory.limit_in_bytes, less the usage), and the address-space limit (`ulimit
// -v`) less what the process maps already. nullopt when the system says none of these.
std::optional<MemoryBudget> available_memory();

// "2.2 GB", "640 MB", "17 kB", "80 bytes": a size for a message (powers of 1000, as the trainer's own memory check prints).
std::string memory_size_text(std::uintmax_t bytes);

// Refuses, before a data file is read, to load one that needs more memory than `budget` holds: throws InputError
// "<path>: loading this <what> needs about <needed> of memory (<details>), more than the <budget> available
// (<source>); ...". Does nothing when the budget is unknown.
void check_memory_for(const std::filesystem::path& path, const std::string& what, std::uintmax_t needed,
                      const std::string& details, const std::optional<MemoryBudget>& budget);

// A file as the kernel knows it: the same device and inode is the same file, whatever the spelling or symlinks.
struct FileIdentity {
  dev_t device = 0;
  ino_t inode = 0;
  bool operator==(const FileIdentity&) const = default;
};
// The identity of the file `path` names (symlinks followed); nullopt when there is none.
std::optional<FileIdentity> file_identity(const std::filesystem::path& path);

// Writes a new version of `path` so that a crash or a power cut at any moment leaves the old file or the new one,
// never half of one, and no other process's file is touched: `write` fills a temporary file of a name unique to
// this process (PATH.tmp.<pid>.<random>, created with O_EXCL beside PATH), which is flushed to the disk and renamed
// over PATH; then the folder is flushed. A symlink at PATH is followed (the file it points to is replaced). PATH
// must be a regular file or missing: a device, FIFO or folder is refused (renaming over /dev/null would replace the
// device). Two processes replacing one PATH at once each rename a complete file: the last rename wins. Throws
// TrainingError "writing <what> <path>: <reason>" when the temporary file cannot be written (it is removed
// again), "cannot write ..." when it cannot be made. Returns the identity of the new file.
FileIdentity replace_file(const std::filesystem::path& path, const std::string& what,
                          const std::function<void(std::ostream&)>& write);
FileIdentity replace_file(const std::filesystem::path& path, const std::string& text, const std::string& what);

// Writes `text` to `path` for a user to read (a plot, a CSV): a regular or missing file is replaced as
// replace_file does, so a failed write leaves the old file whole; a character device or FIFO (/dev/stdout, a pipe)
// is written into directly. Every write is checked: a full disk is TrainingError "writing plot file p.svg: No
// space left on device" (exit 1).
void write_text_file(const std::filesystem::path& path, const std::string& text, const std::string& what = "file");
// The same with the text written by `write` into a stream, so that a large output is never whole in memory.
void write_text_file(const std::filesystem::path& path, const std::string& what,
                     const std::function<void(std::ostream&)>& write);

// How an output is written, for the checks made before a run starts.
enum class OutputKind {
  replaced,  // only ever replaced whole (a model file): must be a regular file or missing
  text,      // written by write_text_file or appended to (a plot, a CSV): a character device or FIFO is fine too
};

// Checks before a run that `path` can be written as `kind`, without creating or removing anything: the folder
// exists and may be written, the path is not a folder (nor, for a model, a device or FIFO). Throws InputError
// "cannot write <what> <path>: <reason>".
void check_writable(const std::filesystem::path& path, const std::string& what,
                    OutputKind kind = OutputKind::replaced);

// "error: writing standard output: No space left on device" unless everything written to std::cout reached the
// system: flushes it and checks it. Throws TrainingError (exit 1). main() calls it after every command.
void finish_standard_output();

}  // namespace nnlab

#include "nnlab/files.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <streambuf>
#include <system_error>

#include "nnlab/errors.hpp"

namespace nnlab {
namespace {

// The system's words for an errno value, as they start a message: "No space left on device".
std::string system_reason(int reason) {
  return reason ? std::generic_category().message(reason) : "the system gave no reason";
}

// The same, lower-cased to follow a colon inside a sentence: "cannot write m.json: permission denied".
std::string lower_reason(int reason) {
  std::string text = system_reason(reason);
  if (!text.empty()) text[0] = char(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

std::filesystem::path folder_of(const std::filesystem::path& path) {
  return path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
}

// Where a symlink at `path` leads (the file to replace, so the link stays a link); `path` itself otherwise.
std::filesystem::path resolved(const std::filesystem::path& path) {
  std::error_code error;
  if (!std::filesystem::is_symlink(path, error)) return path;
  const auto target = std::filesystem::weakly_canonical(path, error);
  return error ? path : target;
}

// A stream buffer over a file descriptor whose every write is checked: the first failure is kept (errno), and the
// stream goes bad. The descriptor stays the caller's.
class CheckedFileBuffer : public std::streambuf {
 public:
  explicit CheckedFileBuffer(int fd) : fd_(fd) { setp(buffer_.data(), buffer_.data() + buffer_.size()); }
  ~CheckedFileBuffer() override { sync(); }
  int failure() const { return failure_; }

 protected:
  int_type overflow(int_type c) override {
    if (!drain()) return traits_type::eof();
    if (!traits_type::eq_int_type(c, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(c);
      pbump(1);
    }
    return traits_type::not_eof(c);
  }
  int sync() override { return drain() ? 0 : -1; }

 private:
  bool drain() {
    const char* next = pbase();
    while (!failure_ && next < pptr()) {
      const ssize_t written = ::write(fd_, next, std::size_t(pptr() - next));
      if (written < 0 && errno == EINTR) continue;  // a signal (Ctrl-C asks to stop) is not a failure
      if (written <= 0) {
        failure_ = written < 0 ? errno : EIO;
        break;
      }
      next += written;
    }
    setp(buffer_.data(), buffer_.data() + buffer_.size());
    return !failure_;
  }

  int fd_;
  int failure_ = 0;
  std::array<char, 1 << 16> buffer_;
};

// Runs `write` into the open descriptor and flushes; the errno of the first failed write, or 0.
int write_all(int fd, const std::function<void(std::ostream&)>& write) {
  CheckedFileBuffer buffer(fd);
  std::ostream stream(&buffer);
  write(stream);
  stream.flush();
  return buffer.failure() ? buffer.failure() : (stream ? 0 : EIO);
}

// A name beside `target` that no other process uses: PATH.tmp.<pid>.<random>.
std::filesystem::path unique_temporary_name(const std::filesystem::path& target) {
  static thread_local std::mt19937_64 random(std::random_device{}());
  char suffix[40];
  std::snprintf(suffix, sizeof suffix, ".tmp.%ld.%08llx", long(::getpid()),
                static_cast<unsigned long long>(random() & 0xffffffffULL));
  return target.string() + suffix;
}

}  // namespace

std::string open_failure(const std::filesystem::path& path, bool writing) {
  const int reason = errno;
  if (reason == ELOOP) return "too many levels of symbolic links (a symlink loop?)";
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) return "it is a folder";
  if (writing) {
    const auto folder = folder_of(path);
    if (!std::filesystem::is_directory(folder, error)) return "folder " + folder.string() + " does not exist";
  } else if (!std::filesystem::exists(std::filesystem::symlink_status(path, error))) {
    return "no such file";
  }
  return lower_reason(reason);
}

std::string special_file_kind(const std::filesystem::path& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return "";
  switch (info.st_mode & S_IFMT) {
    case S_IFREG: return "";
    case S_IFDIR: return "a folder";
    case S_IFCHR: return "a character device";
    case S_IFBLK: return "a block device";
    case S_IFIFO: return "a FIFO (named pipe)";
    case S_IFSOCK: return "a socket";
  }
  return "not a regular file";
}

std::string read_text_file(const std::filesystem::path& path, const std::string& what, std::uintmax_t limit) {
  const std::string kind = special_file_kind(path);
  if (kind == "a folder") throw InputError(path.string() + ": is a folder, not a " + what);
  // A FIFO or a device (/dev/zero, /dev/stdin) could block or never end: a config or model is a regular file.
  if (!kind.empty()) throw InputError("cannot read " + what + " " + path.string() + ": it is " + kind + ", not a file");
  errno = 0;
  std::ifstream file(path, std::ios::binary);
  if (!file) throw InputError("cannot read " + what + " " + path.string() + ": " + open_failure(path, false));
  std::error_code error;
  const std::uintmax_t size = std::filesystem::file_size(path, error);
  if (!error && size > limit)
    throw InputError(path.string() + ": is " + std::to_string(size) + " bytes; a " + what + " may have at most " +
                     std::to_string(limit) + " (1 GiB)");
  std::string text;
  if (!error) text.reserve(std::size_t(size));
  char chunk[1 << 16];
  while (file.read(chunk, sizeof chunk) || file.gcount() > 0) {
    text.append(chunk, std::size_t(file.gcount()));
    if (text.size() > limit)  // it grew while being read
      throw InputError(path.string() + ": is over " + std::to_string(limit) + " bytes; a " + what +
                       " may have at most 1 GiB");
  }
  if (file.bad()) throw InputError("cannot read " + what + " " + path.string() + ": " + lower_reason(errno));
  return text;
}

namespace {

// The number a one-line file such as memory.max starts with; nullopt for "max" or an unreadable file.
std::optional<std::uintmax_t> number_in_file(const std::filesystem::path& path) {
  std::ifstream file(path);
  std::uintmax_t value = 0;
  if (file >> value) return value;
  return std::nullopt;
}

// What this process's memory cgroup still allows (its limit less its usage), or nullopt without a limit. The lines
// of /proc/self/cgroup are "0::/path" (v2: memory.max, memory.current) or "4:memory:/path" (v1:
// memory.limit_in_bytes, memory.usage_in_bytes); inside a container the path may not be visible, and the
// container's own folder is the root one.
std::optional<std::uintmax_t> cgroup_room() {
  std::ifstream groups("/proc/self/cgroup");
  std::optional<std::uintmax_t> room;
  for (std::string line; std::getline(groups, line);) {
    const auto first = line.find(':'), second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    std::string controllers(1, ',');  // ",memory," (appended: g++ 12 warns falsely about "," + std::string)
    controllers.append(line, first + 1, second - first - 1).push_back(',');
    const std::string path = line.substr(second + 1);
    const bool v2 = controllers == ",,";
    if (!v2 && controllers.find(",memory,") == std::string::npos) continue;
    const std::filesystem::path top = v2 ? "/sys/fs/cgroup" : "/sys/fs/cgroup/memory";
    const char* limit_name = v2 ? "memory.max" : "memory.limit_in_bytes";
    const char* usage_name = v2 ? "memory.current" : "memory.usage_in_bytes";
    std::error_code error;
    std::filesystem::path folder = top.string() + path;
    if (!std::filesystem::exists(folder / limit_name, error)) folder = top;
    const auto limit = number_in_file(folder / limit_name);
    if (!limit || *limit >= (std::uintmax_t(1) << 60)) continue;  // "max", or v1's "no limit" (about 2^63)
    const std::uintmax_t usage = number_in_file(folder / usage_name).value_or(0);
    const std::uintmax_t left = *limit > usage ? *limit - usage : 0;
    if (!room || left < *room) room = left;
  }
  return room;
}

}  // namespace

std::optional<MemoryBudget> available_memory() {
  std::optional<MemoryBudget> budget;
  const auto consider = [&](std::uintmax_t bytes, const char* source) {
    if (!budget || bytes < budget->bytes) budget = MemoryBudget{bytes, source};
  };
  std::ifstream meminfo("/proc/meminfo");
  for (std::string line; std::getline(meminfo, line);)
    if (line.starts_with("MemAvailable:"))
      consider(std::uintmax_t(std::strtoull(line.c_str() + 13, nullptr, 10)) * 1024, "MemAvailable in /proc/meminfo");
  if (const auto room = cgroup_room()) consider(*room, "what this process's memory cgroup still allows");
  struct rlimit limit {};
  if (::getrlimit(RLIMIT_AS, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    std::ifstream statm("/proc/self/statm");  // first field: pages mapped now
    std::uintmax_t pages = 0;
    statm >> pages;
    const std::uintmax_t mapped = pages * std::uintmax_t(::sysconf(_SC_PAGESIZE));
    consider(limit.rlim_cur > mapped ? limit.rlim_cur - mapped : 0, "the address-space limit, ulimit -v");
  }
  return budget;
}

std::string memory_size_text(std::uintmax_t bytes) {
  const double value = double(bytes);
  char text[32];
  if (value >= 1e9)
    std::snprintf(text, sizeof text, value >= 100e9 ? "%.0f GB" : "%.1f GB", value / 1e9);
  else if (value >= 1e6)
    std::snprintf(text, sizeof text, "%.0f MB", value / 1e6);
  else if (value >= 1e3)
    std::snprintf(text, sizeof text, "%.0f kB", value / 1e3);
  else
    std::snprintf(text, sizeof text, "%.0f bytes", value);
  return text;
}

void check_memory_for(const std::filesystem::path& path, const std::string& what, std::uintmax_t needed,
                      const std::string& details, const std::optional<MemoryBudget>& budget) {
  if (!budget || needed <= budget->bytes) return;
  throw InputError(path.string() + ": loading this " + what + " needs about " + memory_size_text(needed) +
                   " of memory (" + details + "), more than the " + memory_size_text(budget->bytes) +
                   " available (" + budget->source + "); use a smaller file, or a machine with more free memory");
}

std::optional<FileIdentity> file_identity(const std::filesystem::path& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return std::nullopt;
  return FileIdentity{info.st_dev, info.st_ino};
}

FileIdentity replace_file(const std::filesystem::path& path, const std::string& what,
                          const std::function<void(std::ostream&)>& write) {
  const std::filesystem::path target = resolved(path);
  const std::string kind = special_file_kind(target);
  if (!kind.empty())
    throw TrainingError("cannot write " + what + " " + path.string() + ": it is " + kind +
                        ", not a regular file (a " + what + " is replaced whole)");
  std::filesystem::path temporary;
  int fd = -1;
  for (int attempt = 0; fd < 0; ++attempt) {
    temporary = unique_temporary_name(target);
    errno = 0;
    fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && (errno != EEXIST || attempt == 10))
      throw TrainingError("cannot write " + what + " " + path.string() + ": " + open_failure(target, true));
  }
  struct stat old {};
  if (::stat(target.c_str(), &old) == 0) ::fchmod(fd, old.st_mode & 07777);  // keep the file's permissions

  int failure = write_all(fd, write);
  if (!failure && ::fsync(fd) != 0) failure = errno;
  struct stat written {};
  ::fstat(fd, &written);
  if (::close(fd) != 0 && !failure) failure = errno;
  std::error_code error;
  if (failure) {
    std::filesystem::remove(temporary, error);
    throw TrainingError("writing " + what + " " + path.string() + ": " + system_reason(failure));
  }
  if (::rename(temporary.c_str(), target.c_str()) != 0) {
    const int reason = errno;
    std::filesystem::remove(temporary, error);
    throw TrainingError("cannot move " + temporary.string() + " to " + target.string() + ": " + lower_reason(reason));
  }
  const int folder = ::open(folder_of(target).c_str(), O_RDONLY | O_CLOEXEC);  // the rename itself to the disk
  if (folder >= 0) {
    ::fsync(folder);
    ::close(folder);
  }
  return FileIdentity{written.st_dev, written.st_ino};
}

FileIdentity replace_file(const std::filesystem::path& path, const std::string& text, const std::string& what) {
  return replace_file(path, what, [&](std::ostream& out) { out << text; });
}

void write_text_file(const std::filesystem::path& path, const std::string& text, const std::string& what) {
  write_text_file(path, what, [&](std::ostream& out) { out << text; });
}

void write_text_file(const std::filesystem::path& path, const std::string& what,
                     const std::function<void(std::ostream&)>& write) {
  check_writable(path, what, OutputKind::text);  // "cannot write ...": exit 2, nothing touched
  if (special_file_kind(path).empty()) {         // a regular file or none: replaced whole
    replace_file(path, what, write);
    return;
  }
  errno = 0;
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) throw InputError("cannot write " + what + " " + path.string() + ": " + open_failure(path, true));
  int failure = write_all(fd, write);
  if (::close(fd) != 0 && !failure) failure = errno;
  if (failure) throw TrainingError("writing " + what + " " + path.string() + ": " + system_reason(failure));
}

void check_writable(const std::filesystem::path& path, const std::string& what, OutputKind kind) {
  const auto refuse = [&](const std::string& reason) {
    throw InputError("cannot write " + what + " " + path.string() + ": " + reason);
  };
  std::error_code error;
  errno = 0;
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0 && errno != ENOENT) refuse(open_failure(path, true));
  const std::string special = special_file_kind(path);
  if (special == "a folder") refuse("it is a folder");
  if (!special.empty()) {
    if (kind == OutputKind::replaced)
      refuse("it is " + special + ", not a regular file (a " + what + " is replaced whole)");
    errno = 0;
    if (::access(path.c_str(), W_OK) != 0) refuse(lower_reason(errno));
    return;
  }
  // A regular file or a new one is written beside itself and renamed: the folder must take new files.
  const auto folder = folder_of(resolved(path));
  if (!std::filesystem::is_directory(folder, error)) refuse("folder " + folder.string() + " does not exist");
  errno = 0;
  if (::access(folder.c_str(), W_OK | X_OK) != 0) refuse(lower_reason(errno));
}

void finish_standard_output() {
  errno = 0;
  std::cout.flush();  // std::cout writes through stdout's buffer: this flushes it, and sets errno when that fails
  int reason = errno;
  errno = 0;
  if (std::fflush(stdout) != 0 && errno) reason = errno;
  if (std::cout && !std::ferror(stdout)) return;
  if (reason == 0) {  // it failed at an earlier flush, whose errno is gone: one newline asks the system again
    const char newline = '\n';
    if (::write(STDOUT_FILENO, &newline, 1) < 0) reason = errno;
  }
  if (reason == EPIPE) return;  // the reader stopped early (| head): its choice, not a failure
  throw TrainingError("writing standard output: " + system_reason(reason));
}

}  // namespace nnlab

#include "nnlab/idx.hpp"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <memory>

#include "nnlab/errors.hpp"
#include "nnlab/files.hpp"

namespace nnlab {
namespace {

// A corrupt header can claim sizes whose product overflows; no real file is anywhere near 2^48 bytes.
constexpr std::size_t kImpossible = std::size_t(1) << 48;
// Reading stops this far past what the header announces; the extra bytes let parse_idx count them in its message.
constexpr std::size_t kSlack = std::size_t(1) << 20;

// What an IDX header announces once its rank and dimension sizes are in: the first dimension (items), the bytes
// after the header (data) and the whole file's size (total).
struct Announced {
  std::size_t items = 0, data = 1, total = 0;
};

std::optional<Announced> announced_by(const std::vector<std::uint8_t>& bytes) {
  const std::size_t rank = bytes.size() >= 4 ? bytes[3] : 0;
  if (rank < 1 || rank > 4 || bytes.size() < 4 + 4 * rank) return std::nullopt;
  Announced announced;
  for (std::size_t d = 0; d < rank; ++d) {
    const std::uint8_t* p = bytes.data() + 4 + 4 * d;
    const std::size_t size = std::size_t(p[0]) << 24 | std::size_t(p[1]) << 16 | std::size_t(p[2]) << 8 | p[3];
    if (d == 0) announced.items = size;
    announced.data = size && announced.data > kImpossible / size ? kImpossible : announced.data * size;
  }
  announced.total = 4 + 4 * rank + announced.data;
  return announced;
}

// Loading holds the data twice: the bytes read, and the items parse_idx copies out of them. A plain file holds what
// it holds (a header that promises more is a truncated file, which parse_idx names); a compressed one is judged by
// what its header announces, before it is decompressed. Then room is reserved for what will be read.
void check_room(gzFile file, const std::filesystem::path& path, const Announced& announced,
                const std::optional<MemoryBudget>& budget, std::vector<std::uint8_t>& bytes) {
  std::error_code error;
  const bool plain = gzdirect(file);
  const std::uintmax_t size = plain ? std::filesystem::file_size(path, error) : 0;
  const std::uintmax_t held = plain ? (error ? 0 : size) : announced.total;
  check_memory_for(path, "IDX file", 2 * held,
                   plain ? "the file is " + memory_size_text(held)
                         : "its header announces " + std::to_string(announced.items) + " items of " +
                               std::to_string(announced.items ? announced.data / announced.items : 0) + " bytes",
                   budget);
  bytes.reserve(std::size_t(std::min<std::uintmax_t>(held, announced.total + kSlack)));
}

// The whole file, decompressed if it is gzip (zlib's gzread passes plain files through unchanged). As soon as the
// header is in, a file whose items need more memory than `budget` holds is refused, before the rest is read.
std::vector<std::uint8_t> read_maybe_gzip(const std::filesystem::path& path, const std::optional<MemoryBudget>& budget) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error))
    throw InputError("cannot read IDX file " + path.string() +
                     (std::filesystem::exists(path) ? ": not a regular file" : ": no such file"));
  errno = 0;
  gzFile file = gzopen(path.c_str(), "rb");
  if (!file) throw InputError("cannot read IDX file " + path.string() + ": " + open_failure(path, false));
  const std::unique_ptr<gzFile_s, int (*)(gzFile)> closer(file, gzclose);
  std::vector<std::uint8_t> bytes;
  std::uint8_t buffer[1 << 16];
  int count;
  // The header announces the size of what follows: reading stops soon after it, so a gzip bomb (a small file that
  // decompresses to terabytes) ends with an error instead of filling the memory.
  std::size_t announced = 0;  // header + items, once the header is in
  while ((count = gzread(file, buffer, sizeof buffer)) > 0) {
    bytes.insert(bytes.end(), buffer, buffer + count);
    if (!announced)
      if (const auto header = announced_by(bytes)) {
        announced = header->total;
        check_room(file, path, *header, budget, bytes);
      }
    if (announced && bytes.size() > announced + kSlack)
      throw InputError(path.string() + ": the data goes on past the " + std::to_string(announced) +
                       " bytes its header announces (a corrupt or wrong file?); stopped reading there");
  }
  int status = 0;
  const std::string message = count < 0 ? gzerror(file, &status) : "";
  if (count < 0)
    throw InputError(path.string() + ": cannot decompress at byte " + std::to_string(bytes.size()) +
                     " of the uncompressed data: " + message + " (is the file truncated?)");
  return bytes;
}

}  // namespace

IdxArray parse_idx(const std::vector<std::uint8_t>& bytes, const std::string& source, std::size_t limit) {
  auto fail = [&](std::size_t offset, const std::string& what) {
    throw InputError(source + ": byte " + std::to_string(offset) + ": " + what);
  };
  if (bytes.size() < 4) fail(bytes.size(), "file ends inside the 4-byte header; this is not an IDX file");
  if (bytes[0] != 0 || bytes[1] != 0) fail(0, "not an IDX file (it should start with two zero bytes)");
  if (bytes[2] != 0x08)
    fail(2, "element type " + std::to_string(bytes[2]) + " is not supported; nnlab reads unsigned bytes (8)");
  const std::size_t rank = bytes[3];
  if (rank == 0 || rank > 4) fail(3, "unexpected number of dimensions " + std::to_string(rank));
  if (bytes.size() < 4 + 4 * rank) fail(bytes.size(), "file ends inside the dimension sizes");

  IdxArray array;
  const std::size_t header = 4 + 4 * rank;
  std::size_t expected = 1, item_size = 1;
  for (std::size_t d = 0; d < rank; ++d) {
    const std::uint8_t* p = bytes.data() + 4 + 4 * d;
    const std::uint32_t size = std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 | std::uint32_t(p[2]) << 8 | p[3];
    array.dims.push_back(size);
    if (size != 0 && expected > kImpossible / size)
      fail(4 + 4 * d, "the dimension sizes multiply to more than 2^48 bytes; the header is corrupt");
    expected *= size;
    if (d > 0) item_size *= size;
  }
  if (bytes.size() - header < expected)
    fail(bytes.size(), "file is truncated: the header promises " + std::to_string(array.dims[0]) + " items of " +
                           std::to_string(item_size) + " bytes (" + std::to_string(expected) +
                           " bytes after the header), but only " + std::to_string(bytes.size() - header) + " follow");
  if (bytes.size() - header > expected)
    fail(header + expected, std::to_string(bytes.size() - header - expected) +
                                " extra bytes after the last item (wrong file, or a wrong header?)");
  if (limit > 0 && limit < array.dims[0]) array.dims[0] = std::uint32_t(limit);
  array.data.assign(bytes.begin() + header, bytes.begin() + header + std::size_t(array.dims[0]) * item_size);
  return array;
}

IdxArray read_idx(const std::filesystem::path& path, std::size_t limit, const std::optional<MemoryBudget>& budget) {
  return parse_idx(read_maybe_gzip(path, budget), path.string(), limit);
}

}  // namespace nnlab

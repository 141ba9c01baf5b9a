// MNIST-format IDX files (http://yann.lecun.com/exdb/mnist/, "FILE FORMATS"), plain or gzip-compressed:
//   bytes 0-1 zero, byte 2 the element type (0x08 = unsigned byte), byte 3 the number of dimensions d,
//   then d big-endian 32-bit sizes, then the elements in row-major order.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "nnlab/files.hpp"

namespace nnlab {

struct IdxArray {
  std::vector<std::uint32_t> dims;
  std::vector<std::uint8_t> data;
};

// Reads an unsigned-byte IDX file, .gz or not. `limit` > 0 reads only the first `limit` items (along the first
// dimension). Throws InputError naming the file and the byte offset of anything malformed or truncated. As soon as
// the header is in, a file whose items need more memory than `budget` holds is refused (twice its data: the bytes
// read, and the items copied out of them), before the rest is read or decompressed.
IdxArray read_idx(const std::filesystem::path& path, std::size_t limit = 0,
                  const std::optional<MemoryBudget>& budget = available_memory());

// Parses IDX bytes already in memory (the same checks; `source` names them in errors).
IdxArray parse_idx(const std::vector<std::uint8_t>& bytes, const std::string& source, std::size_t limit = 0);

}  // namespace nnlab

// libFuzzer target: the IDX (MNIST format) reader.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "nnlab/errors.hpp"
#include "nnlab/idx.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    (void)nnlab::parse_idx(std::vector<std::uint8_t>(data, data + size), "fuzz.idx");
    (void)nnlab::parse_idx(std::vector<std::uint8_t>(data, data + size), "fuzz.idx", 3);
  } catch (const nnlab::InputError&) {
  }
  return 0;
}

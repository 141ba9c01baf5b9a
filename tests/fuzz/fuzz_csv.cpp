// libFuzzer target: the CSV reader, header and numbers.
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <string>

#include "nnlab/csv.hpp"
#include "nnlab/errors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const nnlab::CsvTable table = nnlab::parse_csv(std::string(reinterpret_cast<const char*>(data), size), "fuzz.csv");
    std::vector<std::size_t> columns(table.header.size());
    std::iota(columns.begin(), columns.end(), 0);
    (void)table.numeric_columns(columns);
  } catch (const nnlab::InputError&) {
  }
  return 0;
}

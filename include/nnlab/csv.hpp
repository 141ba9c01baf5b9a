// Reading CSV files with a header row (RFC 4180: comma-separated, optional double quotes).
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "nnlab/files.hpp"
#include "nnlab/tensor.hpp"

namespace nnlab {

struct CsvTable {
  std::string source;  // file name, for messages
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;  // every row has header.size() cells
  std::vector<std::size_t> row_lines;           // line number of each row, 1-based
  std::vector<std::vector<std::size_t>> cell_columns;  // character column where each cell starts, 1-based

  // Index of a named column; throws InputError naming `where` and the nearest header name.
  std::size_t column_index(const std::string& name, const std::string& where) const;

  // A cell as text, without the spaces and tabs around it (class labels: "cat" and " cat" are one class).
  std::string text(std::size_t row, std::size_t column) const;

  // The named columns as numbers, (rows, names.size()). Throws InputError with file:line:column for a cell that
  // is not a finite number.
  // `float32`: a value beyond float's range (1e39) is an error here, not an infinity later.
  Tensor<double> numeric_columns(const std::vector<std::size_t>& columns, bool float32 = false) const;
};

// Throws InputError with file:line for unreadable files, ragged rows, bad quoting and empty files. Before reading,
// a file whose table would need more memory than `budget` holds is refused (csv_memory_estimate).
// `what` names the file in messages ("cannot read metrics file m.csv: no such file").
CsvTable read_csv(const std::filesystem::path& path,
                  const std::optional<MemoryBudget>& budget = available_memory(),
                  const std::string& what = "data file");

// What reading a CSV file of `size` bytes into a CsvTable and then into numbers takes in memory, judged from its
// first megabyte: the text, and per cell its text, its place and its value, about 80 bytes (measured: a 22 MB file
// of 11 million one-digit cells peaked at 888 MB; one of 2.2 million 7-digit cells at 183 MB). `cells` gets the
// estimated number of cells.
std::uintmax_t csv_memory_estimate(const std::filesystem::path& path, std::uintmax_t size, std::uintmax_t& cells);
CsvTable parse_csv(const std::string& text, const std::string& source);

}  // namespace nnlab

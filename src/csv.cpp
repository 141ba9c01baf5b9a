#include "nnlab/csv.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>

#include "json_text.hpp"
#include "nnlab/errors.hpp"
#include "nnlab/files.hpp"
#include "nnlab/text.hpp"

namespace nnlab {
namespace {

// Splits one logical record starting at `pos` into cells, following RFC 4180 quoting. Advances pos past the
// record's line ending. `line` counts physical lines (a quoted cell may span several).
struct Record {
  std::vector<std::string> cells;
  std::vector<std::size_t> columns;
  std::size_t line = 0;
};

// Reads a quoted cell's text from just after its opening quote to just past its closing one ("" is one quote).
// A newline inside the quotes is part of the cell and starts a new physical line. False if the text ends first.
bool read_quoted(const std::string& text, std::size_t& pos, std::size_t& line, std::size_t& line_start,
                 std::string& cell) {
  while (pos < text.size()) {
    const char c = text[pos];
    if (c == '"' && pos + 1 < text.size() && text[pos + 1] == '"') {
      cell += '"';
      pos += 2;
      continue;
    }
    ++pos;
    if (c == '"') return true;
    if (c == '\n') ++line, line_start = pos;
    cell += c;
  }
  return false;
}

Record read_record(const std::string& text, std::size_t& pos, std::size_t& line, const std::string& source) {
  Record record;
  record.line = line;
  std::string cell;
  std::size_t line_start = pos, cell_start = pos;
  auto finish_cell = [&] {
    record.cells.push_back(cell);
    record.columns.push_back(cell_start - line_start + 1);
    cell.clear();
  };
  while (pos < text.size()) {
    const char c = text[pos];
    if (c == '"') {
      if (!cell.empty())
        throw InputError(source + ":" + std::to_string(line) + ":" + std::to_string(pos - line_start + 1) +
                         ": a quote inside an unquoted cell; quote the whole cell");
      ++pos;
      if (!read_quoted(text, pos, line, line_start, cell))
        throw InputError(source + ":" + std::to_string(record.line) + ": a quoted cell is never closed");
    } else if (c == ',') {
      finish_cell();
      cell_start = ++pos;
    } else if (c == '\n' || c == '\r') {
      pos += (c == '\r' && pos + 1 < text.size() && text[pos + 1] == '\n') ? 2 : 1;
      ++line;
      finish_cell();
      return record;
    } else {
      cell += c;
      ++pos;
    }
  }
  finish_cell();
  ++line;
  return record;
}

std::string trim(const std::string& s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

bool blank(const Record& record) {
  return record.cells.size() == 1 && trim(record.cells[0]).empty();
}

}  // namespace

CsvTable parse_csv(const std::string& text, const std::string& source) {
  CsvTable table;
  table.source = source;
  std::size_t pos = 0, line = 1;
  if (text.compare(0, 3, "\xEF\xBB\xBF") == 0) pos = 3;  // UTF-8 byte order mark, as spreadsheets write it
  // A JSON file (a config, a model) where a CSV belongs: say so instead of failing on its second line.
  if (const auto first = text.find_first_not_of(" \t\r\n", pos);
      first != std::string::npos && (text[first] == '{' || text[first] == '['))
    throw InputError(source + " looks like a JSON file (it starts with '" + text[first] + "'), not a CSV file: a " +
                     "CSV file starts with a header row of column names, then one row per sample");

  Record header;
  do {
    if (pos >= text.size()) throw InputError(source + ": the file is empty; a CSV needs a header row and data");
    header = read_record(text, pos, line, source);
  } while (blank(header));
  for (std::size_t i = 0; i < header.cells.size(); ++i) {
    const std::string name = trim(header.cells[i]);
    const std::string where = source + ":" + std::to_string(header.line) + ":" + std::to_string(header.columns[i]);
    if (name.empty()) throw InputError(where + ": header column " + std::to_string(i + 1) + " has no name");
    if (std::find(table.header.begin(), table.header.end(), name) != table.header.end())
      throw InputError(where + ": column name \"" + name + "\" appears twice in the header");
    table.header.push_back(name);
  }

  while (pos < text.size()) {
    Record record = read_record(text, pos, line, source);
    if (blank(record)) continue;  // empty lines (and a final newline) carry no sample
    if (record.cells.size() != table.header.size())
      throw InputError(source + ":" + std::to_string(record.line) + ": expected " +
                       std::to_string(table.header.size()) + " cells as in the header, found " +
                       std::to_string(record.cells.size()));
    table.rows.push_back(std::move(record.cells));
    table.row_lines.push_back(record.line);
    table.cell_columns.push_back(std::move(record.columns));
  }
  if (table.rows.empty()) throw InputError(source + ": has a header but no data rows");
  return table;
}

namespace {

// "3003", "11.0 million", "12.9 billion".
std::string count_text(std::uintmax_t count) {
  char text[32];
  if (count >= 1'000'000'000)
    std::snprintf(text, sizeof text, "%.1f billion", double(count) / 1e9);
  else if (count >= 1'000'000)
    std::snprintf(text, sizeof text, "%.1f million", double(count) / 1e6);
  else
    std::snprintf(text, sizeof text, "%llu", static_cast<unsigned long long>(count));
  return text;
}

}  // namespace

std::uintmax_t csv_memory_estimate(const std::filesystem::path& path, std::uintmax_t size, std::uintmax_t& cells) {
  constexpr std::uintmax_t kBytesPerCell = 80, kBytesPerRow = 100, kSample = 1 << 20;
  std::ifstream file(path, std::ios::binary);
  std::string sample(std::size_t(std::min(size, kSample)), '\0');
  file.read(sample.data(), std::streamsize(sample.size()));
  sample.resize(std::size_t(std::max<std::streamsize>(file.gcount(), 0)));
  const double scale = sample.empty() ? 0 : double(size) / double(sample.size());
  const auto rows = std::count(sample.begin(), sample.end(), '\n');
  cells = std::uintmax_t(double(rows + std::count(sample.begin(), sample.end(), ',')) * scale);
  return size + cells * kBytesPerCell + std::uintmax_t(double(rows) * scale) * kBytesPerRow;
}

CsvTable read_csv(const std::filesystem::path& path, const std::optional<MemoryBudget>& budget,
                  const std::string& what) {
  std::error_code error;
  // A FIFO or a device is refused by read_text_file without being read; a missing file is named there too.
  const std::uintmax_t size = special_file_kind(path).empty() ? std::filesystem::file_size(path, error) : 0;
  if (!error && size > 0) {
    std::uintmax_t cells = 0;
    const std::uintmax_t needed = csv_memory_estimate(path, size, cells);
    check_memory_for(path, what, needed,
                     "the file is " + memory_size_text(size) + ", about " + count_text(cells) + " cells", budget);
  }
  // No fixed size limit: the memory is the limit, checked above.
  return parse_csv(read_text_file(path, what, std::numeric_limits<std::uintmax_t>::max()), path.string());
}

std::size_t CsvTable::column_index(const std::string& name, const std::string& where) const {
  for (std::size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return i;
  // One column whose name holds another separator: a spreadsheet export that is not comma-separated.
  std::string hint;
  const std::pair<char, const char*> separators[] = {{';', "';'"}, {'\t', "tabs"}, {'|', "'|'"}};
  for (const auto& [separator, called] : separators)
    if (header.size() == 1 && header[0].find(separator) != std::string::npos)
      hint =
          std::string(" (the file seems to separate its cells with ") + called + "; nnlab reads comma-separated files)";
  throw InputError(where + ": no column \"" + name + "\" in " + source +
                   (hint.empty() ? did_you_mean(name, header) : "") + "; its columns are " + join(header) + hint);
}

std::string CsvTable::text(std::size_t row, std::size_t column) const {
  return trim(rows[row][column]);
}

Tensor<double> CsvTable::numeric_columns(const std::vector<std::size_t>& columns, bool float32) const {
  Tensor<double> result(rows.size(), columns.size());
  for (std::size_t r = 0; r < rows.size(); ++r)
    for (std::size_t c = 0; c < columns.size(); ++c) {
      const std::string cell = trim(rows[r][columns[c]]);
      const auto fail = [&](const std::string& why) {
        throw InputError(source + ":" + std::to_string(row_lines[r]) + ":" +
                         std::to_string(cell_columns[r][columns[c]]) + ": column \"" + header[columns[c]] +
                         "\": " + why);
      };
      if (cell.empty()) fail("empty cell");
      // The cell as messages quote it (built by appending: g++ 12 warns falsely about "\"" + std::string).
      std::string quoted(1, '"');
      quoted.append(shown_cell(cell)).push_back('"');
      // from_chars takes no leading '+', which people and spreadsheets write ("+5").
      const char* first = cell.data() + (cell.size() > 1 && cell[0] == '+' && cell[1] != '-' ? 1 : 0);
      const char* last = cell.data() + cell.size();
      double value = 0;
      const auto [end, error] = std::from_chars(first, last, value);
      if (end != last || (error != std::errc() && error != std::errc::result_out_of_range))
        fail(quoted + " is not a finite number");
      if (error == std::errc::result_out_of_range) {
        // Too small to tell from 0 (1e-400) reads as 0, as every CSV reader does; too large is an error.
        const double rounded = std::strtod(std::string(first, last).c_str(), nullptr);
        if (std::isinf(rounded)) fail(quoted + " is too large for a number (largest about 1.8e308)");
        value = rounded;
      }
      if (!std::isfinite(value)) fail(quoted + " is not a finite number");
      if (float32 && std::abs(value) > double(std::numeric_limits<float>::max()))
        fail(quoted + " is out of range for float32 (largest about 3.4e38); use float64");
      result(r, c) = value;
    }
  return result;
}

}  // namespace nnlab

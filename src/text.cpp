#include "nnlab/text.hpp"

#include <cstdio>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <vector>

namespace nnlab {
namespace {

// The shortest digits that read back to the same value; NaN as "NaN" whatever its sign bit (a learner reads "-nan"
// as a negative number; pandas and numpy read "NaN").
template <typename F>
std::string shortest(F value) {
  if (std::isnan(value)) return "NaN";
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

// Levenshtein distance, case-insensitive.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  auto lower = [](char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c); };
  std::vector<std::size_t> previous(b.size() + 1), current(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t substitution = previous[j - 1] + (lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1);
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, substitution});
    }
    std::swap(previous, current);
  }
  return previous[b.size()];
}

}  // namespace

std::string formatted(const char* pattern, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, pattern, value);
  return buffer;
}

std::string round_trip(double value) { return shortest(value); }
std::string round_trip(float value) { return shortest(value); }
std::string csv_number(double value) { return shortest(value == 0 ? 0.0 : value); }
std::string csv_number(float value) { return shortest(value == 0 ? 0.0f : value); }

std::string nearest_name(std::string_view word, std::span<const std::string> candidates) {
  std::string best;
  std::size_t best_distance = SIZE_MAX;
  for (const auto& candidate : candidates) {
    const std::size_t d = edit_distance(word, candidate);
    if (d < best_distance) best_distance = d, best = candidate;
  }
  // A typo changes a few characters; beyond a third of the word it is a different word.
  const std::size_t allowed = std::max<std::size_t>(2, word.size() / 3);
  return best_distance <= allowed ? best : "";
}

std::string did_you_mean(std::string_view word, std::span<const std::string> candidates) {
  const std::string nearest = nearest_name(word, candidates);
  return nearest.empty() ? "" : " (did you mean \"" + nearest + "\"?)";
}

std::string join(std::span<const std::string> words, std::string_view separator) {
  std::string result;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i) result += separator;
    result += words[i];
  }
  return result;
}

std::string csv_field(std::string_view text) {
  const bool plain = text.find_first_of(",\"\r\n") == std::string_view::npos &&
                     (text.empty() || (text.front() != ' ' && text.back() != ' '));
  if (plain) return std::string(text);
  std::string quoted = "\"";
  for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

std::string shown_cell(std::string_view text, std::size_t limit) {
  std::string shown;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    char piece[8] = {ch, 0};
    if (c == '\n')
      std::snprintf(piece, sizeof piece, "\\n");
    else if (c == '\r')
      std::snprintf(piece, sizeof piece, "\\r");
    else if (c == '\t')
      std::snprintf(piece, sizeof piece, "\\t");
    else if (c < 0x20 || c == 0x7f)
      std::snprintf(piece, sizeof piece, "\\x%02x", unsigned(c));
    const std::size_t length = std::char_traits<char>::length(piece);
    if (shown.size() + length > limit) return shown + "...";
    shown.append(piece, length);
  }
  return shown;
}

std::size_t columns(std::string_view line) {
  return std::size_t(std::count_if(line.begin(), line.end(),
                                   [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

namespace {
constexpr char kUnbrokenSpace = '\x01';  // a space that `wrapped` does not break at, written as a space
}  // namespace

std::string wrapped(std::string_view text, std::size_t width, std::string_view indent) {
  std::string result, line;
  bool fresh = true;  // the line holds no word yet (only the indent, or nothing)
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t end = std::min(text.find(' ', at), text.size());
    const std::string_view word = text.substr(at, end - at);
    at = end + 1;
    if (word.empty()) continue;
    if (!fresh && columns(line) + 1 + columns(word) > width) {
      result += line + "\n";
      line = indent, fresh = true;
    }
    if (!fresh) line += ' ';
    line += word;
    fresh = false;
  }
  result += line;
  std::replace(result.begin(), result.end(), kUnbrokenSpace, ' ');
  return result;
}

std::string unbroken(std::string text) {
  std::replace(text.begin(), text.end(), ' ', kUnbrokenSpace);
  return text;
}

}  // namespace nnlab

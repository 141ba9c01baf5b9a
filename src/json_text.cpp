#include "json_text.hpp"

#include "nnlab/errors.hpp"

namespace nnlab {
namespace {

std::string where_in_text(const std::string& text, std::size_t byte) {
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i + 1 < byte && i < text.size(); ++i) {
    if (text[i] == '\n')
      ++line, column = 1;
    else
      ++column;
  }
  return std::to_string(line) + ":" + std::to_string(column);
}

// nlohmann's message without its "[json.exception...] parse error at line L, column C: " prefix.
std::string parse_error_reason(const std::string& what) {
  const std::size_t column = what.find("column ");
  if (column == std::string::npos) return what;
  const std::size_t colon = what.find(": ", column);
  return colon == std::string::npos ? what : what.substr(colon + 2);
}

// What a person most likely meant, for the mistakes people make in hand-written JSON; "" when no guess fits.
std::string likely_mistake(const std::string& text, std::size_t byte, bool comments) {
  if (byte == 0 || byte > text.size()) return "";
  const char last = text[byte - 1];
  if (last == '\'') return " (JSON strings take double quotes: \"name\", not 'name')";
  if (last == '/' && !comments) return " (JSON has no comments)";
  if (last == ']' || last == '}') {
    const auto before = text.find_last_not_of(" \t\r\n", byte >= 2 ? byte - 2 : 0);
    if (before != std::string::npos && before < byte - 1 && text[before] == ',')
      return std::string(" (a comma before '") + last + "': JSON allows none after the last item)";
  }
  return "";
}

}  // namespace

nlohmann::json parse_json_text(const std::string& text, const std::string& source, bool comments) {
  try {
    return nlohmann::json::parse(text, nullptr, true, comments);
  } catch (const nlohmann::json::parse_error& e) {
    throw InputError(source + ":" + where_in_text(text, e.byte) + ": invalid JSON: " + parse_error_reason(e.what()) +
                     likely_mistake(text, e.byte, comments));
  } catch (const nlohmann::json::exception& e) {  // e.g. out_of_range 406: a number too large for a double
    std::string reason = e.what();
    reason = reason.substr(reason.find(']') + 2);
    throw InputError(source + ": invalid JSON: " + reason);
  }
}

}  // namespace nnlab

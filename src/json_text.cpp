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

}  // namespace

nlohmann::json parse_json_text(const std::string& text, const std::string& source) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw InputError(source + ":" + where_in_text(text, e.byte) + ": invalid JSON: " + parse_error_reason(e.what()));
  } catch (const nlohmann::json::exception& e) {  // e.g. out_of_range 406: a number too large for a double
    std::string reason = e.what();
    reason = reason.substr(reason.find(']') + 2);
    throw InputError(source + ": invalid JSON: " + reason);
  }
}

}  // namespace nnlab

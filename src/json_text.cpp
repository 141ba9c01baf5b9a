#include "json_text.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <functional>
#include <set>
#include <vector>

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

// Refuses a key given twice in one object (nlohmann keeps the last silently: a config with two "learning_rate"
// keys is a mistake either way). Tracks the path of object keys, for the message.
class DuplicateKeys {
 public:
  bool operator()(int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using Event = nlohmann::json::parse_event_t;
    if (event == Event::object_start) {
      open_.resize(std::size_t(depth) + 1);
      open_[std::size_t(depth)].clear();
    } else if (event == Event::key) {
      const std::size_t level = std::size_t(depth) - 1;  // keys come at the object's depth + 1
      if (level < open_.size()) {
        const std::string key = parsed.get<std::string>();
        if (!open_[level].insert(key).second && key_.empty()) key_ = key, where_ = path(level) + key;
        keys_.resize(level + 1);
        keys_[level] = key;
      }
    }
    return true;
  }
  const std::string& key() const { return key_; }      // the first key given twice, "" when none
  const std::string& where() const { return where_; }  // its path, e.g. optimizer.learning_rate

 private:
  std::string path(std::size_t level) const {
    std::string text;
    for (std::size_t i = 0; i < level && i < keys_.size(); ++i) text += keys_[i] + ".";
    return text;
  }
  std::vector<std::set<std::string>> open_;  // keys seen so far in each open object, by depth
  std::vector<std::string> keys_;            // the key being read at each depth
  std::string key_, where_;
};

// nlohmann reads a number too close to 0 for a double (1e-400) as 0 without a word, and a range check would then
// say "got 0": the first such number is named as written, with its place. Strings and comments are skipped; only
// numbers with an exponent can underflow, so only those are read again.
void refuse_underflow(const std::string& text, const std::string& source) {
  const auto is_number_char = [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-';
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '"') {
      for (++i; i < text.size() && text[i] != '"'; ++i)
        if (text[i] == '\\') ++i;
    } else if (c == '/' && i + 1 < text.size() && text[i + 1] == '/') {
      i = std::min(text.find('\n', i), text.size());
    } else if (c == '/' && i + 1 < text.size() && text[i + 1] == '*') {
      const std::size_t end = text.find("*/", i + 2);
      i = end == std::string::npos ? text.size() : end + 1;
    } else if (c == '-' || std::isdigit(static_cast<unsigned char>(c))) {
      const std::size_t start = i;
      while (i < text.size() && is_number_char(text[i])) ++i;
      const std::string number = text.substr(start, i - start);
      if (number.find_first_of("eE") != std::string::npos) {
        errno = 0;
        const double value = std::strtod(number.c_str(), nullptr);
        if (errno == ERANGE && value == 0)
          throw InputError(source + ":" + where_in_text(text, start + 1) + ": " + number +
                           " is too close to 0 for a number (the smallest is about 4.9e-324); write 0 if you mean 0");
      }
      --i;
    }
  }
}

}  // namespace

nlohmann::json parse_json_text(const std::string& text, const std::string& source, bool comments) {
  try {
    DuplicateKeys duplicates;
    nlohmann::json::parser_callback_t check = std::ref(duplicates);
    nlohmann::json parsed = nlohmann::json::parse(text, check, true, comments);
    refuse_underflow(text, source);
    if (!duplicates.key().empty())
      throw InputError(source + ": " + duplicates.where() + ": the key \"" + duplicates.key() +
                       "\" appears twice in one object; keep one");
    return parsed;
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

// Parsing JSON text with errors a user can act on: "file:line:column: invalid JSON: what".
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace nnlab {

// Throws InputError naming `source` and the line and column of a syntax error.
nlohmann::json parse_json_text(const std::string& text, const std::string& source);

}  // namespace nnlab

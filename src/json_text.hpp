// Parsing JSON text with errors a user can act on: "file:line:column: invalid JSON: what".
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace nnlab {

// Throws InputError naming `source` and the line and column of a syntax error.
nlohmann::json parse_json_text(const std::string& text, const std::string& source);

// The whole file as text; throws InputError naming `what` ("config file", "data file", "model file") when it cannot
// be read.
std::string read_text_file(const std::string& path, const std::string& what);

}  // namespace nnlab

// Parsing JSON text with errors a user can act on: "file:line:column: invalid JSON: what".
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace nnlab {

// Throws InputError naming `source` and the line and column of a syntax error, with a hint for the usual slips
// (single quotes, a comma after the last item). With `comments`, // and /* */ comments are allowed. A number too
// close to 0 for a double (1e-400, which the parser would read as 0) is an error naming it and its place.
nlohmann::json parse_json_text(const std::string& text, const std::string& source, bool comments = false);

}  // namespace nnlab

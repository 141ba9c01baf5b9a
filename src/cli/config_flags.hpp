// Config keys and the command-line flags that set them: the one table from which the CLI puts an error or warning
// from the core (which names config keys only) into the words of the command line the user typed.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "nnlab/config.hpp"
#include "nnlab/errors.hpp"

namespace nnlab::cli {

// The flag that sets `key` ("optimizer.learning_rate" -> "--lr"), if `given` has it set; nullopt otherwise.
std::optional<std::string> flag_that_set(std::string_view key, const Overrides& given);

// `text` with `key` in the flag's words, when a flag in `given` set it: "KEY: ..." becomes "FLAG: ...", "(KEY)"
// becomes "(FLAG)", and any other mention "KEY (FLAG)". Unchanged when no flag set the key.
std::string in_flag_words(const std::string& text, std::string_view key, const Overrides& given);

// Every config key a flag in `given` set, reworded in `text` (for warnings, which carry no key of their own).
std::string in_flag_words(const std::string& text, const Overrides& given);

// Runs a command; an nnlab::Error whose config key a flag set is rethrown with its message in the flag's words.
template <typename Command>
int naming_flags(const Overrides& given, Command&& command) {
  try {
    return command();
  } catch (const Error& e) {
    if (e.key().empty() || !flag_that_set(e.key(), given)) throw;
    throw Error(in_flag_words(e.what(), e.key(), given), e.exit_code(), e.key());
  }
}

}  // namespace nnlab::cli

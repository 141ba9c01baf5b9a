// Errors a user can act on. Each carries the process exit code the CLI returns for it and, when the message blames
// or advises on a config value, that value's config key ("optimizer.learning_rate"): the core speaks in config keys
// only, and the command line (src/cli/config_flags.hpp) names the flag instead where a flag set the value.
#pragma once

#include <stdexcept>
#include <string>

namespace nnlab {

class Error : public std::runtime_error {
 public:
  Error(const std::string& message, int exit_code, std::string key = "")
      : std::runtime_error(message), exit_code_(exit_code), key_(std::move(key)) {}
  int exit_code() const { return exit_code_; }
  // The config key the message names (blames or advises changing); "" when it names none.
  const std::string& key() const { return key_; }

 private:
  int exit_code_;
  std::string key_;
};

// Bad command line, config or data: the run never started. Exit code 2.
class InputError : public Error {
 public:
  explicit InputError(const std::string& message, std::string key = "") : Error(message, 2, std::move(key)) {}
};

// A config value that is out of its range or does not fit the data: the message starts with its key
// ("optimizer.learning_rate: must be a number greater than 0, got -1"), or names it in parentheses.
class ConfigError : public InputError {
 public:
  ConfigError(const std::string& key, const std::string& message) : InputError(message, key) {}
};

// Something went wrong while training (e.g. a file could not be written). Exit code 1.
class TrainingError : public Error {
 public:
  explicit TrainingError(const std::string& message, std::string key = "") : Error(message, 1, std::move(key)) {}
};

// The numbers stopped being finite (NaN or infinity): the weights of the last finite epoch are the ones to keep.
// Its key is the learning rate the message advises lowering.
class DivergenceError : public TrainingError {
 public:
  explicit DivergenceError(const std::string& message, std::string key = "") : TrainingError(message, std::move(key)) {}
};

}  // namespace nnlab

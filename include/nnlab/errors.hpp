// Errors a user can act on. Each carries the process exit code the CLI returns for it.
#pragma once

#include <stdexcept>
#include <string>

namespace nnlab {

class Error : public std::runtime_error {
 public:
  Error(const std::string& message, int exit_code) : std::runtime_error(message), exit_code_(exit_code) {}
  int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};

// Bad command line, config or data: the run never started. Exit code 2.
class InputError : public Error {
 public:
  explicit InputError(const std::string& message) : Error(message, 2) {}
};

// Something went wrong while training (e.g. a file could not be written). Exit code 1.
class TrainingError : public Error {
 public:
  explicit TrainingError(const std::string& message) : Error(message, 1) {}
};

// The numbers stopped being finite (NaN or infinity): the weights of the last finite epoch are the ones to keep.
class DivergenceError : public TrainingError {
 public:
  explicit DivergenceError(const std::string& message) : TrainingError(message) {}
};

}  // namespace nnlab

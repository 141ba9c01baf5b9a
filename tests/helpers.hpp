// Shared test helpers: fixture loading, tolerances, running the nnlab binary.
#pragma once

#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "nnlab/tensor.hpp"

namespace nnlab::test {

// Float64 tolerances. Golden values come from numpy doing the same float64 arithmetic in a different order, so
// they agree to a few ulps per operation; 1e-9 relative is what the linear-fit issue promises.
constexpr double kGoldenRelative = 1e-9;
// Central differences with the checker's h (kGradientStep = 1e-5 in gradcheck.hpp) are accurate to about
// h² ≈ 1e-10 in value, i.e. well under 1e-6 relative in slope for the smooth functions tested here.
constexpr double kGradientRelative = 1e-6;
// A gradient check needs gradients this large somewhere to prove anything.
constexpr double kNonTrivialGradient = 1e-3;

inline std::filesystem::path source_dir() { return NNLAB_SOURCE_DIR; }
inline std::filesystem::path fixture_path(const std::string& name) { return source_dir() / "tests" / "fixtures" / name; }

nlohmann::json load_fixture(const std::string& name);

Tensor<double> matrix(const nlohmann::json& rows);

// A result from running the CLI: exit code and what it printed.
struct CliResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
// `program`, when given, replaces the built nnlab: another command line that ends in an nnlab (e.g. "setpriv
// --reuid=65534 ... /tmp/x/nnlab" to run a copy as another user).
CliResult run_nnlab(const std::string& arguments, const std::string& program = "");

// A whole file as text ("" when it cannot be read).
std::string read_file(const std::filesystem::path& path);

// The lines of a text, without their '\n'.
std::vector<std::string> lines_of(const std::string& text);

// How many times `part` occurs in `text` (overlapping occurrences too).
std::size_t count(const std::string& text, const std::string& part);

// A usage error as every command must give it: exit code 2 and exactly one line on stderr, starting with `message`.
void check_usage_error(const CliResult& result, const std::string& message);

// A fresh, empty temporary folder for one test, unique on the machine (the caller removes it).
std::filesystem::path temp_dir(const std::string& name);

}  // namespace nnlab::test

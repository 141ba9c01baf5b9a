#include "helpers.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

namespace nnlab::test {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::size_t count(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

void check_usage_error(const CliResult& result, const std::string& message) {
  CHECK(result.exit_code == 2);
  CHECK_THAT(result.err, Catch::StartsWith(message));
  CHECK(std::count(result.err.begin(), result.err.end(), '\n') == 1);
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream buffer;
  buffer << file.rdbuf();
  return buffer.str();
}

nlohmann::json load_fixture(const std::string& name) {
  std::ifstream file(fixture_path(name));
  REQUIRE(file.good());
  return nlohmann::json::parse(file);
}

Tensor<double> matrix(const nlohmann::json& rows) {
  const bool nested = rows.at(0).is_array();
  Tensor<double> result(rows.size(), nested ? rows.at(0).size() : 1);
  for (std::size_t r = 0; r < result.rows(); ++r)
    for (std::size_t c = 0; c < result.cols(); ++c) result(r, c) = nested ? rows[r][c].get<double>() : rows[r].get<double>();
  return result;
}

std::filesystem::path temp_dir(const std::string& name) {
  // mkdtemp makes a new folder with a name no other process holds: tests of several worktrees and several
  // `ctest -j` processes run at once on one machine, and a reused process id must not hand one test another's files.
  std::string pattern = (std::filesystem::temp_directory_path() / ("nnlab_test_" + name + "_XXXXXX")).string();
  if (!::mkdtemp(pattern.data())) throw std::runtime_error("cannot make a temporary folder " + pattern);
  return pattern;
}

CliResult run_nnlab(const std::string& arguments, const std::string& program) {
  const auto dir = temp_dir("cli");
  const auto out = dir / "stdout", err = dir / "stderr";
  const std::string command = "cd '" + source_dir().string() + "' && " +
                              (program.empty() ? "'" + std::string(NNLAB_EXE) + "'" : program) + " " + arguments +
                              " > '" + out.string() + "' 2> '" + err.string() + "' < /dev/null";
  const int status = std::system(command.c_str());
  CliResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = read_file(out);
  result.err = read_file(err);
  std::filesystem::remove_all(dir);
  return result;
}

}  // namespace nnlab::test

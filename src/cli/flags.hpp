// How every subcommand declares its flags, so that they all read values the same strict way: whole numbers with
// the config's rule (no negatives, fractions or words), numbers as numbers, booleans as --x / --no-x / --x=false.
// A bad value is a CLI::ValidationError whose text is the whole message ("--epochs: must be a whole number ...").
#pragma once

#include <CLI/CLI.hpp>
#include <cstddef>
#include <limits>
#include <optional>
#include <string>

namespace nnlab::cli {

inline constexpr std::size_t kAnyCount = std::numeric_limits<std::size_t>::max();

namespace detail {
std::size_t whole_number_value(const std::string& text, const std::string& flag, std::size_t low, std::size_t high);
double number_value(const std::string& text, const std::string& flag);
template <typename V>
void assign(V& target, auto value) { target = static_cast<V>(value); }
template <typename V>
void assign(std::optional<V>& target, auto value) { target = static_cast<V>(value); }
}  // namespace detail

// `--name N`: a whole number from low to high into `target` (a number or an optional one).
template <typename Target>
CLI::Option* whole_number_flag(CLI::App& command, const std::string& names, Target& target, std::size_t low,
                               std::size_t high, const std::string& help) {
  const std::string flag = names.substr(0, names.find(','));
  return command
      .add_option_function<std::string>(
          names,
          [&target, flag, low, high](const std::string& text) {
            detail::assign(target, detail::whole_number_value(text, flag, low, high));
          },
          help)
      ->type_name("N");
}

// `--name X`: a finite number into `target` (a double or an optional one), refused as typed when a double cannot
// hold it (1e-400, 1e400, nan, inf); ranges are the config's business.
template <typename Target>
CLI::Option* number_flag(CLI::App& command, const std::string& names, Target& target, const std::string& help) {
  const std::string flag = names.substr(0, names.find(','));
  return command
      .add_option_function<std::string>(
          names, [&target, flag](const std::string& text) { detail::assign(target, detail::number_value(text, flag)); },
          help)
      ->type_name("X");
}

// `--name` / `--no-name` (and `--name=true|false`) into `target` (a bool or an optional one). `short_name`, e.g.
// "-q", is optional.
template <typename Target>
CLI::Option* boolean_flag(CLI::App& command, const std::string& name, Target& target, const std::string& help,
                          const std::string& short_name = "") {
  const std::string names = name + (short_name.empty() ? "" : "," + short_name) + ",!--no-" + name.substr(2);
  return command.add_flag_function(
      names, [&target](std::int64_t count) { detail::assign(target, count > 0); }, help);
}

// Checked before CLI11 parses (which would take --no-quiet=2x as false, and name no alternative): the message for
// the first unknown command or flag, or for a flag given a value that is not true or false; "" when there is none.
std::string unknown_name(const CLI::App& app, int argc, const char* const* argv);

// The one-line message for a command line CLI11 refused: an unknown command or flag gets the nearest valid name,
// and every message points at the --help of the (sub)command it belongs to.
std::string usage_error(const CLI::App& app, int argc, const char* const* argv, const CLI::ParseError& error);

}  // namespace nnlab::cli

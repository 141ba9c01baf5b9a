#include "flags.hpp"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <vector>

#include "nnlab/config.hpp"
#include "nnlab/errors.hpp"
#include "nnlab/text.hpp"

namespace nnlab::cli {
namespace detail {

std::size_t whole_number_value(const std::string& text, const std::string& flag, std::size_t low, std::size_t high) {
  try {
    return parse_whole_number(text, flag, low, high);
  } catch (const InputError& e) {
    throw CLI::ValidationError(e.what());
  }
}

double number_value(const std::string& text, const std::string& flag) {
  const char* begin = text.c_str();
  char* end = nullptr;
  errno = 0;
  const double value = std::strtod(begin, &end);
  const bool out_of_range = errno == ERANGE;
  if (text.empty() || end != begin + text.size())
    throw CLI::ValidationError(flag + ": must be a number, got \"" + text + "\"");
  // strtod would hand on 1e-400 as 0 and 1e400 as inf, and a later range check would then say "got 0": the
  // message names the number as it was typed instead. (A denormal such as 1e-310 is read as it is.)
  if (!std::isfinite(value) && !out_of_range)
    throw CLI::ValidationError(flag + ": must be a finite number, got \"" + text + "\"");
  if (out_of_range && std::abs(value) > 1)
    throw CLI::ValidationError(flag + ": " + text + " is too large for a number (the largest is about 1.8e308)");
  if (out_of_range && value == 0)
    throw CLI::ValidationError(flag + ": " + text + " is too close to 0 for a number (the smallest is about "
                               "4.9e-324); write 0 if you mean 0");
  return value;
}

}  // namespace detail

namespace {

// "nnlab plot loss": the command as the user types it, for "see '... --help'".
std::string command_path(const CLI::App& command) {
  const CLI::App* parent = command.get_parent();
  return parent ? command_path(*parent) + " " + command.get_name() : "nnlab";
}

std::string see_help(const CLI::App& command) { return " (see '" + command_path(command) + " --help')"; }

std::vector<std::string> flag_names(const CLI::App& command) {
  std::vector<std::string> names;
  for (const CLI::Option* option : command.get_options()) {
    for (const std::string& name : option->get_lnames()) names.push_back("--" + name);
    for (const std::string& name : option->get_snames()) names.push_back("-" + name);
  }
  return names;
}

const CLI::App* subcommand_named(const CLI::App& command, const std::string& name) {
  for (const CLI::App* sub : command.get_subcommands([](const CLI::App*) { return true; }))
    if (sub->check_name(name)) return sub;
  return nullptr;
}

bool has_positionals(const CLI::App& command) {
  return !command.get_options([](const CLI::Option* option) { return option->get_positional(); }).empty();
}

bool looks_like_number(const std::string& word) {
  char* end = nullptr;
  std::strtod(word.c_str(), &end);
  return !word.empty() && end == word.c_str() + word.size();
}

// What CLI11 reads as a flag's value (--diagnostics=false); anything else makes it throw std::invalid_argument.
bool is_boolean_word(std::string word) {
  for (char& c : word) c = char(std::tolower(static_cast<unsigned char>(c)));
  for (const char* known : {"true", "false", "1", "0", "yes", "no", "on", "off", "t", "f", "y", "n", "+1", "-1"})
    if (word == known) return true;
  return false;
}

struct Finding {
  const CLI::App* command;  // the deepest (sub)command the words reached
  std::string message;      // about the first unknown name, or empty
};

// Walks the words as CLI11 would, following subcommands, and stops at the first flag or command nobody declared.
Finding find_unknown_name(const CLI::App& app, int argc, const char* const* argv) {
  const CLI::App* command = &app;
  for (int i = 1; i < argc; ++i) {
    const std::string word = argv[i];
    if (word == "--") break;
    if (word.size() > 1 && word[0] == '-' && !looks_like_number(word)) {
      const std::string name = word.substr(0, word.find('='));
      const CLI::Option* option = command->get_option_no_throw(name);
      if (!option) {
        std::string message = "unknown flag " + name;
        const std::string nearest = nearest_name(name, flag_names(*command));
        if (!nearest.empty()) message += "; did you mean " + nearest + "?";
        return {command, message + see_help(*command)};
      }
      const auto equals = word.find('=');
      if (option->get_items_expected_max() == 0 && equals != std::string::npos && !is_boolean_word(word.substr(equals + 1)))
        return {command, name + ": takes no value, or =true or =false, got \"" + word.substr(equals + 1) + "\"" +
                             see_help(*command)};
      if (option->get_items_expected_max() > 0 && equals == std::string::npos) {
        ++i;  // its value
        if (option->get_items_expected_max() > 1)
          while (i + 1 < argc && argv[i + 1][0] != '-') ++i;
      }
      continue;
    }
    if (const CLI::App* sub = subcommand_named(*command, word)) {
      command = sub;
      continue;
    }
    const auto subcommands = command->get_subcommands([](const CLI::App*) { return true; });
    if (!subcommands.empty() && !has_positionals(*command)) {
      std::vector<std::string> names;
      for (const CLI::App* sub : subcommands) names.push_back(sub->get_name());
      const std::string nearest = nearest_name(word, names);
      const std::string where = command->get_parent() ? " for " + command_path(*command) : "";
      std::string message = "unknown command \"" + word + "\"" + where;
      message += nearest.empty() ? "; choose one of " + join(names) : "; did you mean \"" + nearest + "\"?";
      return {command, message + see_help(*command)};
    }
  }
  return {command, ""};
}

}  // namespace

std::string unknown_name(const CLI::App& app, int argc, const char* const* argv) {
  return find_unknown_name(app, argc, argv).message;
}

std::string usage_error(const CLI::App& app, int argc, const char* const* argv, const CLI::ParseError& error) {
  const Finding finding = find_unknown_name(app, argc, argv);
  if (!finding.message.empty()) return finding.message;
  // A bad value: the message already says what is wanted.
  if (dynamic_cast<const CLI::ValidationError*>(&error)) return error.what();
  // CLI11 says "--epochs: At Most 1 required but received 2" for a flag given twice.
  const std::string what = error.what(), twice = ": At Most 1 required but received ";
  if (const auto at = what.find(twice); at != std::string::npos)
    return what.substr(0, at) + " is given " + what.substr(at + twice.size()) + " times; give it once" +
           see_help(*finding.command);
  return std::string(error.what()) + see_help(*finding.command);
}

}  // namespace nnlab::cli

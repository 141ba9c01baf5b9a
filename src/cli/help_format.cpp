#include "help_format.hpp"

#include <cctype>
#include <sstream>
#include <vector>

#include "nnlab/text.hpp"

namespace nnlab::cli {
namespace {

constexpr std::size_t kNameColumn = 26;     // where an option's description starts
constexpr std::size_t kCommandColumn = 13;  // where a subcommand's description starts

// "nnlab plot loss": the command as the user types it.
std::string command_path(const CLI::App& command) {
  const CLI::App* parent = command.get_parent();
  return parent ? command_path(*parent) + " " + command.get_name() : command.get_name();
}

std::vector<const CLI::App*> subcommands_of(const CLI::App& command) {
  return command.get_subcommands([](const CLI::App* sub) { return !sub->get_name().empty(); });
}

// The words of `text` over lines of at most `width` columns, each line after the first indented by `indent`
// spaces; the result ends with a newline.
std::string wrap_at(const std::string& text, std::size_t width, std::size_t indent) {
  std::string result;
  std::istringstream lines(text);  // a description's own line breaks stay
  for (std::string line; std::getline(lines, line);) {
    if (!result.empty()) result += "\n" + std::string(indent, ' ');
    result += wrapped(line, width - indent, "");
  }
  std::string indented;
  for (char c : result) {
    indented += c;
    if (c == '\n') indented += std::string(indent, ' ');
  }
  return indented + "\n";
}

// "  left      description" with the description wrapped at kHelpWidth from kNameColumn; a left side too long for
// its column gets a line of its own.
std::string entry(const std::string& left, const std::string& description, std::size_t column = kNameColumn) {
  std::string line = "  " + left;
  if (description.empty()) return line + "\n";
  if (columns(line) + 2 > column)
    line += "\n" + std::string(column, ' ');
  else
    line += std::string(column - columns(line), ' ');
  return line + wrap_at(description, kHelpWidth, column);
}

// "-q,--quiet,--no-quiet{false}" -> "-q, --quiet, --no-quiet"
std::string option_names(const CLI::Option& option) {
  std::string names = option.get_name(false, true), clean;
  bool in_default = false;
  for (char c : names) {
    if (c == '{') in_default = true;
    if (!in_default) clean += c == ',' ? std::string(", ") : std::string(1, c);
    if (c == '}') in_default = false;
  }
  return clean;
}

// The word for the option's value: N, X, TEXT (without a validator's own ":X" after it), and "..." for lists.
std::string value_word(const CLI::Option& option) {
  if (option.get_type_size() == 0) return "";
  std::string word = option.get_type_name();
  word = word.substr(0, word.find(':'));
  if (option.get_expected_max() >= CLI::detail::expected_max_vector_size) word += " ...";
  return word;
}

}  // namespace

HelpFormatter::HelpFormatter() { column_width(kNameColumn); }

std::string HelpFormatter::make_option(const CLI::Option* option, bool is_positional) const {
  std::string left = is_positional ? option->get_name(true, false) : option_names(*option);
  if (!is_positional && !value_word(*option).empty()) left += " " + value_word(*option);
  std::string description = option->get_description();
  if (!option->get_default_str().empty() && description.find("default") == std::string::npos)
    description += " (default " + option->get_default_str() + ")";
  std::vector<std::string> excluded;
  for (const CLI::Option* other : option->get_excludes()) excluded.push_back(other->get_name());
  if (!excluded.empty()) description += " (not with " + join(excluded, " or ") + ")";
  return entry(left, description);
}

std::string HelpFormatter::make_subcommand(const CLI::App* command) const {
  return entry(command->get_name(), command->get_description(), kCommandColumn);
}

std::string HelpFormatter::make_description(const CLI::App* command) const {
  const std::string description = command->get_description();
  return description.empty() ? "" : wrap_at(description, kHelpWidth, 0) + "\n";
}

std::string HelpFormatter::make_usage(const CLI::App* command, std::string name) const {
  std::string usage = CLI::Formatter::make_usage(command, name);
  while (!usage.empty() && usage.back() == '\n') usage.pop_back();
  return wrap_at(usage, kHelpWidth, 4);
}

std::string HelpFormatter::make_footer(const CLI::App* command) const {
  const std::string footer = command->get_footer();
  return footer.empty() ? "" : wrap_at(footer, kHelpWidth, 0);
}

void use_help_format(CLI::App& app) {
  static const auto formatter = std::make_shared<HelpFormatter>();
  app.formatter(formatter);
  for (CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) use_help_format(*sub);
}

std::string plain_usage_error(const CLI::App& app, int argc, const char* const* argv, const CLI::ParseError& error,
                              std::string& help) {
  // The deepest command the words name: `nnlab plot` for "nnlab plot --x".
  const CLI::App* command = &app;
  for (int i = 1; i < argc; ++i)
    for (const CLI::App* sub : subcommands_of(*command))
      if (sub->check_name(argv[i])) {
        command = sub;
        break;
      }
  const std::string see = " (see '" + command_path(*command) + " --help')";
  const std::string message = error.what();
  if (message.starts_with("A subcommand is required")) {
    help = command->help();
    return command_path(*command) + " needs a command; choose one of those below";
  }
  // "--epochs: 1 required N missing": the flag was given without its value.
  const auto colon = message.find(": ");
  if (colon != std::string::npos && message.find(" required ") != std::string::npos && message.ends_with(" missing")) {
    const std::string flag = message.substr(0, colon);
    if (const CLI::Option* option = command->get_option_no_throw(flag)) {
      const std::string word = value_word(*option);
      std::string what = option->get_description();  // "Save the trained model to this JSON file"
      if (!what.empty()) what[0] = char(std::tolower(static_cast<unsigned char>(what[0])));
      if (word == "N") what = "a whole number, e.g. " + flag + " 10";
      if (word == "X") what = "a number, e.g. " + flag + " 0.1";
      return flag + " needs a value: " + what + see;
    }
  }
  return "";
}

}  // namespace nnlab::cli

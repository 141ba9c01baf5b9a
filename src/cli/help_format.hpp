// How nnlab's help and its usage errors read: every --help wrapped to 80 columns without the parser's notation
// (`{false}`, `X:X`, `Excludes:`), and plain sentences for a missing command or a flag given no value.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace nnlab::cli {

inline constexpr std::size_t kHelpWidth = 80;

// CLI11's formatter with nnlab's layout: `-q, --quiet, --no-quiet`, value words N (whole number), X (number) and
// TEXT, "not with --sample" in the description instead of `Excludes: --sample`, every line at most kHelpWidth.
class HelpFormatter : public CLI::Formatter {
 public:
  HelpFormatter();
  std::string make_option(const CLI::Option* option, bool is_positional) const override;
  std::string make_subcommand(const CLI::App* command) const override;
  std::string make_description(const CLI::App* command) const override;
  std::string make_usage(const CLI::App* command, std::string name) const override;
  std::string make_footer(const CLI::App* command) const override;
};

// Gives `app` and every (sub)command below it the HelpFormatter; call once all commands are added.
void use_help_format(CLI::App& app);

// A plainer message than CLI11's for the usage errors a learner meets first, or "" to keep the usual one:
//   nnlab                    -> "nnlab needs a command: train, eval, ..." (and `help` is set to the usage to show)
//   nnlab train x --epochs   -> "--epochs needs a value: a whole number, e.g. --epochs 10 (see ...)"
std::string plain_usage_error(const CLI::App& app, int argc, const char* const* argv, const CLI::ParseError& error,
                              std::string& help);

}  // namespace nnlab::cli

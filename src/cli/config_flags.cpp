#include "config_flags.hpp"

#include <cctype>
#include <utility>
#include <vector>

namespace nnlab::cli {
namespace {

struct KeyFlag {
  std::string_view key, flag;
  bool (*given)(const Overrides&);
};

// Every flag that sets one config value (train and compare share them).
const std::vector<KeyFlag>& key_flags() {
  static const std::vector<KeyFlag> table = {
      {"optimizer.learning_rate", "--lr", [](const Overrides& o) { return o.learning_rate.has_value(); }},
      {"optimizer.momentum", "--momentum", [](const Overrides& o) { return o.momentum.has_value(); }},
      {"optimizer.batch_size", "--batch-size", [](const Overrides& o) { return o.batch_size.has_value(); }},
      {"regularization.l1", "--l1", [](const Overrides& o) { return o.l1.has_value(); }},
      {"regularization.l2", "--l2", [](const Overrides& o) { return o.l2.has_value(); }},
      {"training.epochs", "--epochs", [](const Overrides& o) { return o.epochs.has_value(); }},
      {"training.log_every", "--log-every", [](const Overrides& o) { return o.log_every.has_value(); }},
      {"training.seed", "--seed", [](const Overrides& o) { return o.seed.has_value(); }},
      {"training.dtype", "--dtype", [](const Overrides& o) { return o.dtype.has_value(); }},
      {"model.init", "--init", [](const Overrides& o) { return o.init.has_value(); }},
      {"model.init_gain", "--init-gain", [](const Overrides& o) { return o.init_gain.has_value(); }},
  };
  return table;
}

// Whether `text` has a config key at `at` of `length` characters, not part of a longer name ("model.init" is not a
// mention inside "model.init_gain").
bool whole_name_at(const std::string& text, std::size_t at, std::size_t length) {
  const auto part_of_name = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.'; };
  const std::size_t end = at + length;
  return (at == 0 || !part_of_name(text[at - 1])) && (end == text.size() || !part_of_name(text[end]) ||
                                                      (text[end] == '.' && (end + 1 == text.size() || text[end + 1] == ' ')));
}

// Every mention of `from` replaced by `to`; with `names`, only mentions of it as a whole name.
void replace_all(std::string& text, const std::string& from, const std::string& to, bool names = false) {
  for (std::size_t at = text.find(from); at != std::string::npos;) {
    if (names && !whole_name_at(text, at, from.size())) {
      at = text.find(from, at + 1);
      continue;
    }
    text.replace(at, from.size(), to);
    at = text.find(from, at + to.size());
  }
}

}  // namespace

std::optional<std::string> flag_that_set(std::string_view key, const Overrides& given) {
  for (const KeyFlag& entry : key_flags())
    if (entry.key == key && entry.given(given)) return std::string(entry.flag);
  return std::nullopt;
}

std::string in_flag_words(const std::string& text, std::string_view key, const Overrides& given) {
  const auto flag = flag_that_set(key, given);
  if (!flag) return text;
  const std::string name(key);
  std::string result = text;
  if (result.starts_with(name + ": ")) result = *flag + result.substr(name.size());
  replace_all(result, "(" + name + ")", "\x01");  // kept apart while the bare mentions are replaced
  replace_all(result, name, name + " (" + *flag + ")", /*names=*/true);
  replace_all(result, "\x01", "(" + *flag + ")");
  return result;
}

std::string in_flag_words(const std::string& text, const Overrides& given) {
  std::string result = text;
  for (const KeyFlag& entry : key_flags()) result = in_flag_words(result, entry.key, given);
  return result;
}

}  // namespace nnlab::cli

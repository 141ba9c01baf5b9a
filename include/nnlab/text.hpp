// Small text helpers shared by error messages and reports.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace nnlab {

// The shortest decimal that reads back to exactly the same number (like Python's repr).
std::string round_trip(double value);
std::string round_trip(float value);
// The same for a cell of a CSV file people read: -0 (from rounding a tiny negative number) is written 0.
std::string csv_number(double value);
std::string csv_number(float value);

// The candidate closest to `word` by edit distance, or "" when none is close enough to be a likely typo.
std::string nearest_name(std::string_view word, std::span<const std::string> candidates);

// ` (did you mean "x"?)` when a close candidate exists, else "".
std::string did_you_mean(std::string_view word, std::span<const std::string> candidates);

// One CSV field as RFC 4180 writes it: as is when plain, in double quotes (inner quotes doubled) when it holds a
// comma, a quote, a line break or leading/trailing spaces, so a class name like `cat, large` stays one cell.
std::string csv_field(std::string_view text);

// A piece of user data (a CSV cell) as an error line shows it: control bytes and NULs escaped (\n, \x00), and
// shortened to at most `limit` characters with "..." so a 10 MB cell cannot flood the terminal.
std::string shown_cell(std::string_view text, std::size_t limit = 40);

// One number printed by a printf pattern that takes one double ("%.4g", "%.1f%%", "%.2e"): the one place nnlab
// formats a number that way (the screen, the diagnostics, the HTML report, explain and compare call it).
std::string formatted(const char* pattern, double value);

// "a, b, c"
std::string join(std::span<const std::string> words, std::string_view separator = ", ");

// Columns a line of UTF-8 text takes on a terminal: one per character ("µs" and "×" take one each).
std::size_t columns(std::string_view line);

// `text` broken at spaces into lines of at most `width` columns where the words allow, every line after the first
// starting with `indent`; joined with '\n', no newline at the end. Spaces inside unbroken(...) are never broken at.
std::string wrapped(std::string_view text, std::size_t width, std::string_view indent = "  ");

// `text` with its spaces kept together when wrapped: "h = 1e-05" stays on one line.
std::string unbroken(std::string text);

}  // namespace nnlab

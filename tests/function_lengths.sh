#!/usr/bin/env bash
# Lists the functions longer than N lines (default 50), longest first, and exits with 1 when there is any: the
# check behind "no function over ~50 lines" (ARCHITECTURE.md, issue #11). A developer's tool, not part of CI.
#   bash tests/function_lengths.sh [N] [FILE...]      (default files: src/**/*.cpp)
# A function's length is from its first line to its closing brace, as universal-ctags reports them (a lambda
# counts inside its function too, and is listed as "(lambda)" when it is long itself).
set -euo pipefail
cd "$(dirname "$0")/.."
most=50
if [[ $# -gt 0 && $1 =~ ^[0-9]+$ ]]; then most=$1; shift; fi
if [[ $# -eq 0 ]]; then set -- src/*.cpp src/cli/*.cpp; fi
if ! ctags --version 2>/dev/null | grep -q "Universal Ctags"; then
  echo "tests/function_lengths.sh needs universal-ctags (sudo apt-get install universal-ctags)" >&2
  exit 2
fi
long=$(ctags --c++-kinds=f --fields=+ne --sort=no -o - "$@" |
  awk -F'\t' -v most="$most" '{
    name = $1; line = ""; end = ""
    for (i = 4; i <= NF; i++) { if ($i ~ /^line:/) line = substr($i, 6); if ($i ~ /^end:/) end = substr($i, 5) }
    if (name ~ /^__anon/) name = "(lambda)"
    if (line != "" && end != "" && end - line + 1 > most) printf "%5d  %s:%s  %s\n", end - line + 1, $2, line, name
  }' | sort -rn)
if [[ -z $long ]]; then echo "no function over $most lines in $# files"; exit 0; fi
echo "functions over $most lines (lines, where, name):"
echo "$long"
exit 1

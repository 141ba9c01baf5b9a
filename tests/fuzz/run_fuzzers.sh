#!/usr/bin/env bash
# Builds the five libFuzzer targets with clang (AddressSanitizer and UndefinedBehaviorSanitizer on) and runs each
# for SECONDS (default 120), growing tests/fuzz/corpus/<target>/ with the inputs that reach new code. Commit the
# corpus afterwards: CI replays it (ctest -R fuzz). Needs Debian's clang and libclang-rt-14-dev.
# A crash leaves its input as crash-* in the current folder: fix the bug, then move the file into the corpus.
#   bash tests/fuzz/run_fuzzers.sh [SECONDS] ["config csv idx model model_use"]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-120}
targets=${2:-"config csv idx model model_use"}
for package in clang libclang-rt-14-dev zlib1g-dev nlohmann-json3-dev; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null; }
done
out=build-fuzz
mkdir -p "$out"
library=$(ls src/*.cpp)
flags="-std=c++20 -O1 -g -Iinclude -Isrc -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -Wno-unknown-pragmas"
for target in $targets; do
  clang++ $flags $library tests/fuzz/fuzz_$target.cpp -lz -o "$out/fuzz_$target" &
done
wait
for target in $targets; do
  mkdir -p "$out/new_$target"
  echo "fuzzing $target for $seconds s"
  # cov: edges reached when the corpus is loaded (INITED) and at the end (DONE); equal numbers mean a plateau
  "$out/fuzz_$target" "$out/new_$target" "tests/fuzz/corpus/$target" -max_total_time="$seconds" -max_len=8192 \
    -print_final_stats=1 2>&1 |
    grep -E "^(#[0-9]+[[:space:]]+(INITED|DONE)|stat::number_of_executed_units|stat::new_units_added|==[0-9]+==ERROR|SUMMARY)" || true
  # keep a minimal corpus that covers everything found
  before=$(ls "tests/fuzz/corpus/$target" | wc -l)
  "$out/fuzz_$target" -merge=1 "tests/fuzz/corpus/$target" "$out/new_$target" >/dev/null 2>&1 || true
  echo "corpus/$target: $before files, $(ls "tests/fuzz/corpus/$target" | wc -l) after the merge"
  rm -rf "$out/new_$target"
done

#!/usr/bin/env bash
# Mutation testing by hand: applies small known bugs to a copy of the source, one at a time, rebuilds the tests and
# runs the relevant ones. Every mutation must make a test fail; the survivors are printed. A tool for developers,
# not part of CI (it takes several minutes). Never touches the working tree: it copies the committed tree (HEAD).
#
#   bash tests/mutate.sh            # all mutations
#   bash tests/mutate.sh 3 7        # only mutations 3 and 7
#
# Each mutation is: file | sed expression | Catch test filter. The sed expression must change the file (a mutation
# that no longer applies, because the code moved on, is reported as such and counts as a failure of this script).
set -uo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="${NNLAB_MUTATE_DIR:-$(mktemp -d /tmp/nnlab_mutate.XXXXXX)}"
core='[activations],[losses],[network],[linear_fit],[regularization],[training],[gradcheck],[explain],[shuffle],[early_stopping],[schedule],[l1],[threads],[resume]'

mutations=(
  "src/optimizer.cpp|s/w\[i\] -= learning_rate \* g\[i\];/w[i] += learning_rate * g[i];/|$core"
  "src/optimizer.cpp|s/v\[i\] = momentum \* v\[i\] + g\[i\];/v[i] = momentum * v[i] + (1 - momentum) * g[i];/|$core"
  "src/optimizer.cpp|s/w\[i\] -= learning_rate \* (g\[i\] + momentum \* v\[i\]);/w[i] -= learning_rate * v[i];/|$core"
  "src/regularization.cpp|s/two_l2 = T(2 \* l2_scale_)/two_l2 = T(l2_scale_)/|$core"
  "src/regularization.cpp|s/return T((w > 0) - (w < 0));/return T((w >= 0) - (w < 0));/|$core"
  "src/regularization.cpp|s/: w - threshold \* sign(w);/: w - T(0.5) * threshold * sign(w);/|$core"
  "src/activations.cpp|s/T df(T z, T) const { return z > 0 ? T(1) : T(0); }/T df(T z, T) const { return z >= 0 ? T(1) : T(0); }/|$core"
  "src/activations.cpp|s/T df(T, T a) const { return a \* (T(1) - a); }/T df(T, T a) const { return a * (T(1) + a); }/|$core"
  "include/nnlab/activations.hpp|s/const T largest = \*std::max_element(z, z + n);/const T largest = *std::min_element(z, z + n);/|$core"
  "src/losses.cpp|s/const double largest = \*std::max_element(z, z + logits.cols());/const double largest = *std::min_element(z, z + logits.cols());/|$core"
  "src/losses.cpp|s/const T scale = T(2) \/ T(output.size());/const T scale = T(1) \/ T(output.size());/|$core"
  "src/losses.cpp|s/d_logits\[i\] = (sigma - target\[i\]) \* inverse_count;/d_logits[i] = (target[i] - sigma) * inverse_count;/|$core"
  "src/dense.cpp|/bias.grad.fill(T(0));/d|$core"
  "src/network.cpp|s/const Tensor<T>& input = i > 0 ? layers_\[i - 1\].A() : X;/const Tensor<T>\& input = i > 0 ? layers_[i - 1].Z() : X;/|$core"
  "src/trainer.cpp|s/std::min(batch_size(), train.size() - first)/std::min(batch_size(), train.size() - first - 1)/|$core"
  "src/trainer.cpp|s/Rng(config_.seed, RandomStream::shuffle, epoch)/Rng(config_.seed, RandomStream::shuffle, 1)/|$core"
  "src/trainer.cpp|s/best.best_loss - config_.early_stopping.min_delta/best.best_loss + config_.early_stopping.min_delta/|$core"
  "src/step.cpp|/parts.regularizer.add_gradient(parts.parameters);/d|$core"
  "src/gradcheck.cpp|s/return (plus - minus) \/ (2 \* step);/return (plus - minus) \/ step;/|$core"
  "src/schedule.cpp|s/std::pow(schedule.gamma, double((epoch - 1) \/ schedule.step_every))/std::pow(schedule.gamma, double(epoch \/ schedule.step_every))/|$core"
  "src/trainer.cpp|s/  if (running_values.size() == running.size())/  if (false)/|$core,[batch_norm]"
)

echo "copying $repo (HEAD) to $work"
mkdir -p "$work/tree"
git -C "$repo" archive HEAD | tar -x -C "$work/tree"
export CCACHE_BASEDIR="$work"
launcher=""
command -v ccache >/dev/null && launcher="-DCMAKE_CXX_COMPILER_LAUNCHER=ccache"
cmake -S "$work/tree" -B "$work/build" -DCMAKE_BUILD_TYPE=Release $launcher >/dev/null || exit 2
build() { cmake --build "$work/build" --target nnlab_tests -j2 >"$work/build.log" 2>&1; }
echo "building the unmutated tree"
build || { echo "the unmutated tree does not build (see $work/build.log)"; exit 2; }
"$work/build/tests/nnlab_tests" "$core" >/dev/null 2>&1 || { echo "the unmutated tree fails its tests"; exit 2; }

selected=("$@")
survivors=() ; broken=() ; caught=0 ; tried=0
for i in "${!mutations[@]}"; do
  n=$((i + 1))
  if [ ${#selected[@]} -gt 0 ] && [[ ! " ${selected[*]} " =~ " $n " ]]; then continue; fi
  IFS='|' read -r file expression filter <<<"${mutations[$i]}"
  target="$work/tree/$file"
  cp "$target" "$work/original"
  sed -i "$expression" "$target"
  tried=$((tried + 1))
  if cmp -s "$target" "$work/original"; then
    echo "#$n $file: $expression DID NOT APPLY"
    broken+=("#$n $file: $expression")
    continue
  fi
  if ! build; then
    echo "#$n $file: caught (does not compile)"
    caught=$((caught + 1))
  elif "$work/build/tests/nnlab_tests" "$filter" >"$work/test.log" 2>&1; then
    echo "#$n $file: $expression SURVIVED"
    survivors+=("#$n $file: $expression")
  else
    echo "#$n $file: caught ($(grep -m1 -o 'test cases:.*' "$work/test.log"))"
    caught=$((caught + 1))
  fi
  cp "$work/original" "$target"
done
build >/dev/null

echo
echo "$caught of $tried mutations caught; ${#survivors[@]} survived; ${#broken[@]} did not apply"
for s in "${survivors[@]}" "${broken[@]}"; do echo "  $s"; done
[ -z "${NNLAB_MUTATE_DIR:-}" ] && rm -rf "$work"
[ ${#survivors[@]} -eq 0 ] && [ ${#broken[@]} -eq 0 ]

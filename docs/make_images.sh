#!/usr/bin/env bash
# Runs every command of docs/tutorial.md that draws a picture, writing the pictures into docs/images/ and an HTML
# report per experiment into docs/reports/ (the README's picture of a report needs chromium).
# Run from the repository's folder after building: bash docs/make_images.sh
set -euo pipefail
cd "$(dirname "$0")/.."
nnlab=build/nnlab
mkdir -p docs/reports
# The models and metrics files in between are written where the tutorial's commands write them (the repository's
# folder, under the tutorial's names), so that a report's command line reads as the tutorial's, with no temporary
# path; they are removed at the end. A file of yours with one of those names stops the script before it writes.
scratch=(l1_proximal.json l2.json l1_subgradient.json sigmoid.csv relu.csv relu.json leaky_relu.json spiral.json
  gain_0.5.csv gain_1.csv)
for file in "${scratch[@]}"; do
  if [ -e "$file" ]; then echo "docs/make_images.sh: $file exists here; move it away first (this script writes it)" >&2; exit 1; fi
done
tmp=$(mktemp -d)  # chromium's profile
trap 'rm -rf "$tmp" "${scratch[@]}"' EXIT

# 1. A sigmoid cannot fit y = 2x; a linear neuron can
$nnlab compare configs/linear_fit.json --activations sigmoid,linear --plot docs/images/linear_fit.svg \
  --report docs/reports/linear_fit.html

# 2. L1 makes weights exactly zero, L2 only shrinks them
$nnlab train configs/sparse_l1.json --quiet --save l1_proximal.json --report docs/reports/sparse_l1.html
$nnlab train configs/sparse_l2.json --quiet --save l2.json
$nnlab train configs/sparse_l2.json --l2 0 --l1 0.05 --quiet --save l1_subgradient.json
$nnlab plot weights l2.json l1_subgradient.json l1_proximal.json -o docs/images/l1_l2_weights.svg

# 3. Sigmoid gradients vanish in a deep network; ReLU's do not
$nnlab train configs/deep_sigmoid.json --quiet --metrics sigmoid.csv --report docs/reports/deep_sigmoid.html
$nnlab train configs/deep_sigmoid.json --activation relu --quiet --metrics relu.csv
$nnlab plot gradients sigmoid.csv relu.csv -o docs/images/vanishing_gradients.svg

# 4. ReLU units die; Leaky ReLU, PReLU and ELU revive them
$nnlab compare configs/dying_relu.json --activations relu,leaky_relu,prelu,elu --plot docs/images/dying_relu.svg \
  --report docs/reports/dying_relu.html
$nnlab train configs/dying_relu.json --quiet --save relu.json
$nnlab train configs/dying_relu.json --activation leaky_relu --quiet --save leaky_relu.json
$nnlab plot boundary configs/dying_relu.json --model relu.json -o docs/images/dying_relu_boundary.svg
$nnlab plot boundary configs/dying_relu.json --model leaky_relu.json -o docs/images/leaky_relu_boundary.svg

# 5. The activations, and a decision boundary
$nnlab plot activations -o docs/images/activations.svg
$nnlab train configs/spiral.json --quiet --save spiral.json --plot docs/images/spiral_loss.svg \
  --diagnostics --report docs/reports/spiral.html
$nnlab plot boundary configs/spiral.json --model spiral.json -o docs/images/spiral_boundary.svg

# The README's picture of a report: the top of spiral's page, as headless chromium draws it
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --user-data-dir="$tmp/chromium" --hide-scrollbars --window-size=1280,1900 \
  --screenshot="$PWD/docs/images/report.png" "file://$PWD/docs/reports/spiral.html" 2>/dev/null

# 8. A deep linear stack is one linear map
$nnlab compare configs/deep_linear.json --activations linear,tanh --plot docs/images/deep_linear.svg

# 9. L1 and L2 against overfitting
$nnlab train configs/overfitting.json --quiet --plot docs/images/overfitting.svg
$nnlab train configs/overfitting.json --l2 0.01 --quiet --plot docs/images/overfitting_l2.svg

# 11. Units die from a high learning rate
$nnlab compare configs/circle.json --values optimizer.learning_rate=0.05,1 --seeds 5 --plot docs/images/dying_by_rate.svg

# 12. Batch normalization trains a deep ReLU stack
$nnlab train configs/deep_relu.json --quiet --plot docs/images/deep_relu.svg
$nnlab train configs/deep_relu_bn.json --quiet --plot docs/images/deep_relu_bn.svg

# 13. Exploding and vanishing by initialization alone
$nnlab train configs/deep_relu.json --init-gain 0.5 --diagnostics --epochs 1 --quiet --metrics gain_0.5.csv
$nnlab train configs/deep_relu.json --init-gain 1 --diagnostics --epochs 1 --quiet --metrics gain_1.csv
$nnlab plot gradients gain_0.5.csv gain_1.csv -o docs/images/init_gain.svg

# 14. tanh against sigmoid, across seeds
$nnlab compare configs/xor.json --activations tanh,sigmoid --seeds 5 --target 0.1 --plot docs/images/tanh_sigmoid.svg

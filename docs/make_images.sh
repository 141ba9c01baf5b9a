#!/usr/bin/env bash
# Runs every command of docs/tutorial.md that draws a picture, writing the pictures into docs/images/ and an HTML
# report per experiment into docs/reports/ (the README's picture of a report needs chromium).
# Run from the repository's folder after building: bash docs/make_images.sh
set -euo pipefail
cd "$(dirname "$0")/.."
nnlab=build/nnlab
mkdir -p docs/reports
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# 1. A sigmoid cannot fit y = 2x; a linear neuron can
$nnlab compare configs/linear_fit.json --activations sigmoid,linear --plot docs/images/linear_fit.svg \
  --report docs/reports/linear_fit.html

# 2. L1 makes weights exactly zero, L2 only shrinks them
$nnlab train configs/sparse_l1.json --quiet --save "$tmp/l1_proximal.json" --report docs/reports/sparse_l1.html
$nnlab train configs/sparse_l2.json --quiet --save "$tmp/l2.json"
$nnlab train configs/sparse_l2.json --l2 0 --l1 0.05 --quiet --save "$tmp/l1_subgradient.json"
$nnlab plot weights "$tmp/l2.json" "$tmp/l1_subgradient.json" "$tmp/l1_proximal.json" -o docs/images/l1_l2_weights.svg

# 3. Sigmoid gradients vanish in a deep network; ReLU's do not
$nnlab train configs/deep_sigmoid.json --quiet --metrics "$tmp/sigmoid.csv" --report docs/reports/deep_sigmoid.html
$nnlab train configs/deep_sigmoid.json --activation relu --quiet --metrics "$tmp/relu.csv"
$nnlab plot gradients "$tmp/sigmoid.csv" "$tmp/relu.csv" -o docs/images/vanishing_gradients.svg

# 4. ReLU units die; Leaky ReLU, PReLU and ELU revive them
$nnlab compare configs/dying_relu.json --activations relu,leaky_relu,prelu,elu --plot docs/images/dying_relu.svg \
  --report docs/reports/dying_relu.html
$nnlab train configs/dying_relu.json --quiet --save "$tmp/relu.json"
$nnlab train configs/dying_relu.json --activation leaky_relu --quiet --save "$tmp/leaky_relu.json"
$nnlab plot boundary configs/dying_relu.json --model "$tmp/relu.json" -o docs/images/dying_relu_boundary.svg
$nnlab plot boundary configs/dying_relu.json --model "$tmp/leaky_relu.json" -o docs/images/leaky_relu_boundary.svg

# 5. The activations, and a decision boundary
$nnlab plot activations -o docs/images/activations.svg
$nnlab train configs/spiral.json --quiet --save "$tmp/spiral.json" --plot docs/images/spiral_loss.svg \
  --diagnostics --report docs/reports/spiral.html
$nnlab plot boundary configs/spiral.json --model "$tmp/spiral.json" -o docs/images/spiral_boundary.svg

# The README's picture of a report: the top of spiral's page, as headless chromium draws it
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --user-data-dir="$tmp/chromium" --hide-scrollbars --window-size=1280,1900 \
  --screenshot="$PWD/docs/images/report.png" "file://$PWD/docs/reports/spiral.html" 2>/dev/null

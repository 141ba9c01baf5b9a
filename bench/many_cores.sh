#!/usr/bin/env bash
# nnlab on a machine with many cores (issue 18), where nothing can be installed: build a static binary here, carry it
# there with the Fashion-MNIST files, run one script, bring back its table for docs/performance.md.
#
#   bash bench/many_cores.sh pack [x86-64-v4]   here: builds build-static/ (-static, -march as given; x86-64-v4 for a
#                                               CPU with AVX-512, x86-64-v3 otherwise) and fills many-cores/ with the
#                                               binary, the data files, torch_fashion.py and this script
#   bash many_cores.sh run                      there, inside the copied many-cores/ folder: prints the CPU, then
#                                               samples/s of the second epoch for nnlab and PyTorch (if python3 has
#                                               torch) at 1/2/4/8/16 threads, batch 64 and 256, and the same with 4
#                                               and 16 CPU-bound processes beside them (nnlab default vs --threads 1)
#
# Every run is bounded (LIMIT seconds); a run that is cut off prints "cut". It takes about 10-15 minutes.
# THREADS="1 2" BUSY="2" bash many_cores.sh run   is a short smoke test of the script on a small machine.
set -euo pipefail
LIMIT=${LIMIT:-120}
THREADS=${THREADS:-1 2 4 8 16}
BUSY=${BUSY:-4 16}
DATA=${DATA:-/usr/share/datasets/fashion-mnist}

pack() {
  local march=${1:-x86-64-v4}
  local root
  root=$(cd "$(dirname "$0")/.." && pwd)
  cmake -S "$root" -B "$root/build-static" -DCMAKE_BUILD_TYPE=Release -DNNLAB_STATIC=ON -DNNLAB_MARCH="$march" \
    -DNNLAB_BUILD_TESTS=OFF >/dev/null
  cmake --build "$root/build-static" -j"$(nproc)" --target nnlab >/dev/null
  mkdir -p "$root/many-cores/data"
  cp "$root/build-static/nnlab" "$root/bench/torch_fashion.py" "$root/bench/many_cores.sh" "$root/many-cores/"
  cp "$DATA"/train-images-idx3-ubyte.gz "$DATA"/train-labels-idx1-ubyte.gz "$root/many-cores/data/"
  file "$root/many-cores/nnlab" | grep -q "statically linked" || { echo "error: the binary is not static"; exit 1; }
  echo "many-cores/ is ready ($(du -sh "$root/many-cores" | cut -f1)): copy it over and run 'bash many_cores.sh run'"
}

# samples/s of the second epoch of nnlab: threads (0 = default), batch
nnlab_rate() {
  local threads=$1 batch=$2 args=()
  [ "$threads" = 0 ] || args=(--threads "$threads")
  rm -f metrics.csv
  if timeout "$LIMIT" ./nnlab train config.json --epochs 2 --batch-size "$batch" --quiet --metrics metrics.csv \
       "${args[@]}" >/dev/null 2>&1; then
    tail -1 metrics.csv | awk -F, '{printf "%.0f", $10}'
  else
    printf cut
  fi
}

torch_rate() {
  local threads=$1 batch=$2
  if [ "$HAVE_TORCH" = 0 ]; then printf -- -; return; fi
  timeout "$LIMIT" python3 torch_fashion.py --data data --threads "$threads" --batch "$batch" --epochs 2 --time \
    2>/dev/null | sed -n 's/samples_per_second=\([0-9]*\).*/\1/p' | grep . || printf cut
}

hogs=()
start_hogs() {
  for _ in $(seq "$1"); do timeout 1200 sh -c 'while :; do :; done' & hogs+=($!); done
  sleep 1
}
stop_hogs() {
  for pid in "${hogs[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  hogs=()
}
trap stop_hogs EXIT

run() {
  cat > config.json <<'EOF'
{"data": {"train": {"images": "data/train-images-idx3-ubyte.gz", "labels": "data/train-labels-idx1-ubyte.gz"}},
 "model": {"layers": [{"units": 256, "activation": "relu"}, {"units": 128, "activation": "relu"},
                      {"units": 10, "activation": "softmax"}], "init": "he"},
 "loss": "cross_entropy", "optimizer": {"learning_rate": 0.01, "momentum": 0.9, "batch_size": 64},
 "training": {"epochs": 2, "seed": 1}}
EOF
  HAVE_TORCH=0
  python3 -c "import torch" 2>/dev/null && HAVE_TORCH=1
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
  [ "$HAVE_TORCH" = 1 ] && echo "torch $(python3 -c 'import torch; print(torch.__version__, torch.__config__.parallel_info().splitlines()[0])')"
  echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  echo "Fashion-MNIST 784-256-128-10, second epoch, samples/s (nnlab | PyTorch)"
  printf '%-8s' threads; for b in 64 256; do printf '%24s' "batch $b"; done; echo
  for t in $THREADS; do
    printf '%-8s' "$t"
    for b in 64 256; do printf '%12s | %-10s' "$(nnlab_rate "$t" "$b")" "$(torch_rate "$t" "$b")"; done
    echo
  done
  echo
  echo "beside CPU-bound processes: nnlab default threads | nnlab --threads 1 | PyTorch default, samples/s"
  for n in $BUSY; do
    start_hogs "$n"
    for b in 64 256; do
      printf '%2s busy, batch %-4s %10s | %10s | %10s   load %s\n' "$n" "$b" "$(nnlab_rate 0 "$b")" \
        "$(nnlab_rate 1 "$b")" "$(torch_rate 0 "$b")" "$(cut -d' ' -f1 /proc/loadavg)"
    done
    stop_hogs
  done
}

case "${1:-}" in
  pack) pack "${2:-}" ;;
  run) run ;;
  *) echo "usage: bash bench/many_cores.sh pack [march] | run"; exit 1 ;;
esac

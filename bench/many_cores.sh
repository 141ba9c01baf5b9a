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
# THREADS="1 2" BUSY="2" bash many_cores.sh run   is a short smoke test of the script on a small machine (the 2-core
# project machine runs it in about two minutes). The last line says whether nnlab's final loss was the same, to the
# last digit, at every thread count (it must be).
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

# A column of the last row of metrics.csv, by its name in the header.
metric() {
  awk -F, -v name="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i } END { print $c }' metrics.csv
}

# samples/s of the second epoch of nnlab: threads (0 = default), batch. Each batch-64 run's final loss is kept in
# losses.txt for the bit-identity line at the end.
nnlab_rate() {
  local threads=$1 batch=$2 args=()
  [ "$threads" = 0 ] || args=(--threads "$threads")
  rm -f metrics.csv
  if timeout "$LIMIT" ./nnlab train config.json --epochs 2 --batch-size "$batch" --quiet --metrics metrics.csv \
       "${args[@]}" >/dev/null 2>&1; then
    printf '%.0f' "$(metric samples_per_second)"
    [ "$batch" != 64 ] || echo "$threads $(metric loss)" >> losses.txt
  else
    printf cut
  fi
}

# PyTorch's samples/s of the second epoch at a thread budget: the best of its own pool (torch.set_num_threads, which
# also sets MKL's and OpenMP's) and, for a build on OpenBLAS (Debian's), OpenBLAS's pool with set_num_threads(1).
# threads 0: PyTorch's defaults.
torch_rate() {
  local threads=$1 batch=$2 best=cut rate config configs
  if [ "$HAVE_TORCH" = 0 ]; then printf -- -; return; fi
  configs=("$threads:$threads")                  # set_num_threads : OPENBLAS_NUM_THREADS ("0:" = both defaults)
  [ "$threads" = 0 ] && configs=("0:")
  [ "$threads" -gt 1 ] && [ "$TORCH_BLAS" = openblas ] && configs+=("1:$threads")
  for config in "${configs[@]}"; do
    local blas=${config#*:} settings=()
    [ -n "$blas" ] && settings=("OPENBLAS_NUM_THREADS=$blas")
    rate=$(env "${settings[@]}" timeout "$LIMIT" "$PYTHON" torch_fashion.py --data data \
             --threads "${config%:*}" --batch "$batch" --epochs 2 --time 2>/dev/null |
           sed -n 's/samples_per_second=\([0-9]*\).*/\1/p')
    if [ -n "$rate" ] && { [ "$best" = cut ] || [ "$rate" -gt "$best" ]; }; then best=$rate; fi
  done
  printf '%s' "$best"
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
  HAVE_TORCH=0 TORCH_BLAS=-
  rm -f losses.txt
  # The first Python that has torch (a pyenv or venv python3 first on PATH may not; Debian's python3-torch is in
  # /usr/bin/python3's); PYTHON=... names another.
  for candidate in ${PYTHON:-} python3 /usr/bin/python3; do
    if "$candidate" -c "import torch" 2>/dev/null; then PYTHON=$candidate HAVE_TORCH=1; break; fi
  done
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $(date -u)"
  if [ "$HAVE_TORCH" = 1 ]; then
    TORCH_BLAS=mkl
    case "$("$PYTHON" -c 'import torch; print(torch.__config__.parallel_info())' 2>/dev/null)" in
      *"MKL not found"*) TORCH_BLAS=openblas ;;  # Debian's torch: BLAS_INFO=generic, OpenBLAS through the alternatives
    esac
    echo "torch $("$PYTHON" -c 'import torch; print(torch.__version__)') from $PYTHON, BLAS: $TORCH_BLAS (the best of" \
      "set_num_threads(n)$([ "$TORCH_BLAS" = openblas ] && echo " and set_num_threads(1) with OPENBLAS_NUM_THREADS=n") counts)"
  fi
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
  echo
  if [ "$(awk '{print $2}' losses.txt | sort -u | wc -l)" = 1 ]; then
    echo "bit-identical: batch 64's final loss $(awk 'NR == 1 {print $2}' losses.txt) at every thread count"
  else
    echo "NOT bit-identical across thread counts (threads, final loss):"; cat losses.txt
  fi
  echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
}

case "${1:-}" in
  pack) pack "${2:-}" ;;
  run) run ;;
  *) echo "usage: bash bench/many_cores.sh pack [march] | run"; exit 1 ;;
esac

#!/usr/bin/env python3
"""Runs nnlab and PyTorch on the same workloads in one go and prints samples/s and their ratio, the GEMM kernel
against OpenBLAS, and the peak memory of a Fashion-MNIST training run. The numbers go into docs/performance.md.

    /usr/bin/python3 bench/run_benchmarks.py            (from the repository's folder; builds build-bench/)

Installs what it needs from Debian's packages when missing: libbenchmark-dev, libopenblas-dev, python3-torch,
dataset-fashion-mnist.
"""
import os
import re
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build-bench")
PYTHON = "/usr/bin/python3"
PACKAGES = ["libbenchmark-dev", "libopenblas-dev", "python3-torch", "dataset-fashion-mnist"]
SECONDS = "2"
REPEATS = 3  # each side runs this many times, alternating, and the median counts: this VM's timings wander


def sh(*args, env=None):
    return subprocess.run(args, check=True, capture_output=True, text=True, env=env, cwd=ROOT).stdout


def install_missing():
    missing = [p for p in PACKAGES
               if subprocess.run(["dpkg-query", "-W", "-f=${Status}", p], capture_output=True,
                                 text=True).stdout != "install ok installed"]
    if missing:
        print("installing " + " ".join(missing), file=sys.stderr)
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=True,
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})


def build():
    sh("cmake", "-S", ROOT, "-B", BUILD, "-DCMAKE_BUILD_TYPE=Release", "-DNNLAB_BUILD_BENCH=ON",
       "-DNNLAB_BUILD_TESTS=OFF")
    sh("cmake", "--build", BUILD, "-j", str(os.cpu_count()))


def rate(output):
    return float(re.search(r"samples_per_second=([0-9.]+)", output).group(1))


def nnlab_rate(network, batch, threads):
    return rate(sh(os.path.join(BUILD, "bench", "train_throughput"), "--network", network, "--batch", str(batch),
                   "--threads", str(threads), "--seconds", SECONDS))


def torch_rate(network, batch, threads):
    return rate(sh(PYTHON, os.path.join(ROOT, "bench", "torch_train.py"), "--network", network, "--batch",
                   str(batch), "--threads", str(threads), "--seconds", SECONDS))


def peak_memory_mb(args):
    """Runs a command and returns its peak resident memory in MB (the kernel's ru_maxrss of that child)."""
    process = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        raise SystemExit(f"error: {' '.join(args)} failed")
    return usage.ru_maxrss / 1024


def main():
    install_missing()
    build()
    cpu = sh("sh", "-c", "grep -m1 'model name' /proc/cpuinfo").split(":")[1].strip()
    torch_version = sh(PYTHON, "-c", "import torch; print(torch.__version__)").strip()
    compiler = sh("sh", "-c", "g++ --version | head -1").strip()
    print(f"machine: {os.cpu_count()} cores, {cpu}; torch {torch_version}; {compiler}\n")

    print(f"training throughput (samples/s, random data, SGD momentum 0.9, cross-entropy; median of {REPEATS})")
    print(f"{'workload':36} {'nnlab':>12} {'PyTorch':>12} {'ratio':>8}")
    results = {}
    for network, batch, threads in [("fashion", 64, 1), ("fashion", 64, 2), ("fashion", 256, 1),
                                    ("fashion", 256, 2), ("spiral", 10, 1)]:
        runs = [(nnlab_rate(network, batch, threads), torch_rate(network, batch, threads)) for _ in range(REPEATS)]
        ours = statistics.median(r[0] for r in runs)
        theirs = statistics.median(r[1] for r in runs)
        results[(network, batch, threads)] = (ours, theirs)
        name = f"{network} batch {batch}, {threads} thread{'s' if threads > 1 else ''}"
        print(f"{name:36} {ours:12.0f} {theirs:12.0f} {ours / theirs:7.2f}x")

    best_torch_64 = max(results[("fashion", 64, 1)][1], results[("fashion", 64, 2)][1])
    print("\ntargets")
    checks = [
        ("fashion batch 64, 1 thread >= 1.0x PyTorch 1 thread",
         results[("fashion", 64, 1)][0] / results[("fashion", 64, 1)][1], 1.0),
        ("fashion batch 64, 2 threads >= 1.3x PyTorch's best",
         results[("fashion", 64, 2)][0] / best_torch_64, 1.3),
        ("spiral batch 10 >= 50x PyTorch steps/s", results[("spiral", 10, 1)][0] / results[("spiral", 10, 1)][1], 50),
    ]

    gemm = sh(os.path.join(BUILD, "bench", "gemm_benchmark"), "--benchmark_min_time=0.5",
              env={**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"})
    flops = {m.group(1): float(m.group(2)) for m in re.finditer(r"^(\S+)[ \t].*GFLOP/s=([0-9.]+)", gemm, re.M)}
    print("\nGEMM, 1 thread (GFLOP/s)")
    for name, value in flops.items():
        print(f"  {name:45} {value:8.1f}")
    checks.append(("SGEMM 512x512x512 >= 70% of OpenBLAS",
                   flops["nnlab_gemm<float>/512/512/512/0"] / flops["openblas_gemm<float>/512/512/512/0"], 0.7))

    nnlab_mb = peak_memory_mb([os.path.join(BUILD, "nnlab"), "train", "configs/fashion_mnist.json", "--epochs", "1",
                               "--threads", "1", "--quiet"])
    torch_mb = peak_memory_mb([PYTHON, os.path.join(ROOT, "bench", "torch_fashion.py")])
    print(f"\npeak memory of one Fashion-MNIST training epoch: nnlab {nnlab_mb:.0f} MB, PyTorch {torch_mb:.0f} MB")
    checks.append(("peak memory <= 0.5x PyTorch's", nnlab_mb / torch_mb, None))

    failed = False
    for name, value, target in checks:
        if target is None:  # at most: lower is better
            ok = value <= 0.5
            print(f"  {'ok  ' if ok else 'MISS'} {name}: {value:.2f}x")
        else:
            ok = value >= target
            print(f"  {'ok  ' if ok else 'MISS'} {name}: {value:.2f}x")
        failed |= not ok
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Runs nnlab and PyTorch on the same workloads in one go and prints samples/s and their ratio (PyTorch in its best
thread configuration, named), the busy-machine scenario (one Fashion-MNIST epoch beside 0, 1 and 2 CPU-bound
background processes), the CPU time of small networks, the GEMM kernel against OpenBLAS, and peak memory. The
numbers go into docs/performance.md.

    /usr/bin/python3 bench/run_benchmarks.py            (from the repository's folder; builds build-bench/)
    /usr/bin/python3 bench/run_benchmarks.py --quick    (one repeat instead of three: a smoke test of the script)

Every comparison alternates its sides and repeats them (the median counts), because this project's machines are
shared and their timings wander; the load average is printed at the start and the end. It takes about five minutes.
Installs what it needs from Debian's packages when missing: libbenchmark-dev, libopenblas-dev, python3-torch,
dataset-fashion-mnist.
"""
import ctypes
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build-bench")
NNLAB = os.path.join(BUILD, "nnlab")
PYTHON = "/usr/bin/python3"
PACKAGES = ["libbenchmark-dev", "libopenblas-dev", "python3-torch", "dataset-fashion-mnist"]
SECONDS = "1"
REPEATS = 1 if "--quick" in sys.argv else 3
EPOCH_LIMIT = 30  # seconds: a Fashion-MNIST epoch that takes longer is reported as "> 30 s" (collapsed)
CORES = len(os.sched_getaffinity(0))


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
    sh("cmake", "--build", BUILD, "-j", str(CORES))


def load():
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def cpu_name():
    fields = {}
    with open("/proc/cpuinfo") as f:
        for line in f:
            if ":" in line:
                key, value = (s.strip() for s in line.split(":", 1))
                fields.setdefault(key, value)
            if not line.strip() and fields:
                break
    avx512 = "avx512f" in fields.get("flags", "").split()
    return (f"{fields.get('model name', '?')} ({fields.get('vendor_id', '?')} family {fields.get('cpu family', '?')} "
            f"model {fields.get('model', '?')}{', AVX-512' if avx512 else ''})")


def openblas_kernel():
    try:
        blas = ctypes.CDLL("libopenblas.so.0")
        blas.openblas_get_corename.restype = ctypes.c_char_p
        blas.openblas_get_config.restype = ctypes.c_char_p
        return f"{blas.openblas_get_corename().decode()} ({blas.openblas_get_config().decode().strip()})"
    except (OSError, AttributeError):
        return "unknown"


def rate(output):
    return float(re.search(r"samples_per_second=([0-9.]+)", output).group(1))


# ---------------------------------------------------------------- training throughput

def nnlab_rate(network, batch, threads):
    """threads = 0: nnlab's default."""
    return rate(sh(os.path.join(BUILD, "bench", "train_throughput"), "--network", network, "--batch", str(batch),
                   "--threads", str(threads), "--seconds", SECONDS))


def torch_configs(threads):
    """PyTorch's thread settings worth trying for a thread budget: its own pool (torch.set_num_threads, which also
    sets OpenMP's) and the BLAS library's pool (OPENBLAS_NUM_THREADS), alone or together."""
    if threads == 1:
        return [(1, 1)]
    return [(threads, 1), (1, threads), (threads, threads)]


def config_name(config):
    return f"set_num_threads({config[0]}), OPENBLAS_NUM_THREADS={config[1]}"


def torch_rate(network, batch, config):
    env = {**os.environ, "OPENBLAS_NUM_THREADS": str(config[1]), "OMP_NUM_THREADS": str(config[0])}
    return rate(sh(PYTHON, os.path.join(ROOT, "bench", "torch_train.py"), "--network", network, "--batch",
                   str(batch), "--threads", str(config[0]), "--seconds", SECONDS, env=env))


def throughput():
    print(f"training throughput (samples/s, random data, SGD momentum 0.9, cross-entropy; median of {REPEATS}, "
          "alternating)")
    print(f"{'workload':34} {'nnlab':>10} {'PyTorch best':>13} {'ratio':>7}  PyTorch's best configuration")
    results = {}
    workloads = [("fashion", 64, 1), ("fashion", 64, 2), ("fashion", 256, 1), ("fashion", 256, 2),
                 ("spiral", 10, 1)]
    for network, batch, threads in workloads:
        configs = torch_configs(max(threads, 1) if threads else CORES)
        ours, theirs = [], {c: [] for c in configs}
        for _ in range(REPEATS):
            ours.append(nnlab_rate(network, batch, threads))
            for c in configs:
                theirs[c].append(torch_rate(network, batch, c))
        medians = {c: statistics.median(v) for c, v in theirs.items()}
        best = max(medians, key=medians.get)
        mine = statistics.median(ours)
        results[(network, batch, threads)] = (mine, medians[best])
        name = f"{network} batch {batch}, " + (f"{threads} thread{'s' if threads > 1 else ''}" if threads
                                                else "default threads")
        print(f"{name:34} {mine:10.0f} {medians[best]:13.0f} {mine / medians[best]:6.2f}x  {config_name(best)}"
              + ("" if len(configs) == 1 else "  (others: " + ", ".join(
                  f"{medians[c]:.0f}" for c in configs if c != best) + ")"))
    return results


# ---------------------------------------------------------------- busy machine

def start_hogs(count):
    """CPU-bound background processes (a compile, a browser, another experiment), each killed after at most
    ten minutes even if this script dies."""
    return [subprocess.Popen(["timeout", "600", PYTHON, "-c", "while True: pass"]) for _ in range(count)]


def stop_hogs(hogs):
    for hog in hogs:
        hog.kill()
        hog.wait()


def finishes(args):
    """Runs a command; False if it was cut off after EPOCH_LIMIT seconds."""
    process = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        process.wait(timeout=EPOCH_LIMIT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return False
    if process.returncode != 0:
        raise SystemExit(f"error: {' '.join(args)} failed")
    return True


def epoch_seconds(threads):
    """Seconds of one Fashion-MNIST training epoch (the metrics file's, without loading and evaluation), or None."""
    with tempfile.TemporaryDirectory() as folder:
        metrics = os.path.join(folder, "metrics.csv")
        args = [NNLAB, "train", "configs/fashion_mnist.json", "--epochs", "1", "--quiet", "--metrics", metrics]
        if threads:
            args += ["--threads", str(threads)]
        if not finishes(args):
            return None
        with open(metrics) as f:
            rows = f.read().split("\n")
        header, row = rows[0].split(","), rows[1].split(",")
        return float(row[header.index("seconds")])


def torch_epoch_seconds():
    output = subprocess.run(["timeout", str(EPOCH_LIMIT), PYTHON, os.path.join(ROOT, "bench", "torch_fashion.py"),
                             "--threads", "0", "--time"], capture_output=True, text=True, cwd=ROOT).stdout
    match = re.search(r"epoch_seconds=([0-9.]+)", output)
    return float(match.group(1)) if match else None


def show(seconds):
    return f"> {EPOCH_LIMIT} s" if seconds is None else f"{seconds:.2f} s"


def busy_machine():
    print(f"\nbusy machine: one Fashion-MNIST epoch (real data, batch 64), training seconds, median of {REPEATS} "
          "(PyTorch: one run), beside CPU-bound background processes")
    print(f"{'background':12} {'nnlab default':>14} {'--threads 1':>12} {'ratio':>7} {'PyTorch':>10}  load before (PyTorch: its default threads)")
    results = {}
    for hogs_wanted in (0, 1, 2):
        hogs = start_hogs(hogs_wanted)
        try:
            time.sleep(0.5)
            before = load()
            default, one = [], []
            for _ in range(REPEATS):
                default.append(epoch_seconds(0))
                one.append(epoch_seconds(1))
            theirs = [torch_epoch_seconds()]  # once: it is the slow side, and collapses beside busy processes
        finally:
            stop_hogs(hogs)
        median = lambda v: None if None in v else statistics.median(v)
        d, o, t = median(default), median(one), median(theirs)
        results[hogs_wanted] = (d, o)
        ratio = "-" if d is None or o is None else f"{d / o:.2f}x"
        print(f"{hogs_wanted} process{'es' if hogs_wanted != 1 else '':2} {show(d):>14} {show(o):>12} {ratio:>7} "
              f"{show(t):>10}  {before}")
    return results


def cpu_seconds(args):
    """User + system CPU seconds of a command (the kernel's rusage of that child)."""
    process = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        raise SystemExit(f"error: {' '.join(args)} failed")
    return usage.ru_utime + usage.ru_stime


def small_networks():
    print(f"\nsmall networks: CPU seconds of the whole run, default threads vs --threads 1 (median of {REPEATS})")
    results = {}
    for config in ("configs/spiral.json", "configs/deep_sigmoid.json"):
        default, one = [], []
        for _ in range(REPEATS):
            default.append(cpu_seconds([NNLAB, "train", config, "--quiet"]))
            one.append(cpu_seconds([NNLAB, "train", config, "--quiet", "--threads", "1"]))
        d, o = statistics.median(default), statistics.median(one)
        results[config] = d / o
        print(f"  {config:28} default {d:6.3f} s   --threads 1 {o:6.3f} s   ratio {d / o:.2f}x")
    return results


# ---------------------------------------------------------------- GEMM and memory

def gemm():
    output = sh(os.path.join(BUILD, "bench", "gemm_benchmark"), "--benchmark_min_time=0.3",
                env={**os.environ, "OPENBLAS_NUM_THREADS": "1"})
    flops = {m.group(1): float(m.group(2)) for m in re.finditer(r"^(\S+)[ \t].*GFLOP/s=([0-9.]+)", output, re.M)}
    print(f"\nGEMM, 1 thread (GFLOP/s); OpenBLAS runs its {openblas_kernel()} kernel")
    for name, value in flops.items():
        print(f"  {name:45} {value:8.1f}")
    return flops


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
    torch_version = sh(PYTHON, "-c", "import torch; print(torch.__version__)").strip()
    compiler = sh("sh", "-c", "g++ --version | head -1").strip()
    print(f"machine: {CORES} cores, {cpu_name()}; torch {torch_version}; {compiler}")
    print(f"load average at start: {load()}\n")

    rates = throughput()
    busy = busy_machine()
    small = small_networks()
    flops = gemm()
    nnlab_mb = peak_memory_mb([NNLAB, "train", "configs/fashion_mnist.json", "--epochs", "1", "--threads", "1",
                               "--quiet"])
    torch_mb = peak_memory_mb([PYTHON, os.path.join(ROOT, "bench", "torch_fashion.py")])
    print(f"\npeak memory of one Fashion-MNIST training epoch: nnlab {nnlab_mb:.0f} MB, PyTorch {torch_mb:.0f} MB")
    print(f"load average at end: {load()}")

    ratio = lambda key: rates[key][0] / rates[key][1]
    best_blas = max(flops["openblas_gemm<float>/512/512/512/0"], flops.get("naive_blocked<float>/512/512/512/0", 0))
    checks = [
        ("Fashion-MNIST batch 64, 1 thread >= 1.5x PyTorch", ratio(("fashion", 64, 1)), 1.5),
        ("Fashion-MNIST batch 64, 2 threads >= 1.5x PyTorch's best", ratio(("fashion", 64, 2)), 1.5),
        ("Fashion-MNIST batch 256, 1 thread >= 1.0x PyTorch", ratio(("fashion", 256, 1)), 1.0),
        ("spiral >= 50x PyTorch's steps/s", ratio(("spiral", 10, 1)), 50),
        ("SGEMM 512^3 >= 95% of the best of OpenBLAS and the blocked reference",
         flops["nnlab_gemm<float>/512/512/512/0"] / best_blas, 0.95),
        ("peak memory <= 0.3x PyTorch's", nnlab_mb / torch_mb, -0.3),
    ]
    if busy[0][0] and busy[0][1]:
        checks.append(("quiet: default threads >= 1.4x faster than --threads 1", busy[0][1] / busy[0][0], 1.4))
    checks.append(("two busy processes: default threads <= 1.3x the time of --threads 1",
                   (busy[2][0] or float("inf")) / (busy[2][1] or float("inf")), -1.3))
    for config, value in small.items():
        checks.append((f"{config}: default uses <= 1.15x the CPU time of --threads 1", value, -1.15))
    print("\ntargets (the busy-machine rows depend on what else the machine runs: see the load averages)")
    failed = False
    for name, value, target in checks:
        ok = value <= -target if target < 0 else value >= target
        print(f"  {'ok  ' if ok else 'MISS'} {name}: {value:.2f}")
        failed |= not ok
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Runs nnlab and PyTorch on the same workloads in one go and prints samples/s and their ratio (PyTorch in its best
thread configuration, named), the busy-machine scenario (one Fashion-MNIST epoch beside 0, 1 and 2 CPU-bound
background processes), the CPU time of small networks, the GEMM kernel against OpenBLAS, the cost of an epoch per
activation, and peak memory. The numbers go into docs/performance.md.

    /usr/bin/python3 bench/run_benchmarks.py            (from the repository's folder; builds build-bench/)
    /usr/bin/python3 bench/run_benchmarks.py --quick    (one repeat instead of three: a smoke test of the script)
    ... --only gemm,activations                         (some sections: throughput, busy, small, gemm, activations,
                                                         memory, baseline)
    ... --baseline DIR                                  (also: train_throughput of another build, e.g. of an older
                                                         commit, against this one at 1 and 2 threads, alternating)
    ... --build-only                                    (build build-bench/ and stop: do it before a quiet window)

Every comparison alternates its sides and repeats them (the median counts), because this project's machines are
shared and their timings wander; every figure's line ends with the 1-minute load average when it was taken. On a
quiet 2-core machine it takes about ten minutes. Installs what it needs from Debian's packages when missing:
libbenchmark-dev, libopenblas-dev, python3-torch, dataset-fashion-mnist.
"""
import csv
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
TORCH_BUSY_LIMIT = 15  # seconds for PyTorch's epoch beside busy processes (it collapses there; one run)
CORES = len(os.sched_getaffinity(0))
SECTIONS = ["throughput", "busy", "small", "gemm", "activations", "memory", "baseline"]


def argument(name, default=None):
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


ONLY = argument("--only", ",".join(SECTIONS)).split(",")
BASELINE = argument("--baseline")


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


def load1():
    """The 1-minute load average, printed at the end of every figure's line."""
    return f"load {os.getloadavg()[0]:.2f}"


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
                  f"{medians[c]:.0f}" for c in configs if c != best) + ")") + f"  {load1()}", flush=True)
    return results


# ---------------------------------------------------------------- busy machine

def start_hogs(count):
    """CPU-bound background processes (a compile, a browser, another experiment), each killed after at most
    ten minutes even if this script dies."""
    return [subprocess.Popen(["timeout", "600", PYTHON, "-c", "while True: pass"]) for _ in range(count)]


def stop_hogs(hogs):
    # SIGTERM, which `timeout` passes on to its child: a SIGKILL would end `timeout` alone and leave the busy loop
    # running for good (that happened once: the later rows then ran beside it).
    for hog in hogs:
        hog.terminate()
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


def epoch_seconds(threads, extra=()):
    """Seconds of one Fashion-MNIST training epoch (the metrics file's, without loading and evaluation), or None."""
    with tempfile.TemporaryDirectory() as folder:
        metrics = os.path.join(folder, "metrics.csv")
        args = [NNLAB, "train", "configs/fashion_mnist.json", "--epochs", "1", "--quiet", "--metrics", metrics,
                *extra]
        if threads:
            args += ["--threads", str(threads)]
        if not finishes(args):
            return None
        with open(metrics) as f:
            rows = f.read().split("\n")
        header, row = rows[0].split(","), rows[1].split(",")
        return float(row[header.index("seconds")])


def torch_epoch_seconds(limit):
    output = subprocess.run(["timeout", str(limit), PYTHON, os.path.join(ROOT, "bench", "torch_fashion.py"),
                             "--threads", "0", "--time"], capture_output=True, text=True, cwd=ROOT).stdout
    match = re.search(r"epoch_seconds=([0-9.]+)", output)
    return float(match.group(1)) if match else None


def show(seconds, limit=EPOCH_LIMIT):
    return f"> {limit} s" if seconds is None else f"{seconds:.2f} s"


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
            # once: it is the slow side, and collapses beside busy processes
            torch_limit = EPOCH_LIMIT if hogs_wanted == 0 else TORCH_BUSY_LIMIT
            theirs = [torch_epoch_seconds(torch_limit)]
            after = load1()
        finally:
            stop_hogs(hogs)
        median = lambda v: None if None in v else statistics.median(v)
        d, o, t = median(default), median(one), median(theirs)
        results[hogs_wanted] = (d, o)
        ratio = "-" if d is None or o is None else f"{d / o:.2f}x"
        print(f"{hogs_wanted} process{'es' if hogs_wanted != 1 else '':2} {show(d):>14} {show(o):>12} {ratio:>7} "
              f"{show(t, torch_limit):>10}  {before}  (after: {after})", flush=True)
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
        print(f"  {config:28} default {d:6.3f} s   --threads 1 {o:6.3f} s   ratio {d / o:.2f}x  {load1()}", flush=True)
    return results


# ---------------------------------------------------------------- GEMM and memory

GEMM_REPEATS = 5


def gemm():
    """GFLOP/s of every shape, nnlab and OpenBLAS, each the median of GEMM_REPEATS runs in a random interleaved order
    (Google Benchmark's --benchmark_enable_random_interleaving), so a burst of load hits both sides alike."""
    output = sh(os.path.join(BUILD, "bench", "gemm_benchmark"), "--benchmark_min_time=0.1",
                f"--benchmark_repetitions={1 if REPEATS == 1 else GEMM_REPEATS}",
                "--benchmark_enable_random_interleaving=true", "--benchmark_format=csv",
                env={**os.environ, "OPENBLAS_NUM_THREADS": "1"})
    rows = list(csv.reader(line for line in output.splitlines() if line and not line.startswith("#")))
    header, runs = rows[0], {}
    for row in rows[1:]:
        if len(row) == len(header) and not row[0].endswith(("_mean", "_median", "_stddev", "_cv")):
            runs.setdefault(row[0], []).append(float(row[header.index("GFLOP/s")]))
    flops = {name: statistics.median(values) for name, values in runs.items()}
    print(f"\nGEMM, 1 thread (GFLOP/s, median of {len(next(iter(runs.values())))}, interleaved); OpenBLAS runs its "
          f"{openblas_kernel()} kernel; shape M/N/K/transposed (0 none, 1 B, 2 A)  {load1()}")
    for name in sorted(flops, key=lambda n: (n.split("/", 1)[-1], n)):
        theirs = flops.get(name.replace("nnlab_gemm", "openblas_gemm"))
        share = f"  {100 * flops[name] / theirs:5.1f}% of OpenBLAS" if name.startswith("nnlab") and theirs else ""
        print(f"  {name:45} {flops[name]:8.1f}{share}")
    print(f"  {load1()}", flush=True)
    return flops


def activations():
    """Seconds of one training epoch of configs/fashion_mnist.json per hidden activation (issue 12's "ReLU's cost vs
    sigmoid's and GELU's"), one thread so the activation's share is not hidden by a second core; alternating,
    median of 5 (one run with --quick)."""
    names = ["relu", "sigmoid", "tanh", "gelu"]
    repeats = 1 if REPEATS == 1 else 5
    seconds = {n: [] for n in names}
    for _ in range(repeats):
        for name in names:
            seconds[name].append(epoch_seconds(1, ["--activation", name]))
    print(f"\ncost of one Fashion-MNIST training epoch (784-256-128-10, batch 64, 1 thread) by hidden activation, "
          f"median of {repeats}, alternating")
    medians = {n: statistics.median(v) for n, v in seconds.items()}
    for name in names:
        print(f"  {name:8} {medians[name]:6.3f} s  ({medians[name] / medians['relu']:.2f}x ReLU's; runs "
              + ", ".join(f"{v:.3f}" for v in seconds[name]) + f")  {load1()}", flush=True)
    return medians


def baseline():
    """train_throughput of the build in BASELINE against this one, alternating: no regression at 1 and 2 threads."""
    if not BASELINE:
        return
    other = os.path.join(BASELINE, "bench", "train_throughput")
    print(f"\nno regression: samples/s of {BASELINE} against this build, alternating, median of {REPEATS}")
    for batch in (64, 256):
        for threads in (1, 2):
            old, new = [], []
            for _ in range(REPEATS):
                old.append(rate(sh(other, "--network", "fashion", "--batch", str(batch), "--threads", str(threads),
                                   "--seconds", SECONDS)))
                new.append(nnlab_rate("fashion", batch, threads))
            o, n = statistics.median(old), statistics.median(new)
            print(f"  fashion batch {batch:3}, {threads} thread{'s' if threads > 1 else ' '}: before {o:9.0f}  "
                  f"now {n:9.0f}  ({n / o:.2f}x)  {load1()}", flush=True)


def peak_memory_mb(args):
    """Runs a command and returns its peak resident memory in MB (the kernel's ru_maxrss of that child)."""
    process = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        raise SystemExit(f"error: {' '.join(args)} failed")
    return usage.ru_maxrss / 1024


def main():
    started = time.time()
    install_missing()
    build()
    if "--build-only" in sys.argv:
        return 0
    torch_version = sh(PYTHON, "-c", "import torch; print(torch.__version__)").strip()
    compiler = sh("sh", "-c", "g++ --version | head -1").strip()
    print(f"machine: {CORES} cores, {cpu_name()}; torch {torch_version}; {compiler}")
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}; load average at start: {load()}\n", flush=True)

    run = lambda name, f: f() if name in ONLY else None
    rates = run("throughput", throughput)
    busy = run("busy", busy_machine)
    small = run("small", small_networks)
    flops = run("gemm", gemm)
    run("activations", activations)
    run("baseline", baseline)
    nnlab_mb = torch_mb = None
    if "memory" in ONLY:
        nnlab_mb = peak_memory_mb([NNLAB, "train", "configs/fashion_mnist.json", "--epochs", "1", "--threads", "1",
                                   "--quiet"])
        torch_mb = peak_memory_mb([PYTHON, os.path.join(ROOT, "bench", "torch_fashion.py")])
        print(f"\npeak memory of one Fashion-MNIST training epoch: nnlab {nnlab_mb:.0f} MB, PyTorch {torch_mb:.0f} MB"
              f"  {load1()}")
    print(f"load average at end: {load()}; {time.time() - started:.0f} s in all")

    checks = []
    if rates:
        ratio = lambda key: rates[key][0] / rates[key][1]
        checks += [
            ("Fashion-MNIST batch 64, 1 thread >= 1.5x PyTorch", ratio(("fashion", 64, 1)), 1.5),
            ("Fashion-MNIST batch 64, 2 threads >= 1.5x PyTorch's best", ratio(("fashion", 64, 2)), 1.5),
            ("Fashion-MNIST batch 256, 1 thread >= 1.0x PyTorch", ratio(("fashion", 256, 1)), 1.0),
            ("spiral >= 50x PyTorch's steps/s", ratio(("spiral", 10, 1)), 50),
        ]
    if flops:
        for name, value in flops.items():
            theirs = flops.get(name.replace("nnlab_gemm", "openblas_gemm"))
            if name.startswith("nnlab_gemm<float>") and theirs:
                best = max(theirs, flops.get(name.replace("nnlab_gemm", "naive_blocked"), 0))
                checks.append((f"SGEMM {name.split('/', 1)[1]} >= 95% of OpenBLAS (and of the blocked reference)",
                               value / best, 0.95))
    if nnlab_mb:
        checks.append(("peak memory <= 0.3x PyTorch's", nnlab_mb / torch_mb, -0.3))
    if busy:
        if busy[0][0] and busy[0][1]:
            checks.append(("no background: default threads >= 1.4x faster than --threads 1", busy[0][1] / busy[0][0],
                           1.4))
        checks.append(("two busy processes: default threads <= 1.3x the time of --threads 1",
                       (busy[2][0] or float("inf")) / (busy[2][1] or float("inf")), -1.3))
    for config, value in (small or {}).items():
        checks.append((f"{config}: default uses <= 1.15x the CPU time of --threads 1", value, -1.15))
    print("\ntargets (the busy-machine rows depend on what else the machine runs: see the load averages)")
    failed = False
    for name, value, target in checks:
        ok = value <= -target if target < 0 else value >= target
        print(f"  {'ok  ' if ok else 'MISS'} {name}: {value:.3f}")
        failed |= not ok
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

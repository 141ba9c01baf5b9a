#!/usr/bin/env python3
"""`nnlab export --to pytorch` against nnlab itself: every exported script must reproduce nnlab's run.

    /usr/bin/python3 tests/export/check_pytorch_export.py build/nnlab WORK_FOLDER

For each case below the test writes a config (and its data), runs `nnlab train` with --metrics and --save, exports
the config, runs the exported script (all scripts in this one Python process, so torch is imported once) and checks:
- every epoch's loss, data loss, penalty and validation loss equal nnlab's to 1e-9 relative in float64 (accuracies
  exactly), and the final weights likewise; the float32 case reports its largest difference and must stay below 1e-5;
- the model the script saved loads in `nnlab predict` and `nnlab eval` and gives what nnlab's own model gives;
- `nnlab export --model` writes an inference module whose predictions equal `nnlab predict`'s;
- what cannot be exported is refused with one `error:` line naming the key.
Exits 1 with every failure listed. Needs Debian's python3-torch and python3-numpy (.ci/build installs them).
"""
import contextlib
import gzip
import io
import json
import math
import os
import re
import runpy
import shutil
import subprocess
import sys

try:
    import numpy as np
    import torch  # noqa: F401  (imported once here; the exported scripts reuse it)
except ImportError as e:
    sys.exit(f"error: {e}; this test needs Debian's python3-torch and python3-numpy (bash .ci/build installs them)")

NNLAB = os.path.abspath(sys.argv[1])
WORK = os.path.abspath(sys.argv[2])
FLOAT64_TOLERANCE = 1e-9   # the bar; observed differences are around 1e-13
FLOAT32_TOLERANCE = 1e-5
failures = []



def printed_value(word):
    """A number as nnlab or the script prints it: '93.33%' is 0.9333."""
    return float(word[:-1]) / 100 if word.endswith("%") else float(word)


def printed_step(word):
    """Half a unit in the last printed digit of word (so a rounded number still matches its exact value)."""
    import decimal
    exponent = decimal.Decimal(word.rstrip("%")).as_tuple().exponent
    return 0.5 * 10.0 ** exponent / (100 if word.endswith("%") else 1)


def fail(case, message):
    failures.append(f"{case}: {message}")
    print(f"FAIL {case}: {message}", flush=True)


def nnlab(*arguments, check=True):
    result = subprocess.run([NNLAB, *arguments], capture_output=True, text=True)
    if check and result.returncode != 0:
        raise RuntimeError(f"nnlab {' '.join(arguments)} failed ({result.returncode}): {result.stderr}")
    return result


# ---------------------------------------------------------------- data the cases use
def write_csv(path, header, rows):
    with open(path, "w") as f:
        f.write(",".join(header) + "\n")
        for row in rows:
            f.write(",".join(str(cell) for cell in row) + "\n")


def make_data(folder):
    rng = np.random.default_rng(16)
    # regression: 3 features, 2 targets
    x = rng.normal(size=(70, 3)) * [1.0, 3.0, 0.5] + [0.0, 2.0, -1.0]
    y = np.stack([np.sin(x[:, 0]) + 0.1 * x[:, 1], x[:, 2] * x[:, 0]], axis=1)
    write_csv(os.path.join(folder, "regression.csv"), ["a", "b", "c", "t1", "t2"],
              [list(map(repr, list(xr) + list(yr))) for xr, yr in zip(x, y)])
    # binary classification with string labels, an extra unused column, spaces around cells
    x = rng.normal(size=(90, 2)) * 2
    labels = np.where(x[:, 0] * x[:, 1] + rng.normal(size=90) * 0.5 > 0, " dog", "cat ")
    write_csv(os.path.join(folder, "pets.csv"), ["id", "weight", "height", "species"],
              [[i, repr(a), repr(b), label] for i, ((a, b), label) in enumerate(zip(x, labels))])
    # soft targets: probabilities, with a test set whose targets are 0/1 (read as probabilities too)
    p = 1 / (1 + np.exp(-(x[:, 0] - x[:, 1])))
    write_csv(os.path.join(folder, "soft.csv"), ["u", "v", "p"], [[repr(a), repr(b), repr(float(t))]
                                                                  for (a, b), t in zip(x, np.round(p, 2))])
    write_csv(os.path.join(folder, "soft_test.csv"), ["u", "v", "p"], [[repr(a), repr(b), int(t > 0.5)]
                                                                       for (a, b), t in zip(x[:30], p[:30])])
    subprocess.run([NNLAB, "data", "generate", "moons", "--samples", "30", "--noise", "0.2", "--seed", "9"], check=True,
                   stdout=open(os.path.join(folder, "moons_test.csv"), "w"))
    # a small IDX set: 60 images of 3x4 pixels in 3 classes (images gzipped, labels plain)
    labels = np.arange(60) % 3
    images = np.clip(rng.normal(size=(60, 12)) * 40 + labels[:, None] * 60 + 40, 0, 255).astype(np.uint8)
    with gzip.open(os.path.join(folder, "images.idx.gz"), "wb") as f:
        f.write(bytes([0, 0, 8, 3]) + (60).to_bytes(4, "big") + (3).to_bytes(4, "big") + (4).to_bytes(4, "big"))
        f.write(images.tobytes())
    with open(os.path.join(folder, "labels.idx"), "wb") as f:
        f.write(bytes([0, 0, 8, 1]) + (60).to_bytes(4, "big") + labels.astype(np.uint8).tobytes())
    write_csv(os.path.join(folder, "images.csv"), [f"pixel{i}" for i in range(12)], images[:10].tolist())
    # regression with targets far from unit scale (for data.normalize_target): 74 training rows and 25 test rows
    rng = np.random.default_rng(12)
    x = rng.normal(size=(99, 3)) * [1.0, 3.0, 0.5] + [0.0, 2.0, -1.0]
    price = 5000 + 1000 * (np.sin(x[:, 0]) + 0.1 * x[:, 1]) + 50 * rng.normal(size=99)
    tiny = 0.01 * x[:, 2] * x[:, 0] - 3
    rows = [[repr(a), repr(b), repr(c), repr(p), repr(t)] for (a, b, c), p, t in zip(x, price, tiny)]
    write_csv(os.path.join(folder, "scaled.csv"), ["a", "b", "c", "price", "tiny"], rows[:74])
    write_csv(os.path.join(folder, "scaled_test.csv"), ["a", "b", "c", "price", "tiny"], rows[74:])


def layer(units, activation, **extra):
    return {"units": units, "activation": activation, **extra}


def config(train, layers, loss="mse", epochs=6, dtype="float64", seed=3, optimizer=None, regularization=None,
           data=None, training=None, init="uniform"):
    return {"data": {"train": train, **(data or {})},
            "model": {"layers": layers, "init": init},
            "loss": loss,
            "optimizer": {"learning_rate": 0.05, **(optimizer or {})},
            "regularization": regularization or {},
            "training": {"epochs": epochs, "seed": seed, "dtype": dtype, **(training or {})}}


REGRESSION = {"data": {"target": "t1", "features": ["a", "b", "c"], "normalize": "standard"}}

# name -> (config, CSV of inputs to predict on, what the case covers)
CASES = {
    "rectifiers": (config("regression.csv",
                          [layer(6, "relu"), layer(5, "leaky_relu", alpha=0.1), layer(4, "prelu"),
                           layer(4, "elu", alpha=0.7), layer(1, "linear")],
                          optimizer={"momentum": 0.9, "batch_size": 16}, data=REGRESSION["data"], init="he"),
                   "regression.csv", "relu, leaky_relu, prelu, elu, linear; momentum; mini-batches 16 of 70 (short "
                   "last batch); standard normalization; he init"),
    "smooth": (config("regression.csv",
                      [layer(5, "sigmoid"), layer(5, "tanh"), layer(4, "gelu"), layer(4, "softplus"),
                       layer(3, "silu"), layer(3, "softmax"), layer(1, "identity")],
                      optimizer={"learning_rate": 0.2, "momentum": 0.5, "nesterov": True, "batch_size": 32,
                                 "schedule": {"type": "step", "step_every": 2, "gamma": 0.5}},
                      data={"target": "t2", "normalize": "minmax"}, init="xavier", training={"diagnostics": True}),
               "regression.csv", "sigmoid, tanh, gelu, softplus, silu, softmax, identity; Nesterov; step "
               "schedule; minmax; every column but the target as features; diagnostics (the epoch-0 line)"),
    "overshoot": (config("regression.csv", [layer(1, "linear")], epochs=8, optimizer={"learning_rate": 1.2},
                         data=REGRESSION["data"], training={"diagnostics": True}),
                  "regression.csv", "a learning rate that overshoots: nnlab's warning, printed by the script too"),
    "pets_bce": (config("pets.csv", [layer(8, "tanh"), layer(1, "sigmoid")], loss="binary_cross_entropy",
                        optimizer={"momentum": 0.8, "batch_size": 20, "schedule": {"type": "exponential",
                                                                                     "gamma": 0.9}},
                        regularization={"l1": 0.001, "l2": 0.01, "include_bias": True, "l2_per_sample": True},
                        data={"target": "species", "features": ["weight", "height"], "normalize": "minmax"},
                        epochs=8),
                 "pets.csv", "binary_cross_entropy; CSV with string labels; L1 (subgradient) and L2 per sample "
                 "with the biases; exponential schedule"),
    "soft_bce": (config("soft.csv", [layer(5, "elu"), layer(1, "sigmoid")], loss="binary_cross_entropy",
                        optimizer={"momentum": 0.9, "batch_size": 16}, epochs=6,
                        data={"target": "p", "test": "soft_test.csv", "validation_fraction": 0.25}),
                 "soft.csv", "binary_cross_entropy on probabilities (soft targets), a 0/1 test set read as "
                 "probabilities"),
    "spiral_ce": (config({"generate": "spiral", "samples": 150, "noise": 0.1, "seed": 4, "classes": 3},
                         [layer(12, "relu"), layer(3, "softmax")], loss="cross_entropy",
                         optimizer={"learning_rate": 0.1, "momentum": 0.9, "batch_size": 32,
                                    "schedule": "cosine"},
                         regularization={"l2": 0.001},
                         data={"validation_fraction": 0.2, "normalize": "standard",
                               "test": {"generate": "spiral", "samples": 60, "noise": 0.1, "seed": 5,
                                        "classes": 3}},
                         training={"early_stopping": {"patience": 3, "min_delta": 0.0}}, epochs=12),
                  None, "cross_entropy; generated data and test set; validation split; L2 without the biases; "
                  "cosine schedule; early stopping"),
    "stops_early": (config({"generate": "moons", "samples": 80, "noise": 0.3, "seed": 2},
                           [layer(16, "relu"), layer(1, "sigmoid")], loss="binary_cross_entropy",
                           optimizer={"learning_rate": 2.0, "batch_size": 8},
                           data={"validation_fraction": 0.3, "class_names": ["upper", "lower"]},
                           training={"early_stopping": {"patience": 2, "min_delta": 0.01}}, epochs=40),
                    None, "early stopping that stops (and restores the best epoch); named generated classes"),
    "moons_csv_test": (config({"generate": "moons", "samples": 60, "noise": 0.2, "seed": 7},
                              [layer(6, "silu"), layer(2, "softmax")], loss="cross_entropy",
                              optimizer={"batch_size": 25}, data={"test": "moons_test.csv"}),
                       None, "generated training data with a CSV test set (classes by name)"),
    "proximal": (config("regression.csv", [layer(1, "linear")], epochs=10,
                        optimizer={"learning_rate": 0.1, "batch_size": 25, "schedule": "cosine"},
                        regularization={"l1": 0.6, "l1_proximal": True, "l1_per_sample": False},
                        data=REGRESSION["data"], init="zeros"),
                 "regression.csv", "proximal L1 (exact zeros); one linear neuron; zeros init"),
    "idx": (config({"images": "images.idx.gz", "labels": "labels.idx", "limit": 50},
                   [layer(6, "tanh"), layer(3, "softmax")], loss="cross_entropy",
                   optimizer={"learning_rate": 0.3, "momentum": 0.5, "batch_size": 12},
                   data={"class_names": ["low", "mid", "high"]}),
            "images.csv", "IDX images (gzip) and labels (plain) with a limit; class names; byte pixels unnormalized"),
    "plane_fullbatch": (config({"generate": "plane", "samples": 40, "noise": 0.2},
                               [layer(4, "tanh"), layer(1, "linear")], epochs=5,
                               regularization={"l2": 0.01, "include_bias": True}),
                        None, "full batch (no shuffle); generated regression; L2 with the biases"),
    "target_standard": (config("scaled.csv", [layer(8, "tanh"), layer(1, "linear")], epochs=8,
                               optimizer={"learning_rate": 0.1, "momentum": 0.9, "batch_size": 16},
                               data={"target": "price", "features": ["a", "b", "c"], "normalize": "standard",
                                     "normalize_target": "standard", "validation_fraction": 0.25,
                                     "test": "scaled_test.csv"}),
                        "scaled_test.csv", "data.normalize_target standard (a price ~5000): losses on the scaled "
                        "target, rmse/R² per split in its units, predictions unscaled"),
    "target_minmax": (config("scaled.csv", [layer(6, "relu"), layer(1, "linear")], epochs=6,
                             optimizer={"learning_rate": 0.2, "batch_size": 10},
                             regularization={"l2": 0.001},
                             data={"target": "tiny", "normalize": "minmax", "normalize_target": "minmax"}),
                      "scaled.csv", "data.normalize_target minmax (a target ~ -3 ± 0.01); every other column as "
                      "features; L2"),
    "bn_dropout": (config({"generate": "spiral", "samples": 150, "noise": 0.1, "seed": 4, "classes": 3},
                          [layer(12, "relu", batch_norm=True, dropout=0.2),
                           layer(8, "tanh", batch_norm=True, dropout=0.1), layer(3, "softmax", batch_norm=True)],
                          loss="cross_entropy", epochs=10,
                          optimizer={"learning_rate": 0.1, "momentum": 0.9, "batch_size": 16},
                          regularization={"l2": 0.001},
                          data={"validation_fraction": 0.2, "normalize": "standard",
                                "test": {"generate": "spiral", "samples": 60, "noise": 0.1, "seed": 5,
                                         "classes": 3}},
                          training={"early_stopping": {"patience": 3, "min_delta": 0.0}}),
                   None, "batch_norm (also on the softmax layer, inside the loss) and dropout on 2 layers, mini-batches "
                   "of 16 with a short last one, momentum, L2 (never on γ, β), early stopping; running statistics "
                   "saved"),
    "bn_full_batch": (config("scaled.csv", [layer(6, "prelu", batch_norm=True, dropout=0.3), layer(4, "gelu",
                                                                                                     dropout=0.5),
                                            layer(1, "linear")], epochs=6,
                             optimizer={"learning_rate": 0.05, "momentum": 0.5, "batch_size": 0},
                             regularization={"l1": 0.001, "include_bias": True},
                             data={"target": "price", "features": ["a", "b", "c"], "normalize": "standard",
                                   "normalize_target": "standard"}),
                      "scaled_test.csv", "batch_norm and dropout on the full batch (one step per epoch), PReLU "
                      "before dropout, L1 with the biases, normalize_target"),
    "dropout_bce": (config("pets.csv", [layer(10, "elu", dropout=0.5), layer(1, "sigmoid", batch_norm=True)],
                           loss="binary_cross_entropy", epochs=8,
                           optimizer={"learning_rate": 0.2, "momentum": 0.8, "nesterov": True, "batch_size": 20},
                           data={"target": "species", "features": ["weight", "height"]}),
                    "pets.csv", "dropout 0.5 before a batch-normalized sigmoid output (inside the loss), Nesterov, "
                    "string labels"),
    "spiral_float32": (config({"generate": "spiral", "samples": 120, "noise": 0.1, "seed": 4, "classes": 3},
                              [layer(10, "tanh"), layer(3, "softmax")], loss="cross_entropy", dtype="float32",
                              optimizer={"learning_rate": 0.1, "momentum": 0.9, "batch_size": 16}, epochs=10),
                       None, "float32"),
}


# ---------------------------------------------------------------- comparing
def relative(a, b):
    return abs(a - b) / max(abs(a), abs(b), 1e-300)


def read_metrics(path):
    with open(path) as f:
        header = f.readline().strip().split(",")
        return [dict(zip(header, line.strip().split(","))) for line in f if line.strip()]


def compare_metrics(case, ours, theirs, tolerance):
    """Largest relative difference over the epochs' losses; accuracies must be equal."""
    if len(ours) != len(theirs):
        fail(case, f"nnlab ran {len(ours)} epochs, the script {len(theirs)}")
    worst = 0.0
    for a, b in zip(ours, theirs):
        for key in ("loss", "data_loss", "penalty", "validation_loss"):
            if (a[key] == "") != (b[key] == ""):
                fail(case, f"epoch {a['epoch']}: {key} is {a[key]!r} in nnlab, {b[key]!r} in the script")
            elif a[key] != "":
                worst = max(worst, relative(float(a[key]), float(b[key])))
        for key in ("train_accuracy", "validation_accuracy", "learning_rate"):
            if a[key] != "" and tolerance == FLOAT64_TOLERANCE and relative(float(a[key]), float(b[key])) > 1e-15:
                fail(case, f"epoch {a['epoch']}: {key} {a[key]} in nnlab, {b[key]} in the script")
    return worst


def model_tensors(path):
    """A model file and its layers' tensors: parameters, and batch normalization's running statistics."""
    with open(path) as f:
        saved = json.load(f)
    tensors = {}
    for i, layer in enumerate(saved["layers"]):
        for key in ("weight", "bias", "slope"):
            if key in layer:
                tensors[f"layers[{i}].{key}"] = np.array(layer[key], dtype=np.float64)
        for key, values in layer.get("batch_norm", {}).items():
            tensors[f"layers[{i}].{key}"] = np.array(values, dtype=np.float64)
    return saved, tensors


def compare_models(case, ours_path, theirs_path):
    """Largest difference of the final weights, relative to each tensor's largest value."""
    ours, a = model_tensors(ours_path)
    theirs, b = model_tensors(theirs_path)
    for key in ("dtype", "inputs", "loss"):
        if ours[key] != theirs[key]:
            fail(case, f"model key {key}: {ours[key]!r} in nnlab's model, {theirs[key]!r} in the script's")
    for key in ("features", "target", "class_names"):
        if ours["data"][key] != theirs["data"][key]:
            fail(case, f"data.{key}: {ours['data'][key]!r} in nnlab's model, {theirs['data'][key]!r} in the script's")
    if ours["version"] != theirs["version"]:
        fail(case, f"model format version {ours['version']} in nnlab's model, {theirs['version']} in the script's")
    for key in ("normalization", "target_normalization"):
        norm_a, norm_b = ours["data"][key], theirs["data"].get(key, {"kind": "missing", "shift": [], "scale": []})
        if norm_a["kind"] != norm_b["kind"] or len(norm_a["shift"]) != len(norm_b["shift"]) or not np.allclose(
                norm_a["shift"] + norm_a["scale"], norm_b["shift"] + norm_b["scale"], rtol=1e-14, atol=0):
            fail(case, f"data.{key} differs: {norm_a} vs {norm_b}")
    if ours["training"]["epochs_done"] != theirs["training"]["epochs_done"]:
        fail(case, "epochs_done differs")
    if set(ours["training"]["velocity"]) != set(theirs["training"]["velocity"]):
        fail(case, "the saved momentum buffers differ in their names")
    if ("early_stopping" in ours["training"]) != ("early_stopping" in theirs["training"]):
        fail(case, "only one of the models has an early_stopping section")
    elif "early_stopping" in ours["training"]:  # with batch normalization: the best epoch's running statistics
        best_a = ours["training"]["early_stopping"].get("best_running", [])
        best_b = theirs["training"]["early_stopping"].get("best_running", [])
        if len(best_a) != len(best_b) or any(
                not np.allclose(x, y, rtol=FLOAT32_TOLERANCE if ours["dtype"] == "float32" else FLOAT64_TOLERANCE,
                                atol=0) for x, y in zip(best_a, best_b)):
            fail(case, "early stopping's best_running statistics differ")
    if [layer.get("dropout") for layer in ours["layers"]] != [layer.get("dropout") for layer in theirs["layers"]]:
        fail(case, "the layers' dropout differs")
    if set(a) != set(b):
        fail(case, f"the models' tensors differ: {sorted(a)} vs {sorted(b)}")
        return math.inf
    worst = 0.0
    for name in a:
        scale = max(np.abs(a[name]).max(), 1e-300)
        worst = max(worst, float(np.abs(a[name] - b[name]).max() / scale))
    return worst


def compare_predictions(case, ours_text, theirs_text, tolerance):
    ours, theirs = ours_text.strip().splitlines(), theirs_text.strip().splitlines()
    if ours[0] != theirs[0] or len(ours) != len(theirs):
        fail(case, f"predictions differ in shape: {ours[:2]} vs {theirs[:2]}")
        return 0.0
    worst = 0.0
    for a, b in zip(ours[1:], theirs[1:]):
        for x, y in zip(a.split(","), b.split(",")):
            try:
                worst = max(worst, relative(float(x), float(y)))
            except ValueError:
                if x != y:
                    fail(case, f"predicted class {x} vs {y}")
    if worst > tolerance:
        fail(case, f"predictions differ by {worst:.3g} relative")
    return worst


TIMING = re.compile(r"  (<1 µs|\d+ µs|\d+(\.\d)? ms|\d+\.\d s|\d+ min \d\d s)( *  \d+ samples/s)?$")


def screen_lines(text, diagnostics=False):
    """Printed lines with each epoch's time and speed replaced by TIME, and the saved model's path left out. With
    diagnostics, nnlab's per-layer lines and their warnings (which the script does not print) are left out too. A
    long equation's continued lines ("    + ...") are joined to the line they continue: where a line breaks depends on
    how many digits a number takes, which may differ in the last digit."""
    lines, skipping = [], False
    for line in text.splitlines():
        if line.startswith("    + ") and lines:
            lines[-1] += " " + line[4:]
            continue
        if diagnostics:
            if line.startswith("  layer ") or (skipping and line.startswith("  ")):  # the table's head and rows
                continue
            skipping = line.startswith("warning:") and "the loss rose to" not in line
            if skipping:
                continue
        if line.startswith("saved the model to "):
            line = "saved the model to PATH"
        lines.append(TIMING.sub("  TIME", line) if line.startswith("epoch ") else line)
    return lines


def number_word(word):
    """The number a printed word shows ('93.33%,' is 0.9333), or None."""
    word = word.strip(",;()")
    try:
        return printed_value(word), printed_step(word)
    except Exception:
        return None


def same_line(ours, theirs, tolerance):
    """Equal, or equal but for numbers that agree to their printed precision (and `tolerance` relative)."""
    if ours == theirs:
        return True
    a, b = ours.split(), theirs.split()
    if len(a) != len(b) or a == b:  # the same words with other spacing is a difference too
        return False
    for x, y in zip(a, b):
        if x == y:
            continue
        nx, ny = number_word(x), number_word(y)
        if nx is None or ny is None or abs(nx[0] - ny[0]) > max(nx[1], ny[1]) + tolerance * abs(ny[0]):
            return False
    return True


def compare_screens(case, ours_text, theirs_text, tolerance, diagnostics=False):
    """The script prints nnlab's lines: header, epoch lines, warnings, summary, test line, confusion matrix, regression
    lines."""
    ours, theirs = screen_lines(ours_text, diagnostics), screen_lines(theirs_text)
    for i in range(max(len(ours), len(theirs))):
        a = ours[i] if i < len(ours) else "(nothing)"
        b = theirs[i] if i < len(theirs) else "(nothing)"
        if not same_line(a, b, tolerance):
            fail(case, f"line {i + 1} differs:\n  nnlab:  {a}\n  script: {b}")
            return


def run_script(path, arguments):
    """Runs an exported script in this process (torch is already imported) and returns what it printed."""
    printed = io.StringIO()
    saved_argv = sys.argv
    sys.argv = [path, *arguments]
    try:
        with contextlib.redirect_stdout(printed):
            runpy.run_path(path, run_name="__main__")
    finally:
        sys.argv = saved_argv
    return printed.getvalue()


# ---------------------------------------------------------------- the checks
def check_case(name, spec):
    settings, predict_input, covers = spec
    folder = os.path.join(WORK, name)
    os.makedirs(folder)
    config_path = os.path.join(folder, "config.json")
    with open(config_path, "w") as f:
        json.dump(settings, f, indent=1)
    for data_file in ("regression.csv", "scaled.csv", "scaled_test.csv", "pets.csv", "soft.csv", "soft_test.csv", "images.idx.gz", "labels.idx",
                      "images.csv", "moons_test.csv"):
        shutil.copy(os.path.join(WORK, data_file), folder)
    tolerance = FLOAT64_TOLERANCE if settings["training"]["dtype"] == "float64" else FLOAT32_TOLERANCE

    trained = nnlab("train", config_path, "--metrics", os.path.join(folder, "nnlab.csv"), "--save",
                    os.path.join(folder, "nnlab_model.json"))
    nnlab("export", config_path, "--to", "pytorch", "-o", os.path.join(folder, "train.py"))
    printed = run_script(os.path.join(folder, "train.py"), ["--metrics", os.path.join(folder, "torch.csv"), "--save",
                                                            os.path.join(folder, "torch_model.json")])
    # everything printed is nnlab's, line by line, up to the timings and the printed numbers' last digit
    compare_screens(name, trained.stdout, printed, tolerance, settings["training"].get("diagnostics", False))
    ours_lines = [line for line in trained.stdout.splitlines() if line.startswith("epoch")]
    if ("stopped early" in trained.stdout) != ("stopped early" in printed):
        fail(name, "only one of nnlab and the script stopped early")
    if ("test" in settings["data"]) != ("test loss" in trained.stdout):
        fail(name, "nnlab's output has no test line")

    losses = compare_metrics(name, read_metrics(os.path.join(folder, "nnlab.csv")),
                             read_metrics(os.path.join(folder, "torch.csv")), tolerance)
    weights = compare_models(name, os.path.join(folder, "nnlab_model.json"), os.path.join(folder, "torch_model.json"))
    for what, worst in (("losses", losses), ("final weights", weights)):
        if not worst <= tolerance:
            fail(name, f"{what} differ by {worst:.3g} relative (allowed {tolerance:g})")

    if "test" in settings["data"]:  # the script's model in nnlab eval
        evaluations = [nnlab("eval", config_path, "--model", os.path.join(folder, model)).stdout.split()[2].strip(",")
                       for model in ("nnlab_model.json", "torch_model.json")]
        if relative(float(evaluations[0]), float(evaluations[1])) > tolerance:
            fail(name, f"nnlab eval: test loss {evaluations[0]} with nnlab's model, {evaluations[1]} with the script's")

    if settings["regularization"].get("l1_proximal"):  # the proximal step must have made weights exactly zero
        zeros = [int((model_tensors(os.path.join(folder, f))[1]["layers[0].weight"] == 0).sum())
                 for f in ("nnlab_model.json", "torch_model.json")]
        if zeros[0] == 0 or zeros[0] != zeros[1]:
            fail(name, f"exact zeros in the first layer: nnlab {zeros[0]}, the script {zeros[1]}")

    # the script's model in nnlab predict, and nnlab's model in the exported inference module
    if predict_input is None:  # generated data: predict on the CSV the export wrote
        predict_input = os.path.join(folder, "train_train.csv")
    predict_input = os.path.join(folder, predict_input)
    ours = nnlab("predict", "--model", os.path.join(folder, "nnlab_model.json"), "--input", predict_input).stdout
    theirs = nnlab("predict", "--model", os.path.join(folder, "torch_model.json"), "--input", predict_input).stdout
    predictions = compare_predictions(name, ours, theirs, max(tolerance, 1e-9))
    nnlab("export", "--model", os.path.join(folder, "nnlab_model.json"), "--to", "pytorch", "-o",
          os.path.join(folder, "predict.py"))
    module = run_script(os.path.join(folder, "predict.py"), [predict_input])
    inference = compare_predictions(name + " (inference module)", ours, module,
                                    1e-12 if tolerance == FLOAT64_TOLERANCE else 1e-6)
    print(f"ok   {name} ({settings['training']['dtype']}, {len(ours_lines)} epochs): losses {losses:.2g}, weights "
          f"{weights:.2g}, predictions {predictions:.2g}, inference module {inference:.2g} (relative) -- {covers}",
          flush=True)
    return settings


def check_resume(name, base):
    """--model with a config: the script continues a saved model, as nnlab train --resume does."""
    folder = os.path.join(WORK, name)
    os.makedirs(folder)
    settings = json.loads(json.dumps(CASES[base][0]))
    settings["training"]["epochs"] = 12
    if "early_stopping" in settings["training"]:
        settings["training"]["early_stopping"]["patience"] = 50
    config_path = os.path.join(folder, "config.json")
    with open(config_path, "w") as f:
        json.dump(settings, f)
    for data_file in ("pets.csv", "scaled.csv", "scaled_test.csv"):
        shutil.copy(os.path.join(WORK, data_file), folder)
    first = os.path.join(folder, "first.json")
    nnlab("train", config_path, "--epochs", "5", "--save", first)
    nnlab("train", config_path, "--resume", first, "--metrics", os.path.join(folder, "nnlab.csv"), "--save",
          os.path.join(folder, "nnlab_model.json"))
    nnlab("export", config_path, "--to", "pytorch", "-o", os.path.join(folder, "train.py"), "--model", first)
    run_script(os.path.join(folder, "train.py"), ["--metrics", os.path.join(folder, "torch.csv"), "--save",
                                                  os.path.join(folder, "torch_model.json")])
    ours, theirs = read_metrics(os.path.join(folder, "nnlab.csv")), read_metrics(os.path.join(folder, "torch.csv"))
    if [row["epoch"] for row in ours][:1] != ["6"] or [row["epoch"] for row in theirs][:1] != ["6"]:
        fail(name, f"the resumed runs should start at epoch 6: {ours[:1]} {theirs[:1]}")
    losses = compare_metrics(name, ours, theirs, FLOAT64_TOLERANCE)
    weights = compare_models(name, os.path.join(folder, "nnlab_model.json"), os.path.join(folder, "torch_model.json"))
    if not max(losses, weights) <= FLOAT64_TOLERANCE:
        fail(name, f"losses differ by {losses:.3g}, weights by {weights:.3g}")
    print(f"ok   {name}: epochs 6-12 of {base} after a saved model (momentum, early stopping's memory): losses "
          f"{losses:.2g}, weights {weights:.2g}", flush=True)


def check_refusals():
    """What cannot be exported is refused with one error line that names the key."""
    folder = os.path.join(WORK, "refusals")
    os.makedirs(folder)
    config_path = os.path.join(WORK, "spiral_ce", "config.json")
    checkpoint = os.path.join(folder, "mid_epoch.json")
    with open(os.path.join(WORK, "spiral_ce", "nnlab_model.json")) as f:
        saved = json.load(f)
    saved["training"]["batches_done"] = 2
    with open(checkpoint, "w") as f:
        json.dump(saved, f)
    cases = [
        (["export", config_path, "--to", "pytorch", "-o", os.path.join(folder, "t.py"), "--model", checkpoint],
         "training.batches_done"),
        (["export", "--to", "pytorch"], "give a config"),
        (["export", config_path, "--to", "keras"], "--to"),
        (["export", config_path, "--to", "pytorch", "-o", os.path.join(folder, "missing", "t.py")],
         "folder " + os.path.join(folder, "missing") + " does not exist"),
    ]
    for arguments, expected in cases:
        result = nnlab(*arguments, check=False)
        lines = result.stderr.strip().splitlines()
        if result.returncode != 2 or len(lines) != 1 or not lines[0].startswith("error:") or expected not in lines[0]:
            fail("refusals", f"nnlab {' '.join(arguments[:2])} ...: expected one error line naming {expected!r}, got "
                             f"exit {result.returncode}: {result.stderr!r}")
    print(f"ok   refusals: {len(cases)} error lines", flush=True)


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    make_data(WORK)
    only = sys.argv[3:]
    for name, spec in CASES.items():
        if only and name not in only:
            continue
        try:
            check_case(name, spec)
        except Exception as e:  # one broken case must not hide the others
            fail(name, f"{type(e).__name__}: {e}")
    if not only:
        check_resume("resume", "spiral_ce")
        check_resume("resume_named_classes", "pets_bce")
        check_resume("resume_target", "target_standard")
        check_resume("resume_bn_dropout", "bn_dropout")
        check_refusals()
    if failures:
        print(f"\n{len(failures)} failures:\n" + "\n".join(failures))
        sys.exit(1)
    print("all exported scripts reproduce nnlab")


if __name__ == "__main__":
    main()

// Writes nnlab experiments and models as PyTorch programs. The generated Python mirrors one nnlab source file per
// section (csv.cpp and data.cpp for the data, random.cpp for the batch order, trainer.cpp for the loop, model_io.cpp
// for the saved file); each section says which, so a learner can read the two side by side. Only the code a config
// needs is written: a full-batch run has no shuffle, a run without penalties no penalty section.
#include "nnlab/export_pytorch.hpp"

#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "nnlab/data.hpp"
#include "nnlab/errors.hpp"
#include "nnlab/files.hpp"
#include "nnlab/generate.hpp"
#include "nnlab/report.hpp"
#include "nnlab/text.hpp"
#include "nnlab/trainer.hpp"

namespace nnlab {
namespace {

// ---------------------------------------------------------------- Python literals

std::string py_string(const std::string& text) {
  return nlohmann::json(text).dump();
}

std::string py_number(double value) {
  return round_trip(value);
}

std::string py_bool(bool value) {
  return value ? "True" : "False";
}

std::string py_strings(const std::vector<std::string>& names) {
  std::string list = "[";
  for (std::size_t i = 0; i < names.size(); ++i) list += (i ? ", " : "") + py_string(names[i]);
  return list + "]";
}

// A Python list of expressions: [a, b, c].
std::string py_list(const std::vector<std::string>& items) {
  std::string text = "[";
  for (std::size_t i = 0; i < items.size(); ++i) text += (i ? ", " : "") + items[i];
  return text + "]";
}

// A file as the script names it: relative to the script's own folder when it can be, so the folder can move.
std::string py_path(const std::filesystem::path& file, const std::filesystem::path& script) {
  const auto absolute = std::filesystem::weakly_canonical(std::filesystem::absolute(file));
  const auto folder = std::filesystem::weakly_canonical(std::filesystem::absolute(script)).parent_path();
  const auto relative = absolute.lexically_relative(folder);
  if (relative.empty()) return py_string(absolute.string());
  return "os.path.join(HERE, " + py_string(relative.string()) + ")";
}

// `name = value  # comment`, with the comments of a block lined up.
std::string setting(const std::string& name, const std::string& value, const std::string& comment) {
  std::string line = name + " = " + value;
  if (!comment.empty()) {
    if (line.size() < 40) line.resize(40, ' ');
    line += "  # " + comment;
  }
  return line + "\n";
}

// The script's imports of numpy and PyTorch, which a fresh machine may lack: one line saying what to install
// instead of a traceback ending in ModuleNotFoundError. A module imported by other code raises that line instead.
std::string third_party_imports(const std::string& imports, bool importable) {
  const std::string message =
      "\"this script needs numpy and PyTorch (\" + missing.name + \" is missing): on Debian or Ubuntu, sudo apt-get "
      "install python3-numpy python3-torch; elsewhere, pip install numpy torch\"";
  std::string py = "try:\n";
  for (std::size_t at = 0; at < imports.size();) {
    const std::size_t end = imports.find('\n', at);
    py += "    " + imports.substr(at, end - at + 1);
    at = end + 1;
  }
  py += "except ModuleNotFoundError as missing:\n";
  if (importable) py += "    if __name__ != \"__main__\":\n        raise ModuleNotFoundError(" + message + ") from None\n";
  return py + "    sys.exit(" + message + ")\n\n";
}

std::string dtype_name(DType dtype) {
  return dtype == DType::float64 ? "torch.float64" : "torch.float32";
}

// ---------------------------------------------------------------- the network

// The PyTorch module for one of nnlab's activations; empty for linear (nn.Linear's output is used as it is).
std::string activation_module(const ActivationSpec& activation, std::size_t units) {
  const std::optional<double> default_alpha = activation_info(activation.kind).default_alpha;
  const double alpha = activation.alpha.value_or(default_alpha.value_or(0.0));
  switch (activation.kind) {
    case ActivationKind::linear: return "";
    case ActivationKind::relu: return "nn.ReLU()";
    case ActivationKind::leaky_relu: return "nn.LeakyReLU(" + py_number(alpha) + ")";
    case ActivationKind::prelu:
      return "nn.PReLU(num_parameters=" + std::to_string(units) + ", init=" + py_number(alpha) + ")";
    case ActivationKind::elu: return "nn.ELU(" + py_number(alpha) + ")";
    case ActivationKind::sigmoid: return "nn.Sigmoid()";
    case ActivationKind::tanh: return "nn.Tanh()";
    case ActivationKind::softmax: return "nn.Softmax(dim=1)";
    case ActivationKind::gelu: return "nn.GELU()";  // the exact erf form, as nnlab's
    // PyTorch's default threshold 20 returns z itself above 20, where log(1 + e^z) is still 2e-9 larger; above 40
    // the difference is below float64's resolution, so threshold=40 makes the two agree.
    case ActivationKind::softplus: return "nn.Softplus(threshold=40)";
    case ActivationKind::silu: return "nn.SiLU()";
  }
  throw InputError("model.layers: activation \"" + name_of(activation.kind) + "\" cannot be exported to PyTorch yet");
}

struct Module {
  std::string code, comment;
};

// nn.Sequential's modules for the layers, and nnlab's parameter names mapped onto them. With `fused_last`, the last
// layer's activation is left out: the loss (nn.CrossEntropyLoss, nn.BCEWithLogitsLoss) applies it, as nnlab's does.
struct SequentialCode {
  std::vector<Module> modules;
  std::vector<std::pair<std::string, std::string>> parameters;  // nnlab name -> PyTorch expression, nnlab's order
  std::vector<std::string> weights, biases, slopes;             // PyTorch expressions by kind
  std::vector<std::string> norm_parameters;                     // batch normalization's γ and β
  std::vector<std::pair<std::size_t, std::string>> batch_norms;  // layer index -> its nn.BatchNorm1d
  bool dropout = false;
};

// The modules of layers[i] (its linear part; batch normalization; its activation unless `fused` leaves it to the
// loss; dropout) and its parameters' names, appended to `code`. With `nnlab_masks` (the training script), dropout is
// NnlabDropout, which draws nnlab's masks; otherwise (the inference module, where dropout is off) nn.Dropout.
void add_layer(SequentialCode& code, std::size_t i, const LayerSpec& spec, std::size_t fan_in, bool fused,
               LossKind loss, bool nnlab_masks) {
  const std::string layer = "layers[" + std::to_string(i) + "]";
  const std::string index = "model[" + std::to_string(code.modules.size()) + "]";
  const std::string& activation_name = name_of(spec.activation.kind);
  std::string comment = layer + ": " + std::to_string(spec.units) + " " + activation_name +
                        (spec.units == 1 ? " unit" : " units");
  if (fused) comment += "; its " + activation_name + " is inside the loss (" + name_of(loss) + ")";
  code.modules.push_back({"nn.Linear(" + std::to_string(fan_in) + ", " + std::to_string(spec.units) + ")", comment});
  code.parameters.push_back({layer + ".weight", index + ".weight"});
  code.parameters.push_back({layer + ".bias", index + ".bias"});
  code.weights.push_back(index + ".weight");
  code.biases.push_back(index + ".bias");
  std::string norm;  // between the linear part and the activation, as nnlab's
  if (spec.batch_norm) {
    norm = "model[" + std::to_string(code.modules.size()) + "]";
    code.batch_norms.push_back({i, norm});
    code.modules.push_back({"nn.BatchNorm1d(" + std::to_string(spec.units) + ")",
                            layer + ".batch_norm: ε 1e-5, momentum 0.1, as nnlab's"});
  }
  const std::string activation = fused ? "" : activation_module(spec.activation, spec.units);
  if (!activation.empty()) {
    if (spec.activation.kind == ActivationKind::prelu) {
      const std::string slope = "model[" + std::to_string(code.modules.size()) + "].weight";
      code.parameters.push_back({layer + ".slope", slope});
      code.slopes.push_back(slope);
    }
    code.modules.push_back({activation, ""});
  }
  if (!norm.empty()) {  // nnlab's order: weight, bias, slope, then γ and β
    code.parameters.push_back({layer + ".gamma", norm + ".weight"});
    code.parameters.push_back({layer + ".beta", norm + ".bias"});
    code.norm_parameters.push_back(norm + ".weight");
    code.norm_parameters.push_back(norm + ".bias");
  }
  if (spec.dropout > 0) {
    code.dropout = true;
    code.modules.push_back({std::string(nnlab_masks ? "NnlabDropout(" : "nn.Dropout(") + py_number(spec.dropout) + ")",
                            layer + ".dropout: after the activation, in training only"});
  }
}

SequentialCode sequential_code(std::size_t inputs, const std::vector<LayerSpec>& layers, bool fused_last,
                               LossKind loss, bool nnlab_masks = false) {
  SequentialCode code;
  for (std::size_t i = 0; i < layers.size(); ++i)
    add_layer(code, i, layers[i], i == 0 ? inputs : layers[i - 1].units, fused_last && i + 1 == layers.size(), loss,
              nnlab_masks);
  return code;
}

std::string sequential_text(const SequentialCode& code, DType dtype) {
  std::string text = "model = nn.Sequential(\n";
  for (const Module& m : code.modules) {
    std::string line = "    " + m.code + ",";
    if (!m.comment.empty()) {
      if (line.size() < 30) line.resize(30, ' ');
      line += "  # " + m.comment;
    }
    text += line + "\n";
  }
  text += ").to(" + dtype_name(dtype) + ")\n";
  text += "# nnlab's name for each parameter, in nnlab's order (per layer: weight, bias, then a PReLU's slopes)\n";
  text += "parameters = {\n";
  for (const auto& [name, expression] : code.parameters) text += "    " + py_string(name) + ": " + expression + ",\n";
  text += "}\n";
  if (!code.batch_norms.empty()) {
    text += "batch_norms = {";  // their running statistics are buffers, not parameters: the model file lists them
    for (std::size_t k = 0; k < code.batch_norms.size(); ++k)
      text += (k ? ", " : "") + std::to_string(code.batch_norms[k].first) + ": " + code.batch_norms[k].second;
    text += "}  # layer index -> its nn.BatchNorm1d\n";
  }
  return text;
}

// Reading a model file's tensors into the parameters, shared by both scripts.
const char* kLoadWeights = R"PY(

def saved_tensors(saved_model):
    """A model file's layer tensors (weight, bias, PReLU slope, batch normalization's γ and β) keyed by nnlab's
    parameter names."""
    tensors = {}
    for i, layer in enumerate(saved_model["layers"]):
        for key in ("weight", "bias", "slope"):
            if key in layer:
                tensors[f"layers[{i}].{key}"] = layer[key]
        for key in ("gamma", "beta"):
            if "batch_norm" in layer:
                tensors[f"layers[{i}].{key}"] = layer["batch_norm"][key]
    return tensors


def load_weights(tensors):
    """Sets every parameter from a table of nnlab parameter name -> numbers."""
    with torch.no_grad():
        for name, parameter in parameters.items():
            parameter.copy_(torch.as_tensor(tensors[name], dtype=torch.float64).reshape(parameter.shape))
)PY";

// Batch normalization's running statistics from a model file, for both scripts.
const char* kLoadRunning = R"PY(

def load_running_statistics(saved_model):
    """Each nn.BatchNorm1d's running mean and variance (used in evaluation) from a model file."""
    with torch.no_grad():
        for i, norm in batch_norms.items():
            statistics = saved_model["layers"][i]["batch_norm"]
            norm.running_mean.copy_(torch.tensor(statistics["running_mean"], dtype=torch.float64))
            norm.running_var.copy_(torch.tensor(statistics["running_var"], dtype=torch.float64))
)PY";

// ---------------------------------------------------------------- the training script

struct SourcePlan {
  enum class Form { csv, idx, generated_csv } form = Form::csv;
  std::string path_expression;    // csv and generated: the CSV; idx: the images
  std::string labels_expression;  // idx
  std::size_t limit = 0;
};

const char* kRandom = R"PY(

# ---------------------------------------------------------------- nnlab's random numbers (src/random.cpp)
# nnlab draws every random choice from C++'s std::mt19937_64, seeded per purpose through SplitMix64, so that e.g. the
# batch order never depends on the initial weights. numpy and torch have no 64-bit Mersenne Twister, so here it is:
# the C++ standard fixes its every output, which makes the random choices the same in both programs.
MASK64 = (1 << 64) - 1
SHUFFLE, SPLIT, DROPOUT = 2, 4, 5  # nnlab's RandomStream numbers: batch order, validation split, dropout masks


def splitmix64(x):
    x = (x + 0x9E3779B97F4A7C15) & MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK64
    return x ^ (x >> 31)


def stream_seed(stream, index=0):
    """The engine seed of nnlab's Rng(SEED, stream, index)."""
    return splitmix64((splitmix64(splitmix64(SEED) ^ stream) + index) & MASK64)


class Mt19937_64:
    """std::mt19937_64 (Matsumoto and Nishimura's 64-bit Mersenne Twister), with numpy. Its states follow the
    recurrence x[k + 312] = x[k + 156] ^ A(upper bit of x[k] | lower 63 bits of x[k + 1]), so 156 of them can be
    computed at once; each output is a state, tempered."""

    def __init__(self, seed):
        state = [seed]
        for i in range(1, 312):
            previous = state[-1]
            state.append((6364136223846793005 * (previous ^ (previous >> 62)) + i) & MASK64)
        self.x = np.array(state, dtype=np.uint64)
        self.used = 312  # the outputs are the states from x[312] on

    def numbers(self, count):
        """The next `count` outputs, as numpy uint64."""
        if self.used + count > len(self.x):
            upper, lower, one = np.uint64(0xFFFFFFFF80000000), np.uint64(0x7FFFFFFF), np.uint64(1)
            old = len(self.x)
            x = np.empty(old + -(-(self.used + count - old) // 156) * 156, dtype=np.uint64)
            x[:old] = self.x
            for k in range(old - 312, len(x) - 312, 156):
                y = (x[k:k + 156] & upper) | (x[k + 1:k + 157] & lower)
                x[k + 312:k + 468] = x[k + 156:k + 312] ^ (y >> one) ^ ((y & one) * np.uint64(0xB5026F5AA96619E9))
            self.x = x
        y = self.x[self.used:self.used + count].copy()
        self.used += count
        y ^= (y >> np.uint64(29)) & np.uint64(0x5555555555555555)  # tempering
        y ^= (y << np.uint64(17)) & np.uint64(0x71D67FFFEDA60000)
        y ^= (y << np.uint64(37)) & np.uint64(0xFFF7EEE000000000)
        return y ^ (y >> np.uint64(43))

    def uniform(self, count):
        """`count` numbers in [0, 1) as nnlab's Rng::uniform() draws them: the top 53 bits times 2⁻⁵³."""
        return (self.numbers(count) >> np.uint64(11)).astype(np.float64) * 2.0 ** -53


def shuffled(count, stream, index=0):
    """0, 1, ..., count-1 in the order nnlab's Rng(SEED, stream, index).shuffle() leaves them: Fisher-Yates from the
    end, each position drawn with Lemire's multiply-shift (64 random bits times i, keep the top 64 bits)."""
    draws = Mt19937_64(stream_seed(stream, index)).numbers(max(count - 1, 0)).tolist()
    order = list(range(count))
    for i, bits in zip(range(count, 1, -1), draws):
        j = (bits * i) >> 64
        order[i - 1], order[j] = order[j], order[i - 1]
    return order
)PY";

// Dropout with nnlab's masks, for the training script.
const char* kDropout = R"PY(

class NnlabDropout(nn.Dropout):
    """nn.Dropout(p) (inverted dropout: in training each output is kept with probability 1 − p and scaled by
    1/(1 − p); in evaluation nothing changes) with nnlab's masks instead of torch's: each training step draws from
    one generator Rng(SEED, DROPOUT, step), layer after layer, each layer's (batch, units) outputs row by row, and
    drops an output when its uniform number is below p (src/dense.cpp). So the run stays comparable with nnlab's;
    for ordinary PyTorch randomness, use nn.Dropout(p) instead."""

    generator = None  # this step's Mt19937_64, set by train_step

    def forward(self, x):
        if not self.training:
            return x
        kept = torch.from_numpy(NnlabDropout.generator.uniform(x.numel()) >= self.p).reshape(x.shape)
        scale = torch.tensor(1 / (1 - self.p), dtype=torch.float64).to(x.dtype)  # 1/(1 − p), rounded to DTYPE
        return x * torch.where(kept, scale, torch.zeros_like(scale))
)PY";

const char* kReadCsv = R"PY(

def read_csv(path, limit):
    """Header and rows as nnlab reads a CSV file: cells trimmed of spaces and tabs, blank lines skipped."""
    with open(path, newline="", encoding="utf-8-sig") as file:  # utf-8-sig: a spreadsheet's byte order mark goes
        rows = [[cell.strip(" \t") for cell in row] for row in csv.reader(file)]
    rows = [row for row in rows if row not in ([], [""])]
    return rows[0], rows[1:limit + 1] if limit else rows[1:]


def columns(header, rows, names):
    """The named columns as a float64 matrix (samples, columns)."""
    indices = [header.index(name) for name in names]
    return np.array([[float(row[i]) for i in indices] for row in rows], dtype=np.float64).reshape(len(rows), -1)
)PY";

const char* kClassOrder = R"PY(

def class_order(labels):
    """nnlab's class indices: the distinct labels sorted numerically when every one is an integer ("2" before "10"),
    alphabetically otherwise."""
    names = sorted(set(labels))
    if all(re.fullmatch(r"-?[0-9]+", name) for name in names):
        names.sort(key=int)
    return names


def class_indices(labels, names, path):
    """Each label's index in names; a label the training data lacks is an error, as in nnlab."""
    for label in labels:
        if label not in names:
            raise SystemExit(f"error: {path}: class {label!r} does not appear in the training data")
    return np.array([names.index(label) for label in labels])
)PY";

const char* kReadIdx = R"PY(

def read_idx(path, limit):
    """An IDX file (MNIST's format), gzip-compressed or plain: (items, bytes per item) unsigned bytes."""
    with open(path, "rb") as file:
        data = file.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    rank = data[3]
    dims = [int.from_bytes(data[4 + 4 * d:8 + 4 * d], "big") for d in range(rank)]
    items = min(limit, dims[0]) if limit else dims[0]
    size = int(np.prod(dims[1:]))
    return np.frombuffer(data, np.uint8, items * size, 4 + 4 * rank).reshape(items, size)
)PY";

// Python that sets `x_<name>` (float64 inputs) and `labels_<name>` / `y_<name>` for one source.
// With `derive_classes` (a fresh run's training CSV), the class names come from its labels; otherwise labels are
// looked up in the `class_names` the script already has.
std::string load_source_code(const SourcePlan& plan, const std::string& name, const Config& config,
                             bool classification, bool derive_classes) {
  std::string code;
  const std::string limit = std::to_string(plan.limit);
  switch (plan.form) {
    case SourcePlan::Form::csv:
    case SourcePlan::Form::generated_csv:
      code += "header, rows = read_csv(" + plan.path_expression + ", " + limit + ")\n";
      if (name == "train") {
        if (config.data.features.empty())
          code += "features = [column for column in header if column != TARGET]  # every column but the target\n";
        else
          code += "features = " + py_strings(config.data.features) + "  # data.features\n";
      }
      code += "x_" + name + " = columns(header, rows, features)\n";
      if (!classification) {
        code += "y_" + name + " = columns(header, rows, [TARGET])\n";
        if (config.loss == LossKind::binary_cross_entropy)  // soft targets
          code += "assert ((y_" + name + " >= 0) & (y_" + name + " <= 1)).all(), \"soft targets must lie in [0, 1]\"\n";
      } else if (plan.form == SourcePlan::Form::generated_csv) {
        code += "y_" + name + " = columns(header, rows, [TARGET])[:, 0].astype(np.int64)  # class indices\n";
      } else {
        code += "labels = [row[header.index(TARGET)] for row in rows]\n";
        if (derive_classes) code += "class_names = class_order(labels)\n";
        code += "y_" + name + " = class_indices(labels, class_names, " + plan.path_expression + ")\n";
      }
      break;
    case SourcePlan::Form::idx:
      code += "# pixels are bytes, read as byte·(1/255), so they land in [0, 1]\n";
      code += "x_" + name + " = read_idx(" + plan.path_expression + ", " + limit + ") * (1.0 / 255)\n";
      code += "y_" + name + " = read_idx(" + plan.labels_expression + ", " + limit + ")[:, 0].astype(np.int64)\n";
      if (name == "train") code += "features = [f\"pixel{i}\" for i in range(x_train.shape[1])]\n";
      break;
  }
  return code;
}

SourcePlan plan_source(const DataSource& source, const std::filesystem::path& script, const std::string& role,
                       const Config& config, std::vector<std::filesystem::path>& written) {
  SourcePlan plan;
  plan.limit = source.limit;
  switch (source.kind) {
    case DataSource::Kind::csv:
      plan.path_expression = py_path(source.csv, script);
      break;
    case DataSource::Kind::idx:
      plan.form = SourcePlan::Form::idx;
      plan.path_expression = py_path(source.images, script);
      plan.labels_expression = py_path(source.labels, script);
      break;
    case DataSource::Kind::generated: {
      // nnlab's generators are its own: their samples go into a CSV beside the script, class indices as labels.
      plan.form = SourcePlan::Form::generated_csv;
      plan.limit = 0;
      const GeneratedData data = generate_dataset(source.generator);
      const std::size_t rows = source.limit ? std::min(source.limit, data.inputs.rows()) : data.inputs.rows();
      std::string text = "x1,x2," + config.data.target + "\n";
      for (std::size_t r = 0; r < rows; ++r)
        text += round_trip(data.inputs(r, 0)) + "," + round_trip(data.inputs(r, 1)) + "," +
                round_trip(data.targets(r, 0)) + "\n";
      std::filesystem::path csv = script;
      csv.replace_filename(script.stem().string() + "_" + role + ".csv");
      write_text_file(csv, text, "data file");
      written.push_back(csv);
      plan.path_expression = py_path(csv, script);
      break;
    }
  }
  return plan;
}

std::string schedule_function(const Config& config) {
  const ScheduleConfig& s = config.schedule;
  std::string doc, body;
  if (s.type == ScheduleKind::step) {
    doc = "η·γ^⌊(e−1)/step_every⌋ (PyTorch's StepLR)";
    body = "LEARNING_RATE * " + py_number(s.gamma) + " ** ((epoch - 1) // " + std::to_string(s.step_every) + ")";
  } else if (s.type == ScheduleKind::exponential) {
    doc = "η·γ^(e−1) (PyTorch's ExponentialLR)";
    body = "LEARNING_RATE * " + py_number(s.gamma) + " ** (epoch - 1)";
  } else {
    doc = "η_min + (η − η_min)·(1 + cos(π·(e−1)/epochs))/2 (PyTorch's CosineAnnealingLR)";
    const std::string low = py_number(s.min_learning_rate);
    const std::string cosine = "(1 + math.cos(math.pi * (epoch - 1) / EPOCHS)) / 2";
    body =
        s.min_learning_rate == 0 ? "LEARNING_RATE * " + cosine : low + " + (LEARNING_RATE - " + low + ") * " + cosine;
  }
  return "\n\ndef learning_rate(epoch):\n    \"\"\"optimizer.schedule \"" + name_of(s.type) +
         "\": the learning rate of epoch e = 1, 2, ...\n" + "    " + doc + ".\"\"\"\n    return " + body + "\n";
}

template <typename T>
std::string run_header(const Config& config, DataSplits data, const std::optional<SavedModel>& start,
                       const std::filesystem::path& start_path, const std::filesystem::path& init_path) {
  Trainer<T> trainer(config, std::move(data));
  if (start)
    restore(trainer, *start, start_path);
  else
    save_model(init_path, trainer);
  std::ostringstream header;
  ConsoleReporter(header, 1).on_start(trainer.info());
  std::string line = header.str();
  while (!line.empty() && line.back() == '\n') line.pop_back();
  return line;
}

// The confusion matrix nnlab prints after the test line (src/report.cpp, format_confusion).
const char* kConfusion = R"PY(

def confusion_matrix(split):
    """Counts of (true class, predicted class) over a data set, as nnlab prints them."""
    x, y = splits[split]
    model.eval()
    with torch.no_grad():
        output = model(x)
    if output.shape[1] == 1:  # one sigmoid output: class 1 when σ(z) ≥ 0.5
        truth, guess = (y[:, 0] >= 0.5).long(), (torch.sigmoid(output[:, 0]) >= 0.5).long()
    else:
        truth, guess = y, torch.softmax(output, dim=1).argmax(dim=1)
    classes = len(class_names)
    counts = [[0] * classes for _ in range(classes)]
    for t, g in zip(truth.tolist(), guess.tolist()):
        counts[t][g] += 1
    width = max([9] + [len(str(c)) + len(name) + 2 for c, name in enumerate(class_names)])
    cell = max([4, len(str(classes - 1))] + [len(str(count)) for row in counts for count in row])
    text = "confusion matrix (rows: true class, columns: predicted)\n" + " " * width
    text += "".join(" %*d" % (cell, c) for c in range(classes)) + "\n"
    for r, row in enumerate(counts):
        label = str(r) if class_names[r] == str(r) else f"{r} {class_names[r]}"  # classes named by their index once
        text += label + " " * max(width - len(label), 1) + "".join(" %*d" % (cell, count) for count in row) + "\n"
    return text
)PY";

// nnlab's ways of showing numbers on screen and in files (src/text.cpp, src/report.cpp).
const char* kScreenFormats = R"PY(

def text(value):
    """A number as nnlab writes it in files and equations: the shortest text that reads back as the same number (in
    DTYPE, for a tensor)."""
    if isinstance(value, torch.Tensor):
        return str(value.numpy()[()]) if DTYPE == torch.float32 else text(value.item())
    return repr(value)[:-2] if repr(value).endswith(".0") else repr(value)


def number(value):
    """A number as nnlab shows it on screen: 6 significant digits."""
    return "%.6g" % value


def percent(fraction):
    """An accuracy as nnlab shows it on screen: a percentage with 2 decimals."""
    return "%.2f%%" % (100 * fraction)


def r2_text(r2):
    """R² as nnlab shows it: 6 significant digits, more where 6 would round a fit short of perfect up to 1."""
    for digits in range(6, 17):
        shown = "%.*g" % (digits, r2)
        if r2 == 1 or shown != "1":
            return shown
    return text(r2)


def wrapped_sum(prefix, terms, suffix):
    """'prefix t1 + t2 + ... suffix' as nnlab prints an equation: within 80 columns, broken only before a '+', the
    lines after the first starting with '    + '."""
    words = [prefix + terms[0]] + ["+ " + term for term in terms[1:]]
    words[-1] += suffix
    lines = [""]
    for word in words:
        word = word.replace(" ", "\x01")
        if lines[-1] and len(lines[-1]) + 1 + len(word) > 80:
            lines.append("    " + word)
        else:
            lines[-1] += (" " if lines[-1] else "") + word
    return "\n".join(lines).replace("\x01", " ")


def duration(seconds):
    """An epoch's time as nnlab shows it, with a unit that suits it."""
    if seconds < 1e-6:
        return "<1 µs"
    if seconds < 0.001:
        return "%.0f µs" % (seconds * 1e6)
    if seconds < 0.01:
        return "%.1f ms" % (seconds * 1e3)
    if seconds < 1:
        return "%.0f ms" % (seconds * 1e3)
    if seconds < 60:
        return "%.1f s" % seconds
    whole = math.floor(seconds + 0.5)
    return "%d min %02d s" % (whole // 60, whole % 60)
)PY";

// The epoch line, the overshoot warning and the metrics row, as src/report.cpp and src/diagnostics.cpp write them.
const char* kEpochLines = R"PY(

def epoch_line(r):
    """nnlab's console line for an epoch (src/report.cpp, format_epoch_line): `loss = data + penalty` only when a
    penalty is on; the samples per second only for epochs of 10 ms or more."""
    line = "epoch %*d/%d" % (len(str(EPOCHS)), r["epoch"], EPOCHS)
    line += "  loss " + number(r["loss"]).ljust(9)
    if PENALTY:
        line += " = " + number(r["data_loss"]).ljust(9) + " + " + number(r["penalty"]).ljust(10)
    if r["train_accuracy"] is not None:
        line += "  acc " + percent(r["train_accuracy"]).ljust(7)
    if r["validation_loss"] is not None:
        line += "  val " + number(r["validation_loss"]).ljust(9)
        if r["validation_accuracy"] is not None:
            line += " " + percent(r["validation_accuracy"]).ljust(7)
    if r["epoch"] == 0:
        return line.rstrip() + "  (before training)"
    line += "  " + duration(r["seconds"]).ljust(7)
    if r["seconds"] >= 0.01:
        line += "  %.0f samples/s" % r["samples_per_second"]
    return line.rstrip()


class OvershootWatch:
    """nnlab's warning when the loss rises to more than twice its lowest for the third time (src/diagnostics.cpp)."""

    def __init__(self):
        self.first = self.lowest = 0.0
        self.lowest_epoch = self.rises = 0

    def check(self, epoch, loss, learning_rate):
        if self.lowest_epoch == 0:
            self.first = self.lowest = loss
            self.lowest_epoch = epoch
        if loss < self.lowest:
            self.lowest, self.lowest_epoch = loss, epoch
        if not (loss > 2 * self.lowest and loss - self.lowest > 0.01 * self.first):
            return None
        self.rises += 1
        if self.rises != 3:
            return None
        return (f"the loss rose to {loss:.4g}, more than twice its lowest ({self.lowest:.4g} at epoch "
                f"{self.lowest_epoch}), for the third time; the steps overshoot the minimum, so try a smaller "
                f"learning rate than {learning_rate:.4g} (optimizer.learning_rate)")


def warning_text(epoch, text, width=100):
    """A warning as nnlab prints it (src/report.cpp, format_warning): words on lines of at most `width` columns, the
    hint after the first "; " on indented lines of its own."""
    lines = []

    def wrap(first, words, indent):
        line, empty = first, first.endswith(" ")
        for word in words.split(" ") if words else []:
            if not empty and len((line + " " + word).encode()) > width:
                lines.append(line)
                line, empty = indent, True
            line += ("" if empty else " ") + word
            empty = False
        lines.append(line)

    split = text.find("; ")
    wrap(f"warning: epoch {epoch}:", text if split < 0 else text[:split], "  ")
    if split >= 0:
        wrap("  ", text[split + 2:], "  ")
    return "\n".join(lines)


def metrics_row(r):
    cells = [r[key] for key in METRICS.split(",")]
    return ",".join("" if cell is None else repr(cell) for cell in cells)
)PY";

// regularization.l1_proximal: soft-thresholding after each step (src/regularization.cpp's apply_proximal).
const char* kProximalL1 = R"PY(

def proximal_l1():
    """regularization.l1_proximal: after each step every penalized weight moves towards 0 by η·L1 and stops at exactly
    0 if it would cross it (soft-thresholding); L1 is then not part of the loss's gradient."""
    threshold = optimizer.param_groups[0]["lr"] * L1
    with torch.no_grad():
        for p in penalized:
            p.copy_(torch.where(p.abs() <= threshold, torch.zeros_like(p), p - threshold * p.sign()))
)PY";

// as_rows(t) and save_model(path) up to early stopping's memory; save_model_code() writes the rest for this config.
const char* kSaveModel = R"PY(

def as_rows(t):
    """A tensor as the model file lists it: rows of numbers (a vector is one row)."""
    return t.detach().double().reshape(-1, t.shape[-1]).tolist()


def save_model(path):
    """The model in nnlab's model-file format (README, "Model files"), written to PATH.tmp and renamed."""
    layers = []
    for i, layer in enumerate(start["layers"]):
        saved = {key: layer[key] for key in ("units", "activation", "alpha", "dropout") if key in layer}
        saved["weight"] = as_rows(parameters[f"layers[{i}].weight"])
        saved["bias"] = as_rows(parameters[f"layers[{i}].bias"])[0]
        if f"layers[{i}].slope" in parameters:
            saved["slope"] = as_rows(parameters[f"layers[{i}].slope"])[0]
        if f"layers[{i}].gamma" in parameters:  # batch normalization: γ and β are parameters, the statistics buffers
            saved["batch_norm"] = {"gamma": as_rows(parameters[f"layers[{i}].gamma"])[0],
                                   "beta": as_rows(parameters[f"layers[{i}].beta"])[0],
                                   "running_mean": batch_norms[i].running_mean.double().tolist(),
                                   "running_var": batch_norms[i].running_var.double().tolist()}
        layers.append(saved)
    velocity = {name: as_rows(optimizer.state[p]["momentum_buffer"]) for name, p in parameters.items()
                if optimizer.state[p].get("momentum_buffer") is not None}
    training = {"epochs_done": epochs_done, "batches_done": 0, "velocity": velocity}
    if best_epoch > 0:
        training["early_stopping"] = {"best_epoch": best_epoch, "best_validation_loss": best_loss,
                                      "best_weights": {name: as_rows(t) for name, t in best_weights.items()}}
)PY";

// --model with a config: the saved model the run continues, which must have finished its last epoch.
SavedModel continued_model(const std::filesystem::path& path) {
  SavedModel model = load_model(path);
  if (model.batches_done > 0)
    throw InputError(path.string() + ": training.batches_done: the model is a checkpoint taken in the middle of " +
                     "epoch " + std::to_string(model.epochs_done + 1) + "; the export continues only from the end " +
                     "of an epoch (finish it with nnlab train --resume first)");
  return model;
}

// Everything a training script depends on, decided once; each member function writes one section of it.
struct TrainingScript {
  const Config& config;
  std::filesystem::path script;
  std::optional<std::filesystem::path> start_model;  // --model: the run continues it
  std::optional<SavedModel> start;
  DataSplits data;
  std::vector<std::filesystem::path> written;  // the script, then the files beside it
  std::size_t samples = 0;
  bool soft = false, accuracy = false, classification = false, fused = false;
  std::filesystem::path init_path, start_path;
  std::string header_line;
  SourcePlan train;
  std::optional<SourcePlan> test;
  bool any_csv = false, named_classes = false, shuffles = false, splits = false, scheduled = false;
  bool l1 = false, l2 = false, proximal = false, stopping = false, resuming = false;
  std::string stem, config_name;
  NormalizationKind normalize = NormalizationKind::none;
  bool normalized = false;
  NormalizationKind target_kind = NormalizationKind::none;  // data.normalize_target (mse only), or the continued model's
  bool target_normalized = false;
  SequentialCode net;

  bool uses(SourcePlan::Form form) const { return train.form == form || (test && test->form == form); }

  TrainingScript(const Config& config_, const std::filesystem::path& script_,
                 const std::optional<std::filesystem::path>& start_model_)
      : config(config_), script(script_), start_model(start_model_) {
    check_exportable(config);
    check_writable(script, "script");  // before anything is written beside it
    if (start_model) start = continued_model(*start_model);
    data = load_data(config, start ? &start->schema : nullptr);
    samples = data.train.size();
    // binary_cross_entropy on a column of probabilities (soft targets) has no classes, but still an accuracy
    soft = data.schema.soft_targets;
    accuracy = is_classification(config.loss);
    classification = accuracy && !soft;
    fused = config.loss != LossKind::mse;

    written = {script};
    init_path = script;
    init_path.replace_filename(script.stem().string() + "_init.json");
    start_path = start ? *start_model : init_path;
    header_line = config.dtype == DType::float64 ? run_header<double>(config, data, start, start_path, init_path)
                                            : run_header<float>(config, data, start, start_path, init_path);
    if (!start) written.push_back(init_path);

    train = plan_source(config.data.train, script, "train", config, written);
    if (config.data.test) test = plan_source(*config.data.test, script, "test", config, written);
    any_csv = uses(SourcePlan::Form::csv) || uses(SourcePlan::Form::generated_csv);
    named_classes = classification && uses(SourcePlan::Form::csv);
    shuffles = config.batch_size != 0 && config.batch_size < samples;
    splits = config.data.validation_fraction > 0;
    scheduled = config.schedule.type != ScheduleKind::constant;
    const Regularization& reg = config.regularization;
    l1 = reg.l1 > 0, l2 = reg.l2 > 0, proximal = l1 && reg.l1_proximal;
    stopping = config.early_stopping.patience > 0;
    resuming = start.has_value();
    stem = script.stem().string();
    config_name = config.source.filename().string();

    normalize = config.data.normalize;
    normalized = resuming ? !data.schema.normalization.shift.empty() : normalize != NormalizationKind::none;
    target_kind = data.schema.target_normalization.kind;
    target_normalized = target_kind != NormalizationKind::none;
    net = sequential_code(data.schema.features.size(), config.layers, fused, config.loss, true);
  }

  // The docstring (what the script does, what cannot be bit-identical), imports, settings, RNG.
  std::string header() const {
    std::string py;
    py += "#!/usr/bin/env python3\n";
    py += "\"\"\"" + config_name + " as a PyTorch program, written by `nnlab export`: the run\n\n";
    py += "    nnlab train " + config.source.string() + (resuming ? " --resume " + start_model->string() : "") +
          "\n\nas PyTorch code that prints the same numbers. Run it with\n\n";
    py += "    python3 " + script.filename().string() + "                        # prints nnlab's epoch lines, saves " +
          stem + "_model.json\n";
    py += "    python3 " + script.filename().string() + " --save M.json --metrics metrics.csv\n\n";
    py +=
        R"PY(It reproduces what nnlab does, step by step: it reads the same data with nnlab's rules, holds out the same
validation rows, fits the same normalization, builds the network from PyTorch's own layers, starts from nnlab's
)PY";
    py += resuming ? "saved weights and momentum (" + start_model->filename().string() + "), "
                   : "initial weights (" + init_path.filename().string() + ", drawn by nnlab), ";
    py += R"PY(trains with torch.optim.SGD on the same mini-batches in
the same order, and saves the result as an nnlab model file, which `nnlab predict` and `nnlab eval` read.

What cannot be bit-identical: a matrix product adds up its terms in a different order in PyTorch than in nnlab,
so the last bits differ. In float64 that stays invisible: the per-epoch losses agree to about 1e-13 relative even
after 10,000 steps (nnlab's tests require 1e-9). In float32 they agree to about 1e-8 at first, but the difference
grows with every step, faster with momentum: configs/spiral.json in float32 is 1e-6 apart after 50 epochs and on a
visibly different path after 100 (similar accuracy, other numbers). For the same numbers, train in float64.
)PY";
    py += docstring_notes();
    py += imports_and_settings();
    return py;
  }

  // The docstring's notes on what this config's run does differently: dropout's masks, batch normalization's chaos,
  // early stopping's restore, what diagnostics leaves out.
  std::string docstring_notes() const {
    std::string py;
    if (net.dropout)
      py += R"PY(
Dropout: torch's nn.Dropout draws its masks from torch's own generator, which would make another (equally valid) run.
NnlabDropout below is an nn.Dropout that draws nnlab's masks instead, so the dropout run agrees with nnlab's as
closely as the rest. The masks cost about 0.1 µs per output (0.8 ms per step of 64 × 128 outputs, measured on a
busy 2-core machine).
)PY";
    if (!net.batch_norms.empty())
      py += R"PY(
Batch normalization in a deep stack can make a run chaotic: nnlab's own configs/deep_relu_bn.json (20 layers) in
float64 changes its first epoch's loss in the 4th digit when the learning rate changes in its last bit, so there
even a float64 run here parts ways with nnlab's. Shallow networks agree as above.
)PY";
    if (!net.batch_norms.empty() && stopping)
      py += R"PY(
Early stopping restores the best epoch's weights, batch normalization's γ and β and its running statistics, as
nnlab does (the model file keeps them as training.early_stopping.best_running).
)PY";
    if (config.diagnostics)
      py += R"PY(
training.diagnostics: the script prints the epoch-0 line (the untrained network), but not nnlab's per-layer lines
and warnings (activation spread, gradient and update sizes, dead and saturated units): run `nnlab train` for those.
)PY";
    return py;
  }

  // The docstring's end, the imports this script needs, the run's settings and, where it shuffles, nnlab's RNG.
  std::string imports_and_settings() const {
    std::string py;
    py += R"PY("""
import argparse
)PY";
    if (any_csv) py += "import csv\n";
    if (uses(SourcePlan::Form::idx)) py += "import gzip\n";
    py += "import json\nimport math\nimport os\n";
    if (named_classes) py += "import re\n";
    py += "import sys\nimport time\n\n" + third_party_imports("import numpy as np\nimport torch\nfrom torch import nn\n", false);
    py += "HERE = os.path.dirname(os.path.abspath(__file__))\n";
    py += setting("DTYPE", dtype_name(config.dtype), "training.dtype: all arithmetic in this precision");
    py += setting("SEED", std::to_string(config.seed), "training.seed (the initial weights come from it too)");
    py += setting("EPOCHS", std::to_string(config.epochs), "training.epochs");
    py += setting("LOG_EVERY", std::to_string(config.log_every), "training.log_every");
    py += setting("TARGET", py_string(config.data.target), "data.target");
    py += setting("START", py_path(start_path, script),
                  resuming ? "the model this run continues" : "nnlab's initial weights for this config");
    if (shuffles || splits || net.dropout) py += kRandom;
    return py;
  }

  // Reading, splitting and normalizing the data: src/csv.cpp, src/idx.cpp, src/data.cpp.
  std::string data_section() const {
    std::string py;
    py += "\n\n# ---------------------------------------------------------------- data (" +
          std::string(any_csv ? "src/csv.cpp, " : "") + (uses(SourcePlan::Form::idx) ? "src/idx.cpp, " : "") +
          "src/data.cpp)";
    if (any_csv) py += kReadCsv;
    if (named_classes) py += kClassOrder;
    if (uses(SourcePlan::Form::idx)) py += kReadIdx;
    py += "\n\n";
    if (resuming) {
      py += "start = json.load(open(START))\n";
      py += "# continuing a saved model: its class names and normalization, as `nnlab train --resume` keeps them\n";
      py += "class_names = start[\"data\"][\"class_names\"]\n";
    } else if (classification && train.form != SourcePlan::Form::csv) {
      const auto& names = data.schema.class_names;
      py += setting("class_names", py_strings(names),
                    config.data.class_names.empty() ? "classes 0, 1, ..." : "data.class_names");
    } else if (!classification) {
      py += soft ? "# binary_cross_entropy on a column of numbers that are not two whole numbers: probabilities (soft "
                   "targets)\nclass_names = []\n"
                 : "class_names = []  # regression\n";
    }
    py += load_source_code(train, "train", config, classification, !resuming);
    if (test) py += load_source_code(*test, "test", config, classification, false);
    if (splits) py += validation_split_code();
    py += normalization_code();
    if (target_normalized) py += target_normalization_code();
    py += inputs_and_targets_code() + splits_code();
    return py;
  }

  // data.validation_fraction: the same held-out rows as nnlab's (src/data.cpp's hold_out_validation).
  std::string validation_split_code() const {
    std::string py;
    py += "\n# data.validation_fraction " + py_number(config.data.validation_fraction) +
          ": nnlab shuffles the row numbers with its split stream and holds out the last round(f·n);\n"
          "# both parts keep file order\n";
    py += "n = len(x_train)\n";
    py += "held_out = math.floor(" + py_number(config.data.validation_fraction) + " * n + 0.5)\n";
    py += "order = shuffled(n, SPLIT)\n";
    py += "validation_rows, train_rows = sorted(order[n - held_out:]), sorted(order[:n - held_out])\n";
    py += "x_validation, y_validation = x_train[validation_rows], y_train[validation_rows]\n";
    py += "x_train, y_train = x_train[train_rows], y_train[train_rows]\n";
    return py;
  }

  // data.normalize: the inputs' shift and scale, fitted on the training rows (or the continued model's).
  std::string normalization_code() const {
    std::string py;
    if (resuming || normalize != NormalizationKind::none) py += "\n";
    if (resuming) {
      py += "normalization = start[\"data\"][\"normalization\"]\n";
      py += "shift, scale = np.array(normalization[\"shift\"]), np.array(normalization[\"scale\"])\n";
    } else if (normalize == NormalizationKind::standard) {
      py +=
          "# data.normalize \"standard\": x' = (x − mean)·(1/std) per feature, fitted on the training rows only, with\n"
          "# the population standard deviation (ddof 0; torch.std's default is ddof 1); a constant feature gets scale "
          "1\n";
      py += "shift, spread = x_train.mean(axis=0), x_train.std(axis=0)\n";
      py += "scale = np.divide(1.0, spread, out=np.ones_like(spread), where=spread > 0)\n";
    } else if (normalize == NormalizationKind::minmax) {
      py +=
          "# data.normalize \"minmax\": x' = (x − min)·(1/(max − min)) per feature, fitted on the training rows only;\n"
          "# a constant feature gets scale 1\n";
      py += "shift, spread = x_train.min(axis=0), x_train.max(axis=0) - x_train.min(axis=0)\n";
      py += "scale = np.divide(1.0, spread, out=np.ones_like(spread), where=spread > 0)\n";
    }
    return py;
  }

  // inputs(x) and targets(y): the tensors the network and the loss see.
  std::string inputs_and_targets_code() const {
    std::string py;
    py += "\n\ndef inputs(x):\n";
    if (normalized) {
      py +=
          "    \"\"\"Inputs as the network sees them: normalized in float64, then rounded to DTYPE, as nnlab forms "
          "its batches.\"\"\"\n";
      py += "    return torch.from_numpy((x - shift) * scale).to(DTYPE)\n";
    } else {
      py += "    \"\"\"Inputs as the network sees them (data.normalize \"none\"), in DTYPE.\"\"\"\n";
      py += "    return torch.from_numpy(x).to(DTYPE)\n";
    }
    py += "\n\ndef targets(y):\n";
    if (config.loss == LossKind::cross_entropy)
      py += "    return torch.from_numpy(y).long()  # class indices, as nn.CrossEntropyLoss takes them\n";
    else if (config.loss == LossKind::binary_cross_entropy)
      py += (soft ? "    return torch.from_numpy(y).to(DTYPE).reshape(-1, 1)  # probabilities, one column like the output\n"
                 : "    return torch.from_numpy(y).to(DTYPE).reshape(-1, 1)  # 0 or 1, one column like the output\n");
    else if (target_normalized)
      py += "    return torch.from_numpy(scaled_target(y)).to(DTYPE)  # data.normalize_target\n";
    else
      py += "    return torch.from_numpy(y).to(DTYPE)\n";
    return py;
  }

  // The splits as tensors (and, for regression, their targets as read), and the training set's size.
  std::string splits_code() const {
    std::string py;
    py += "\n\nsplits = {\"train\": (inputs(x_train), targets(y_train))}\n";
    if (splits) py += "splits[\"validation\"] = (inputs(x_validation), targets(y_validation))\n";
    if (test) py += "splits[\"test\"] = (inputs(x_test), targets(y_test))\n";
    if (config.loss == LossKind::mse) {  // for the rmse and R² lines: the targets as read, in float64
      py += "raw_targets = {\"train\": y_train" + std::string(splits ? ", \"validation\": y_validation" : "") +
            (test ? ", \"test\": y_test" : "") + "}\n";
    }
    py += "x, y = splits[\"train\"]\n";
    py += "N = len(y)  # training samples\n";
    return py;
  }

  // data.normalize_target: the target's shift and scale, fitted on the training rows (or the continued model's).
  std::string target_normalization_code() const {
    std::string py = "\n";
    if (resuming) {
      py += "target_normalization = start[\"data\"][\"target_normalization\"]  # the continued model's\n";
      py += "target_shift = np.array(target_normalization[\"shift\"])\n";
      py += "target_scale = np.array(target_normalization[\"scale\"])\n";
    } else {
      py += "# data.normalize_target \"" + name_of(target_kind) +
            "\": the network learns t' = (t − shift)·scale per target column, fitted on the\n"
            "# training rows only as the features are; the losses are on that scale, the rmse and R² lines at the end "
            "in the\n# target's own units\n";
      if (target_kind == NormalizationKind::standard)
        py += "target_shift, spread = y_train.mean(axis=0), y_train.std(axis=0)  # ddof 0\n";
      else
        py += "target_shift, spread = y_train.min(axis=0), y_train.max(axis=0) - y_train.min(axis=0)\n";
      py += "target_scale = np.divide(1.0, spread, out=np.ones_like(spread), where=spread > 0)\n";
    }
    py += R"PY(

def scaled_target(y):
    """t' = (t − shift)·scale, in float64."""
    return (y - target_shift) * target_scale


def target_units(t):
    """Back to the target's own units: t'/scale + shift, in float64 (as nnlab's denormalize)."""
    return t / target_scale + target_shift
)PY";
    return py;
  }

  // nn.Sequential and nnlab's initial (or saved) weights.
  std::string network_section() const {
    std::string py;
    py +=
        "\n\n# ---------------------------------------------------------------- the network (src/network.cpp, "
        "src/dense.cpp)\n";
    if (net.dropout) py += std::string(kDropout) + "\n\n";
    py += sequential_text(net, config.dtype);
    py += kLoadWeights;
    if (!net.batch_norms.empty()) py += kLoadRunning;
    py += "\n\n";
    if (!resuming) py += "start = json.load(open(START))\n";
    py += "load_weights(saved_tensors(start))\n";
    if (!net.batch_norms.empty()) py += "load_running_statistics(start)\n";

    return py;
  }

  // Loss, penalties, SGD and the schedule.
  std::string optimizer_section() const {
    const Regularization& reg = config.regularization;
    std::string py;
    py += "\n\n# ---------------------------------------------------------------- loss, penalties, optimizer\n";
    py += "# (src/losses.cpp, src/regularization.cpp, src/optimizer.cpp)\n";
    if (config.loss == LossKind::mse)
      py += "loss_function = nn.MSELoss()  # loss \"mse\": the mean of (a − t)² over samples and outputs\n";
    else if (config.loss == LossKind::cross_entropy)
      py += "loss_function = nn.CrossEntropyLoss()  # loss \"cross_entropy\": softmax and −log p[target], averaged\n";
    else
      py +=
          "loss_function = nn.BCEWithLogitsLoss()  # loss \"binary_cross_entropy\": sigmoid and −t·log p − "
          "(1−t)·log(1−p), averaged\n";
    py += setting("LEARNING_RATE", py_number(config.optimizer.learning_rate), "optimizer.learning_rate");
    py += setting("MOMENTUM", py_number(config.optimizer.momentum), "optimizer.momentum");
    py += setting("NESTEROV", py_bool(config.optimizer.nesterov), "optimizer.nesterov");
    py += setting("BATCH_SIZE", config.batch_size ? std::to_string(config.batch_size) : "N",
                  config.batch_size ? "optimizer.batch_size" : "optimizer.batch_size 0: the whole training set");
    if (net.dropout && shuffles) py += setting("BATCHES", "-(-N // BATCH_SIZE)", "batches per epoch (the last may be shorter)");
    std::vector<std::string> penalized = net.weights, free;
    for (const auto& b : net.biases) (reg.include_bias ? penalized : free).push_back(b);
    for (const auto& s : net.slopes) free.push_back(s);
    for (const auto& s : net.norm_parameters) free.push_back(s);
    py += (l1 || l2) ? penalty_code(penalized) : "\n";
    py += sgd_code(free);
    if (scheduled) py += scheduler_code();
    if (proximal) py += kProximalL1;
    return py;
  }

  // regularization: the L1 and L2 strengths, the parameters they apply to, and penalty() as nnlab reports it.
  std::string penalty_code(const std::vector<std::string>& penalized) const {
    const Regularization& reg = config.regularization;
    std::string py;
    py += "\n# regularization: penalty = L1·Σ|w| + L2·Σw² over the weights" +
          std::string(reg.include_bias ? " and biases (include_bias)" : " (include_bias false: not the biases)") +
          (net.slopes.empty() ? "" : "; never PReLU slopes") +
          (net.norm_parameters.empty() ? "" : "; never batch normalization's γ and β") + "\n";
    if (l1)
      py += setting("L1", py_number(reg.l1) + (reg.l1_per_sample ? " / N" : ""),
                    "regularization.l1" + std::string(reg.l1_per_sample ? " / samples (l1_per_sample)" : ""));
    if (l2)
      py += setting("L2", py_number(reg.l2) + (reg.l2_per_sample ? " / N" : ""),
                    "regularization.l2" + std::string(reg.l2_per_sample ? " / samples (l2_per_sample)" : ""));
    py += "penalized = " + py_list(penalized) + "\n";
    py += "\n\ndef penalty():\n    \"\"\"The penalty nnlab reports, summed in float64.\"\"\"\n";
    py += "    with torch.no_grad():\n        return ";
    if (l1) py += "L1 * sum(p.double().abs().sum().item() for p in penalized)";
    if (l1 && l2) py += " + \\\n            ";
    if (l2) py += "L2 * sum((p.double() ** 2).sum().item() for p in penalized)";
    py += "\n";
    py += "\n\n";
    return py;
  }

  // torch.optim.SGD with nnlab's momentum (and L2 as weight decay); a continued run's velocities.
  std::string sgd_code(const std::vector<std::string>& free) const {
    std::string py;
    py += "# SGD as nnlab runs it, in PyTorch's form: v ← μ·v + g, w ← w − η·v (Nesterov: w ← w − η·(g + μ·v))\n";
    if (l2) {
      py += "# L2's gradient 2·L2·w is SGD's weight_decay = 2·L2, given only to the penalized parameters\n";
      if (free.empty()) {
        py += "optimizer = torch.optim.SGD([{\"params\": penalized, \"weight_decay\": 2 * L2}],\n";
      } else {
        py += "optimizer = torch.optim.SGD([{\"params\": penalized, \"weight_decay\": 2 * L2},\n";
        py += "                             {\"params\": " + py_list(free) + ", \"weight_decay\": 0}],\n";
      }
      py += "                            lr=LEARNING_RATE, momentum=MOMENTUM, nesterov=NESTEROV)\n";
    } else {
      py += "optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE, momentum=MOMENTUM, nesterov=NESTEROV)\n";
    }
    if (resuming) {
      py += "epochs_done = start[\"training\"][\"epochs_done\"]\n";
      py += "for name, velocity in start[\"training\"][\"velocity\"].items():  # momentum carries on where it was\n";
      py += "    p = parameters[name]\n";
      py +=
          "    optimizer.state[p][\"momentum_buffer\"] = torch.tensor(velocity, dtype=torch.float64).reshape(p.shape)"
          ".to(DTYPE)\n";
    } else {
      py += "epochs_done = 0\n";
    }
    return py;
  }

  // optimizer.schedule: nnlab's learning-rate formula, applied through LambdaLR.
  std::string scheduler_code() const {
    std::string py;
    py += schedule_function(config);
    py += "\n\n# LambdaLR sets the learning rate to LEARNING_RATE · lr_lambda(epochs done) before each epoch\n";
    py += "for group in optimizer.param_groups:\n    group[\"initial_lr\"] = LEARNING_RATE\n";
    py +=
        "scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda done: learning_rate(done + 1) / "
        "LEARNING_RATE,\n";
    py += "                                              last_epoch=epochs_done - 1)\n";
    return py;
  }

  // Evaluation, epoch lines, metrics rows and the model file.
  std::string report_section() const {
    std::string py;
    py +=
        "\n\n# ---------------------------------------------------------------- evaluation, reports, the model file\n";
    py += "# (src/trainer.cpp, src/report.cpp, src/model_io.cpp)\n";
    py += evaluate_code();
    if (classification) py += kConfusion;
    if (config.loss == LossKind::mse) py += regression_line_code();
    py += report_code();
    py += std::string(kScreenFormats) + kEpochLines + save_model_code();
    return py;
  }

  // evaluate(split): the mean loss (and accuracy) of the current weights over a whole split.
  std::string evaluate_code() const {
    std::string py;
    py += "def evaluate(split):\n";
    py += "    \"\"\"Mean loss" + std::string(accuracy ? " and accuracy" : "") +
          " over a whole data set (the loss summed in float64, as nnlab does even in float32).\"\"\"\n";
    py += R"PY(    x, y = splits[split]
    model.eval()  # evaluation mode: batch normalization on its running statistics, no dropout
    with torch.no_grad():
        output = model(x)
)PY";
    if (config.loss == LossKind::cross_entropy) {
      py += "        loss = loss_function(output.double(), y).item()\n";
      py += "        predicted = torch.softmax(output, dim=1).argmax(dim=1)  # the most probable class\n";
      py += "        return loss, (predicted == y).double().mean().item()\n";
    } else if (config.loss == LossKind::binary_cross_entropy) {
      py += "        loss = loss_function(output.double(), y.double()).item()\n";
      py +=
          "        # right when the prediction σ(z) and the target lie on the same side of 0.5 (0.5 counts as the "
          "upper "
          "side)\n";
      py += "        return loss, ((torch.sigmoid(output) >= 0.5) == (y >= 0.5)).double().mean().item()\n";
    } else {
      py += "        return loss_function(output.double(), y.double()).item(), None\n";
    }
    return py;
  }

  // regression_line(split): the errors in the target's own units, as src/regression.cpp prints them.
  std::string regression_line_code() const {
    std::string py;
    py += R"PY(

def running_sum(values):
    """Σ values added one after another, in nnlab's order (np.sum adds pairwise, which rounds differently)."""
    return float(np.cumsum(values)[-1]) if len(values) else 0.0


def regression_line(split):
    """The split's errors in the target's own units (src/regression.cpp): the root of the mean squared error, and R²
    (1 − residual/total sum of squares, averaged over the target columns).)PY";
    py += target_normalized ? " Both after undoing data.normalize_target.\"\"\"\n" : "\"\"\"\n";
    py += "    model.eval()\n    with torch.no_grad():\n        predicted = model(splits[split][0]).double().numpy()\n";
    py += target_normalized ? "    predicted, truth = target_units(predicted), target_units(scaled_target(raw_targets[split]))\n"
                            : "    truth = raw_targets[split]\n";
    py += R"PY(    n, k = truth.shape
    squares, r2_sum, r2_defined = 0.0, 0.0, True
    for c in range(k):
        mean = running_sum(truth[:, c]) / n
        residual = running_sum((predicted[:, c] - truth[:, c]) * (predicted[:, c] - truth[:, c]))
        total = running_sum((truth[:, c] - mean) * (truth[:, c] - mean))
        squares += residual
        if total > 0:
            r2_sum += 1 - residual / total
        else:
            r2_defined = False
    mse = squares / (n * k)
    line = f"{split} rmse {number(math.sqrt(mse))}, R² " + (r2_text(r2_sum / k) if r2_defined else "- (constant target)")
)PY";
    py += target_normalized ? "    return line + f\" (target's units; mse {number(mse)})\"\n" : "    return line\n";
    return py;
  }

  // report(epoch, ...): the numbers nnlab reports after an epoch, and the settings its lines need.
  std::string report_code() const {
    std::string py;
    py += "\n\n";
    py += "HEADER = " + py_string(header_line) + "\n";
    py += setting("PENALTY", py_bool(l1 || l2), "the epoch lines show loss = data loss + penalty");
    py +=
        R"PY(METRICS = "epoch,loss,data_loss,penalty,validation_loss,train_accuracy,validation_accuracy,learning_rate,seconds," \
          "samples_per_second"


def report(epoch, learning_rate, seconds):
    """The numbers nnlab reports after an epoch, for the current weights."""
    r = {"epoch": epoch, "learning_rate": learning_rate, "seconds": seconds,
         "samples_per_second": N / seconds if seconds > 0 else 0}
    r["data_loss"], r["train_accuracy"] = evaluate("train")
)PY";
    py += (l1 || l2) ? "    r[\"penalty\"] = penalty()\n" : "    r[\"penalty\"] = 0.0\n";
    py += "    r[\"loss\"] = r[\"data_loss\"] + r[\"penalty\"]\n";
    py += splits ? "    r[\"validation_loss\"], r[\"validation_accuracy\"] = evaluate(\"validation\")\n"
                 : "    r[\"validation_loss\"] = r[\"validation_accuracy\"] = None\n";
    py += "    return r\n";
    return py;
  }

  // save_model(path): the model in nnlab's model-file format (model_io.cpp), early stopping's memory included.
  std::string save_model_code() const {
    std::string py = kSaveModel;
    if (!net.batch_norms.empty() && stopping)
      py += "        if best_running:  # in the order of the layers: running_mean, running_var\n"
            "            training[\"early_stopping\"][\"best_running\"] = [t.double().tolist() for pair in best_running\n"
            "                                                           for t in pair]\n";
    py += R"PY(    data = {"features": features, "target": TARGET, "class_names": class_names,
            "normalization": {"kind": )PY";
    py += resuming ? "normalization[\"kind\"]" : py_string(name_of(normalize));
    py += normalized ? ", \"shift\": shift.tolist(), \"scale\": scale.tolist()}," : ", \"shift\": [], \"scale\": []},";
    py += "\n            \"target_normalization\": {\"kind\": " + py_string(name_of(target_kind));
    py += target_normalized ? ", \"shift\": target_shift.tolist(), \"scale\": target_scale.tolist()}}"
                            : ", \"shift\": [], \"scale\": []}}";
    py += R"PY(
    saved = {"format": "nnlab-model", "version": 3, "dtype": str(DTYPE).replace("torch.", ""), "inputs": len(features),
             "loss": start["loss"], "layers": layers, "data": data, "training": training, "config": start["config"]}
    with open(path + ".tmp", "w") as file:
        file.write(json.dumps(saved) + "\n")
    os.replace(path + ".tmp", path)
)PY";

    return py;
  }

  // The loop: batches, early stopping, the summary, saving.
  std::string training_section() const {
    std::string py;
    py += "\n\n# ---------------------------------------------------------------- training (src/trainer.cpp)\n";
    py += early_stopping_memory() + train_step_code() + run_start_code() + epoch_loop_code();
    if (stopping) py += return_to_best_code();
    py += final_lines_code() + neuron_equation_code() + test_and_save_code();
    return py;
  }

  // training.early_stopping's settings, and its memory of the best epoch (empty, or the continued model's).
  std::string early_stopping_memory() const {
    std::string py;
    if (stopping) {
      py +=
          "# training.early_stopping: stop when the validation loss has not improved by more than MIN_DELTA for "
          "PATIENCE\n# epochs, and keep the weights of the best epoch\n";
      py += setting("PATIENCE", std::to_string(config.early_stopping.patience), "training.early_stopping.patience");
      py += setting("MIN_DELTA", py_number(config.early_stopping.min_delta), "training.early_stopping.min_delta");
    }
    if (resuming) {
      py += "best = start[\"training\"].get(\"early_stopping\")  # early stopping's memory, kept in the model file\n";
      py +=
          "best_epoch, best_loss = (best[\"best_epoch\"], best[\"best_validation_loss\"]) if best else (0, math.inf)\n";
      py +=
          "best_weights = {name: torch.tensor(rows, dtype=torch.float64).reshape(parameters[name].shape).to(DTYPE)\n"
          "                for name, rows in best[\"best_weights\"].items()} if best else {}\n";
      if (!net.batch_norms.empty())
        py += "best_rows = best.get(\"best_running\", []) if best else []  # running_mean, running_var per layer\n"
              "best_running = [(torch.tensor(best_rows[k], dtype=torch.float64).to(DTYPE),\n"
              "                 torch.tensor(best_rows[k + 1], dtype=torch.float64).to(DTYPE))\n"
              "                for k in range(0, len(best_rows), 2)]\n";
    } else {
      py += "best_epoch, best_loss, best_weights = 0, math.inf, {}\n";
      if (!net.batch_norms.empty()) py += "best_running = []  # batch normalization's running statistics at the best epoch\n";
    }
    return py;
  }

  // train_step(rows): one step of SGD on one mini-batch, as src/step.cpp takes it.
  std::string train_step_code() const {
    std::string py;
    py += R"PY(

def train_step(rows)PY";
    py += net.dropout ? ", step):\n" : "):\n";
    py += "    \"\"\"One step of SGD on one mini-batch: forward, loss, backward, update.";
    py += proximal ? " Then the proximal L1 step.\"\"\"\n" : "\"\"\"\n";
    if (!net.batch_norms.empty() || net.dropout)
      py += "    model.train()  # training mode: " +
            std::string(net.batch_norms.empty() ? "" : "batch normalization on the batch's statistics (and updating its running ones)") +
            (!net.batch_norms.empty() && net.dropout ? ",\n    # " : "") + (net.dropout ? "dropout on" : "") + "\n";
    if (net.dropout)
      py += "    NnlabDropout.generator = Mt19937_64(stream_seed(DROPOUT, step))  # this step's masks: step = epochs done · "
            "batches per epoch + batch\n";
    py += "    optimizer.zero_grad()\n";
    py += "    loss = loss_function(model(x[rows]), y[rows])\n";
    if (l1 && !proximal)
      py += "    loss = loss + L1 * sum(p.abs().sum() for p in penalized)  # L1's gradient L1·sign(w)\n";
    py += "    loss.backward()\n    optimizer.step()\n";
    if (proximal) py += "    proximal_l1()\n";
    return py;
  }

  // The command line, the metrics file, the header and (with diagnostics) the untrained network's epoch 0.
  std::string run_start_code() const {
    std::string py;
    py += "\n\n";
    py += "arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])\n";
    py += "arguments.add_argument(\"--save\", default=os.path.join(HERE, " + py_string(stem + "_model.json") +
          "), help=\"the trained model (nnlab's format)\")\n";
    py += "arguments.add_argument(\"--metrics\", help=\"one CSV row per epoch, as nnlab train --metrics writes\")\n";
    py += "arguments = arguments.parse_args()\n";
    py += "metrics = open(arguments.metrics, \"w\") if arguments.metrics else None\n";
    py += "if metrics:\n    print(METRICS, file=metrics)\n";
    if (target_normalized)
      py += "print(\"the target \" + TARGET + \" is normalized (data.normalize_target \\\"" + name_of(target_kind) +
            "\\\"): the losses below\\nare on that scale; the last lines give the errors in its own units\")\n";
    py += "\nprint(HEADER)\nstopped_early = False\nfirst_epoch = epochs_done + 1\novershoot = OvershootWatch()\n";
    if (config.diagnostics && !resuming) {
      py += "# training.diagnostics: the untrained network's numbers first, as epoch 0 (nnlab's per-layer lines are "
            "not exported)\n";
      py += "r = report(0, optimizer.param_groups[0][\"lr\"], 0.0)\nprint(epoch_line(r))\n";
      py += "if metrics:\n    print(metrics_row(r), file=metrics)\n";
    }
    return py;
  }

  // One pass over the batches per epoch, its report, and early stopping's bookkeeping.
  std::string epoch_loop_code() const {
    std::string py;
    py += "for epoch in range(first_epoch, EPOCHS + 1):\n";
    py += "    learning_rate_now = optimizer.param_groups[0][\"lr\"]\n";
    py += "    started = time.perf_counter()\n";
    py += epoch_batches_code();
    py += "    r = report(epoch, learning_rate_now, time.perf_counter() - started)\n";
    py += "    epochs_done = epoch\n";
    if (scheduled) py += "    scheduler.step()\n";
    if (stopping) {
      py += "    if r[\"validation_loss\"] < best_loss - MIN_DELTA:\n";
      py += "        best_epoch, best_loss = epoch, r[\"validation_loss\"]\n";
      py += "        best_weights = {name: p.detach().clone() for name, p in parameters.items()}\n";
      if (!net.batch_norms.empty())
        py += "        best_running = [(norm.running_mean.clone(), norm.running_var.clone()) for norm in "
              "batch_norms.values()]\n";
    }
    py +=
        "    if epoch == first_epoch or epoch == EPOCHS or epoch % LOG_EVERY == 0:  # the first, every LOG_EVERY-th, "
        "the last\n";
    py += "        print(epoch_line(r), flush=True)\n";
    py += "    warning = overshoot.check(epoch, r[\"loss\"], r[\"learning_rate\"])\n";
    py += "    if warning:\n        print(warning_text(epoch, warning))\n";
    py += "    if metrics:\n        print(metrics_row(r), file=metrics, flush=True)\n";
    py += "    if not math.isfinite(r[\"loss\"]):\n";
    py +=
        "        raise SystemExit(f\"error: epoch {epoch}: the loss became {r['loss']}; try a smaller learning "
        "rate\")\n";
    if (stopping) {
      py += "    if best_weights and epoch - best_epoch >= PATIENCE:\n";
      py += "        stopped_early = True\n        break\n";
    }
    return py;
  }

  // One epoch's steps: the batches of a fresh permutation, or the whole training set as one batch.
  std::string epoch_batches_code() const {
    std::string py;
    if (shuffles) {
      py += "    # a fresh permutation every epoch, from (seed, epoch) alone; the last batch may be shorter\n";
      py += "    order = torch.tensor(shuffled(N, SHUFFLE, epoch))\n";
      if (net.dropout) {
        py += "    for batch, first in enumerate(range(0, N, BATCH_SIZE)):\n";
        py += "        train_step(order[first:first + BATCH_SIZE], (epoch - 1) * BATCHES + batch)\n";
      } else {
        py += "    for first in range(0, N, BATCH_SIZE):\n";
        py += "        train_step(order[first:first + BATCH_SIZE])\n";
      }
    } else {
      py += std::string("    train_step(slice(None)") + (net.dropout ? ", epoch - 1" : "") +
            ")  # one batch, the whole training set in file order\n";
    }
    return py;
  }

  // After early stopping: the best epoch's weights (and running statistics) back, and their numbers.
  std::string return_to_best_code() const {
    std::string py;
    py += R"PY(
if stopped_early:
    load_weights(best_weights)
)PY";
    if (!net.batch_norms.empty())
      py += "    for norm, (mean, variance) in zip(batch_norms.values(), best_running):  # empty from an older file\n"
            "        norm.running_mean.copy_(mean)\n        norm.running_var.copy_(variance)\n";
    py += R"PY(    r = report(r["epoch"], r["learning_rate"], r["seconds"])  # the numbers of the weights kept
    print(f"stopped early at epoch {r['epoch']}: the validation loss has not improved since epoch {best_epoch}")
    print(f"kept the weights of epoch {best_epoch}")
)PY";
    return py;
  }

  // The final loss and accuracy lines.
  std::string final_lines_code() const {
    std::string py;
    py += "print(f\"final loss {number(r['loss'])}\"";
    py += (l1 || l2) ? " + f\" (data {number(r['data_loss'])} + penalty {number(r['penalty'])})\")\n" : ")\n";
    if (accuracy) {
      py += "print(f\"final train accuracy {percent(r['train_accuracy'])}";
      py += splits ? ", validation accuracy {percent(r['validation_accuracy'])}\")\n" : "\")\n";
    }
    return py;
  }

  // One neuron is the equation z = w·x + b: nnlab prints it, for one input as the linear-fit article does.
  std::string neuron_equation_code() const {
    const std::size_t inputs = data.schema.features.size();
    if (config.layers.size() != 1 || config.layers[0].units != 1 || inputs > 12) return "";
    std::string py;
    py += "weight, bias = model[0].weight.detach()[0], model[0].bias.detach()[0]\n";
    py += "terms = [f\"{text(w)} * {" + std::string(inputs == 1 ? "'x'" : "name") +
          "}\" for w, name in zip(weight, features)] + [text(bias)]\n";
    py += "print(wrapped_sum(\"y = \", terms, \"\"))\n";
    const ActivationKind activation = config.layers[0].activation.kind;
    if (activation != ActivationKind::linear)
      py += "print(wrapped_sum(\"(the neuron outputs " + name_of(activation) + "(\", terms, \"))\"))\n";
    if (config.data.normalize != NormalizationKind::none)
      py += "print(" +
            py_string(std::string("(") + (inputs == 1 ? "x is the input" : "the inputs are") +
                      " after data.normalize \"" + name_of(config.data.normalize) + "\")") +
            ")\n";
    return py;
  }

  // The test set's numbers, regression's errors in the target's units, and the saved model.
  std::string test_and_save_code() const {
    std::string py;
    if (test) {
      py += "test_loss, test_accuracy = evaluate(\"test\")\n";
      py += accuracy ? "print(f\"test loss {number(test_loss)}, test accuracy {percent(test_accuracy)} "
                       "({len(splits['test'][1])} samples)\")\n"
                     : "print(f\"test loss {number(test_loss)} ({len(splits['test'][1])} samples)\")\n";
      if (classification) py += "print(confusion_matrix(\"test\"), end=\"\")\n";
    }
    if (config.loss == LossKind::mse) {
      py += "for split in raw_targets:  # regression: the errors in the target's own units\n";
      py += "    print(regression_line(split))\n";
    }
    py += "save_model(arguments.save)\nprint(f\"saved the model to {os.path.relpath(arguments.save)}\")\n";
    return py;
  }
};

}  // namespace

namespace {

// Every config key the training script reproduces, as config_to_json writes it ("[]": any list index). init_gain
// only scales the initial weights, which come from nnlab itself.
const std::set<std::string> kExportedKeys = {
    "data", "data.train", "data.test", "data.target", "data.features", "data.class_names",
    "data.validation_fraction", "data.normalize", "data.normalize_target",
    // each source: a CSV, IDX files, or a generator, and a limit
    "data.train.csv", "data.train.images", "data.train.labels", "data.train.generate", "data.train.samples",
    "data.train.noise", "data.train.seed", "data.train.classes", "data.train.limit", "data.test.csv",
    "data.test.images", "data.test.labels", "data.test.generate", "data.test.samples", "data.test.noise",
    "data.test.seed", "data.test.classes", "data.test.limit",
    "model", "model.layers", "model.layers[]", "model.layers[].units", "model.layers[].activation",
    "model.layers[].alpha", "model.layers[].init", "model.layers[].init_gain", "model.layers[].batch_norm",
    "model.layers[].dropout", "model.init", "model.init_gain",
    "loss", "optimizer", "optimizer.learning_rate", "optimizer.momentum", "optimizer.nesterov",
    "optimizer.batch_size", "optimizer.schedule", "optimizer.schedule.type", "optimizer.schedule.step_every",
    "optimizer.schedule.gamma", "optimizer.schedule.min_learning_rate",
    "regularization", "regularization.l1", "regularization.l2", "regularization.include_bias",
    "regularization.l1_per_sample", "regularization.l2_per_sample", "regularization.l1_proximal",
    "training", "training.epochs", "training.seed", "training.log_every", "training.dtype", "training.diagnostics",
    "training.early_stopping", "training.early_stopping.patience", "training.early_stopping.min_delta"};

// A value that leaves a feature off: false, 0, "none", null or empty.
bool neutral(const nlohmann::json& value) {
  if (value.is_boolean()) return !value.get<bool>();
  if (value.is_number()) return value.get<double>() == 0;
  if (value.is_string()) return value.get<std::string>() == "none" || value.get<std::string>().empty();
  return value.is_null() || value.empty();
}

void check_keys(const nlohmann::json& value, const std::string& pattern, const std::string& path,
                const std::string& source) {
  if (!pattern.empty() && !kExportedKeys.count(pattern)) {
    if (neutral(value)) return;
    throw InputError(source + ": " + path + ": " + value.dump() + " cannot be exported to PyTorch yet (nnlab export " +
                     "does not reproduce this key); remove it to export the rest");
  }
  const auto join_key = [](const std::string& prefix, const std::string& key) {
    return prefix.empty() ? key : prefix + "." + key;
  };
  if (value.is_object())
    for (const auto& [key, item] : value.items()) check_keys(item, join_key(pattern, key), join_key(path, key), source);
  if (value.is_array() && pattern == "model.layers")
    for (std::size_t i = 0; i < value.size(); ++i)
      check_keys(value[i], pattern + "[]", path + "[" + std::to_string(i) + "]", source);
}

}  // namespace

void check_exportable_keys(const std::string& config_json, const std::string& source) {
  check_keys(nlohmann::json::parse(config_json), "", "", source);
}

void check_exportable(const Config& config) {
  check_exportable_keys(config_to_json(config), config.source.string());
  for (std::size_t i = 0; i < config.layers.size(); ++i)
    activation_module(config.layers[i].activation, config.layers[i].units);
}

std::vector<std::filesystem::path> export_pytorch_training(const Config& config, const std::filesystem::path& script,
                                                           const std::optional<std::filesystem::path>& start_model) {
  const TrainingScript plan(config, script, start_model);
  write_text_file(script,
                  plan.header() + plan.data_section() + plan.network_section() + plan.optimizer_section() +
                      plan.report_section() + plan.training_section(),
                  "script");
  return plan.written;
}

namespace {

// Everything a model's inference module depends on; each member function writes one part of it.
struct InferenceScript {
  const SavedModel& model;
  const std::filesystem::path& model_path;
  const std::filesystem::path& script;
  const SequentialCode net = sequential_code(model.inputs, model.layers, false, model.loss);
  const bool classification = !model.schema.class_names.empty();
  const bool normalized = !model.schema.normalization.shift.empty();
  const bool target_normalized = model.schema.target_normalization.kind != NormalizationKind::none;
  const std::string name = script.stem().string();

  // The docstring (how to use it, how closely it agrees with nnlab), imports, and what it reads from the model file.
  std::string header() const {
    std::string py;
    py += "#!/usr/bin/env python3\n";
    py += "\"\"\"" + model_path.filename().string() + " as a PyTorch module, written by `nnlab export --model " +
          model_path.string() + " --to pytorch`.\n\n";
    py += "    from " + name + " import predict, FEATURES\n";
    py += "    outputs = predict([[...], [...]])        # rows of features, in FEATURES order\n";
    py += "    python3 " + script.filename().string() + " rows.csv              # prints what `nnlab predict` prints\n\n";
    py +=
        "The network is built from PyTorch's own layers; its trained weights, the normalization and the class names are\n"
        "read from the model file when this module loads. It computes in the model's dtype (" +
        name_of(model.dtype) +
        "), so its outputs\n"
        "agree with `nnlab predict` up to the order in which a matrix product adds its terms: the last bit or two.\n"
        "\"\"\"\n";
    py += "import csv\nimport json\nimport os\nimport sys\n\n" + third_party_imports("import torch\nfrom torch import nn\n", true);
    py += "HERE = os.path.dirname(os.path.abspath(__file__))\n";
    py += setting("MODEL", py_path(model_path, script), "the nnlab model file");
    py += setting("DTYPE", dtype_name(model.dtype), "the precision the model was trained in");
    py += "saved = json.load(open(MODEL))\n";
    py += setting("FEATURES", "saved[\"data\"][\"features\"]", "the inputs, in order: " + join(model.schema.features));
    py += setting("CLASS_NAMES", "saved[\"data\"][\"class_names\"]",
                  classification ? "output column i is the probability of class i" : "empty: a regression model");
    if (normalized) {
      py += "# the network sees x' = (x − shift)·scale, computed in float64 and then rounded to DTYPE, as in nnlab\n";
      py += "SHIFT = torch.tensor(saved[\"data\"][\"normalization\"][\"shift\"], dtype=torch.float64)\n";
      py += "SCALE = torch.tensor(saved[\"data\"][\"normalization\"][\"scale\"], dtype=torch.float64)\n";
    }
    if (target_normalized) {
      py += "# the network learned the target as t' = (t − shift)·scale (data.normalize_target \"" +
            name_of(model.schema.target_normalization.kind) + "\"): predict() undoes it\n";
      py += "TARGET_SHIFT = torch.tensor(saved[\"data\"][\"target_normalization\"][\"shift\"], dtype=torch.float64)\n";
      py += "TARGET_SCALE = torch.tensor(saved[\"data\"][\"target_normalization\"][\"scale\"], dtype=torch.float64)\n";
    }
    return py;
  }

  // nn.Sequential with the model's weights (and running statistics), in evaluation mode.
  std::string network() const {
    std::string py;
    py += "\n";
    py += sequential_text(net, model.dtype);
    py += kLoadWeights;
    if (!net.batch_norms.empty()) py += kLoadRunning;
    py += "\n\nload_weights(saved_tensors(saved))\n";
    if (!net.batch_norms.empty()) py += "load_running_statistics(saved)\n";
    py += "model.eval()  # evaluation mode" +
          std::string(net.batch_norms.empty() && !net.dropout ? "" : ": batch normalization on its running statistics, no dropout") +
          "\n";
    return py;
  }

  // predict(rows), and for a classifier predicted_class(output).
  std::string predict_code() const {
    std::string py;
    py += R"PY(

def predict(rows):
    """The network's outputs for rows of features (columns in FEATURES order), one row of outputs per input row.)PY";
    if (classification)
      py += model.layers.back().units == 1
                ? "\n    One sigmoid output: the probability of class 1, " + model.schema.class_names[1] + ".\"\"\"\n"
                : "\n    Columns: the probabilities of CLASS_NAMES.\"\"\"\n";
    else
      py += "\"\"\"\n";
    py += "    x = torch.tensor(rows, dtype=torch.float64).reshape(-1, len(FEATURES))\n";
    if (normalized) py += "    x = (x - SHIFT) * SCALE\n";
    if (target_normalized) {
      py += "    with torch.no_grad():  # outputs in the target's own units: t'/scale + shift, in float64, then DTYPE\n";
      py += "        return (model(x.to(DTYPE)).double() / TARGET_SCALE + TARGET_SHIFT).to(DTYPE)\n";
    } else {
      py += "    with torch.no_grad():\n        return model(x.to(DTYPE))\n";
    }
    if (classification) {
      py += R"PY(

def predicted_class(output):
    """The class nnlab names for one output row: the most probable, or class 1 when one sigmoid output is ≥ 0.5."""
    if len(output) == 1:
        return CLASS_NAMES[int(output[0] >= 0.5)]
    return CLASS_NAMES[int(torch.argmax(output))]
)PY";
    }
    return py;
  }

  // Run as a program: `nnlab predict`'s output for a CSV file of rows.
  std::string main_code() const {
    std::string py;
    py += R"PY(

def text(value):
    """The shortest text that reads back as the same number in DTYPE, as nnlab writes numbers."""
    return str(value.numpy()[()]) if DTYPE == torch.float32 else repr(value.item())


if __name__ == "__main__":
    with open(sys.argv[1], newline="", encoding="utf-8-sig") as file:
        table = list(csv.DictReader(file, skipinitialspace=True))
    outputs = predict([[float(row[name].strip()) for name in FEATURES] for row in table])
)PY";
    if (classification) {
      py += "    print(\",\".join([\"predicted\"] + [\"p_\" + name for name in CLASS_NAMES]))\n";
      py += "    for output in outputs:\n";
      py += "        probabilities = [1 - output[0], output[0]] if len(output) == 1 else list(output)\n";
      py += "        print(\",\".join([predicted_class(output)] + [text(p) for p in probabilities]))\n";
    } else {
      py += "    print(saved[\"data\"][\"target\"])\n";
      py += "    for output in outputs:\n        print(\",\".join(text(value) for value in output))\n";
    }
    return py;
  }
};

}  // namespace

void export_pytorch_inference(const SavedModel& model, const std::filesystem::path& model_path,
                              const std::filesystem::path& script) {
  const InferenceScript module{model, model_path, script};
  write_text_file(script, module.header() + module.network() + module.predict_code() + module.main_code(), "script");
}

}  // namespace nnlab

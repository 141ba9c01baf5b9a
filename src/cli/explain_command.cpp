// `nnlab explain`: one training step of a config, number by number, exactly as the trainer takes it. The step is
// train_step (src/step.cpp) run by the Trainer on the config's own batch; this file only copies what the step's
// observer hooks show and prints it. It computes no gradient and no update of its own.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "flags.hpp"
#include "nnlab/batch_norm.hpp"
#include "nnlab/errors.hpp"
#include "nnlab/model_io.hpp"
#include "nnlab/text.hpp"
#include "nnlab/trainer.hpp"

namespace nnlab::cli {
namespace {

using Matrix = Tensor<double>;

struct LayerTrace {
  std::string activation;
  bool batch_norm = false;
  double dropout = 0;
  Matrix linear;        // with batch norm: l = X·Wᵀ + b, which batch norm turns into z (batch, units)
  Matrix batch_mean, batch_variance, running_mean, running_var;  // with batch norm (1, units); running: after
  Matrix z, f, a;       // (batch, units): z, f(z), and the output a (f(z) after dropout; f is empty without it)
  Matrix multiplier;    // with dropout: M/(1 − p), 0 for a dropped output (batch, units)
  Matrix f_prime;       // f'(z), (batch, units); empty for softmax, whose Jacobian is not diagonal
  Matrix d_output;      // dL/dA (batch, units); empty for the last layer under a fused head
  Matrix d_f;           // with dropout: dL/df(z) = dL/dA ⊙ M/(1 − p)
  Matrix d_z;           // dL/dZ (batch, units)
  Matrix d_linear;      // with batch norm: dL/dl
  Matrix d_weight, d_bias;
};

struct ParameterTrace {
  std::string name;
  ParameterKind kind = ParameterKind::weight;
  Matrix before, data_gradient, gradient;  // gradient = data + penalty, what the optimizer follows
  Matrix velocity_before, velocity_after;  // empty without momentum
  Matrix after_update;                     // after the optimizer, before the proximal step
  Matrix after;
};

// Copies of the step's numbers, taken by train_step's observer hooks as the step passes them.
struct StepTrace final : StepObserver<double> {
  const Network<double>* network = nullptr;
  const LossHead<double>* head = nullptr;
  Matrix inputs, targets;
  double loss = 0;
  double learning_rate = 0;
  std::size_t training_rows = 0;  // N of the per-sample penalties (l1 / N, l2 / N)
  std::vector<LayerTrace> layers;
  std::vector<ParameterTrace> parameters;

  void on_forward(const Network<double>& net, const Matrix& x, const Matrix& y) override {
    network = &net;
    inputs = x;
    targets = y;
    layers.assign(net.layer_count(), {});
    for (std::size_t i = 0; i < net.layer_count(); ++i) {
      const Dense<double>& layer = net.layer(i);
      LayerTrace& trace = layers[i];
      trace.activation = name_of(layer.activation().kind());
      trace.dropout = layer.dropout();
      if (const BatchNorm<double>* bn = layer.batch_norm()) {
        trace.batch_norm = true;
        trace.linear = layer.linear();
        trace.batch_mean = bn->batch_mean();
        trace.batch_variance = bn->batch_variance();
        trace.running_mean = bn->running_mean;
        trace.running_var = bn->running_var;
      }
      trace.z = layer.Z();
      trace.a = layer.A();
      trace.f = layer.activated();
      trace.multiplier = layer.dropout_multiplier();
      const Matrix& f = trace.f.size() ? trace.f : trace.a;  // f'(z) from f(z), before any dropout
      if (!layer.activation().derivative(layer.Z(), f, trace.f_prime)) trace.f_prime = {};
    }
    loss = head->loss(net.last_layer(), y);
  }
  void on_head(const StepBuffers<double>& buffers) override {
    layers.back().d_output = buffers.d_output;
    layers.back().d_z = buffers.d_logits;
  }
  void on_data_gradient(const std::vector<Parameter<double>*>& ps) override {
    for (std::size_t i = 0; i < layers.size(); ++i) {
      const Dense<double>& layer = network->layer(i);
      if (i + 1 < layers.size()) {
        layers[i].d_output = network->layer(i + 1).dX();
        layers[i].d_f = layer.d_activated();
        layers[i].d_z = layer.dZ();
      }
      layers[i].d_linear = layer.d_linear();
      layers[i].d_weight = layer.weight.grad;
      layers[i].d_bias = layer.bias.grad;
    }
    parameters.assign(ps.size(), {});
    for (std::size_t k = 0; k < ps.size(); ++k) {
      parameters[k].name = ps[k]->name;
      parameters[k].kind = ps[k]->kind;
      parameters[k].before = ps[k]->value;
      parameters[k].data_gradient = ps[k]->grad;
    }
  }
  void on_full_gradient(const std::vector<Parameter<double>*>& ps, const Sgd<double>& optimizer) override {
    learning_rate = optimizer.learning_rate();
    for (std::size_t k = 0; k < ps.size(); ++k) {
      parameters[k].gradient = ps[k]->grad;
      if (!optimizer.velocity().empty()) parameters[k].velocity_before = optimizer.velocity()[k];
    }
  }
  void on_update(const std::vector<Parameter<double>*>& ps, const Sgd<double>& optimizer) override {
    for (std::size_t k = 0; k < ps.size(); ++k) {
      parameters[k].after_update = ps[k]->value;
      if (!optimizer.velocity().empty()) {
        parameters[k].velocity_after = optimizer.velocity()[k];
        if (parameters[k].velocity_before.size() == 0)  // the first step creates the velocity, from zero
          parameters[k].velocity_before = Matrix(ps[k]->value.rows(), ps[k]->value.cols());
      }
    }
  }
  void on_step_end(const std::vector<Parameter<double>*>& ps) override {
    for (std::size_t k = 0; k < ps.size(); ++k) parameters[k].after = ps[k]->value;
  }
};

Matrix difference(const Matrix& a, const Matrix& b) {
  Matrix d = a;
  for (std::size_t i = 0; i < d.size(); ++i) d[i] -= b[i];
  return d;
}

// ------------------------------------------------------------------------------------------------ text

std::string number(double value) { return formatted("%.6g", value); }

constexpr std::size_t kWidth = 80;                     // the text fits an 80-column terminal
constexpr std::size_t kShownRows = 8, kShownCols = 8;  // larger tensors are summarized unless --full

// "[a, b, c]", wrapped after a comma so that no line is wider than kWidth; `indent` starts the continued lines.
std::string bracketed(const std::vector<double>& values, std::size_t first_column, const std::string& indent) {
  std::string out = "[", line_so_far;
  std::size_t column = first_column + 1;
  for (std::size_t i = 0; i < values.size(); ++i) {
    const std::string item = number(values[i]) + (i + 1 < values.size() ? "," : "]");
    if (i && column + 1 + item.size() > kWidth) {
      out += "\n" + indent + " ";
      column = indent.size() + 1;
    } else if (i) {
      out += " ";
      ++column;
    }
    out += item;
    column += item.size();
  }
  return values.empty() ? "[]" : out;
}

std::vector<double> row_values(const Matrix& m, std::size_t r) { return {m.row(r), m.row(r) + m.cols()}; }

// "label (r×c) = [..]" for a row or a column, every row on its own line for a few rows, or for a large tensor its
// shape and statistics: minimum, mean, maximum and the share of exact zeros.
void show(const std::string& indent, const std::string& label, const Matrix& m, bool full) {
  if (m.size() == 0) return;
  const std::string head = indent + label + " (" + std::to_string(m.rows()) + "x" + std::to_string(m.cols()) + ")";
  if (!full && (m.rows() > kShownRows || m.cols() > kShownCols)) {
    double least = m[0], most = m[0], sum = 0;
    std::size_t zeros = 0;
    for (double v : m.values()) least = std::min(least, v), most = std::max(most, v), sum += v, zeros += v == 0;
    char stats[160];
    std::snprintf(stats, sizeof stats, "min %.4g, mean %.4g, max %.4g, %.3g%% zeros", least,
                  sum / double(m.size()), most, 100.0 * double(zeros) / double(m.size()));
    const bool fits = head.size() + 2 + std::strlen(stats) <= kWidth;
    std::cout << head << (fits ? ": " : ":\n" + indent + "  ") << stats << "\n";
    return;
  }
  if (m.rows() == 1 || m.cols() == 1) {  // a row, or a column shown on one line (one value per row)
    const std::string lead = head + (m.rows() == 1 ? " = " : " by row = ");
    const std::vector<double> values =
        m.rows() == 1 ? row_values(m, 0) : std::vector<double>(m.values().begin(), m.values().end());
    if (lead.size() + 4 < kWidth) {
      std::cout << lead << bracketed(values, lead.size(), std::string(lead.size(), ' ')) << "\n";
    } else {
      std::cout << head << ":\n" << indent << "  " << bracketed(values, indent.size() + 2, indent + "  ") << "\n";
    }
    return;
  }
  std::cout << head << ":\n";
  for (std::size_t r = 0; r < m.rows(); ++r)
    std::cout << indent << "  " << bracketed(row_values(m, r), indent.size() + 2, indent + "  ") << "\n";
}

// "relu", "relu, batch norm, dropout 0.5"
std::string layer_parts(const LayerTrace& layer) {
  std::string parts = layer.activation;
  if (layer.batch_norm) parts += ", batch norm";
  if (layer.dropout > 0) parts += ", dropout " + number(layer.dropout);
  return parts;
}

std::string rows_text(const std::vector<std::size_t>& rows) {
  std::string out;
  const std::size_t shown = std::min<std::size_t>(rows.size(), 4);
  for (std::size_t i = 0; i < shown; ++i) out += (i ? ", " : "") + std::to_string(rows[i]);
  if (rows.size() > shown) out += ", ...";
  return out;
}

// Whether the step ends with proximal L1's shrink (regularization.cpp).
bool proximal_l1(const Config& config) { return config.regularization.l1_proximal && config.regularization.l1 != 0; }

// A penalty's strength as the step uses it: λ, or λ / N when it is per sample.
std::string strength(double lambda, bool per_sample, std::size_t rows) {
  return round_trip(lambda) + (per_sample && lambda != 0 ? " / " + std::to_string(rows) + " rows" : "");
}

std::string update_rule(const Config& config, std::size_t rows) {
  const SgdSettings& o = config.optimizer;
  std::string rule;
  if (o.momentum == 0)
    rule = "w <- w - lr * g";
  else if (o.nesterov)
    rule = "v <- " + round_trip(o.momentum) + " * v + g,  w <- w - lr * (g + " + round_trip(o.momentum) + " * v)";
  else
    rule = "v <- " + round_trip(o.momentum) + " * v + g,  w <- w - lr * v";
  if (proximal_l1(config))
    rule += std::string(",\n  then the proximal L1 step w <- sign(w) * max(|w| - lr * l1") +
            (config.regularization.l1_per_sample ? " / " + std::to_string(rows) : "") + ", 0)";
  return rule;
}

std::string head_formula(const LossHead<double>& head) {
  switch (head.kind()) {
    case LossKind::mse: return "dL/d(output) = 2 * (f(z) - target) / (rows * outputs)";
    case LossKind::cross_entropy: return "dL/dz = (softmax(z) - one_hot(target)) / rows   (softmax fused in)";
    case LossKind::binary_cross_entropy: return "dL/dz = (sigmoid(z) - target) / (rows * outputs)   (sigmoid fused in)";
  }
  return "";
}

// Where the step is, whether large tensors are summarized, and the settings the update uses.
void print_settings(const StepTrace& trace, const Config& config, const std::string& where, bool full) {
  const bool proximal = proximal_l1(config);
  std::cout << where << "\n";
  bool large = trace.inputs.rows() > kShownRows || trace.inputs.cols() > kShownCols;
  for (const LayerTrace& layer : trace.layers) large = large || layer.z.cols() > kShownCols;
  if (large && !full) std::cout << "(tensors over " << kShownRows << "x" << kShownCols << " are summarized; --full prints every number)\n";
  const Regularization& penalty = config.regularization;
  std::cout << "learning rate " << round_trip(trace.learning_rate) << ", loss " << name_of(config.loss) << ", l1 "
            << strength(penalty.l1, penalty.l1_per_sample, trace.training_rows) << (proximal ? " (proximal)" : "")
            << ", l2 " << strength(penalty.l2, penalty.l2_per_sample, trace.training_rows) << ", momentum " << round_trip(config.optimizer.momentum)
            << (config.optimizer.nesterov ? " (Nesterov)" : "") << "\n";
}

// batch_norm.cpp, in training: z from the batch's own statistics, and the running statistics evaluation uses.
void print_batch_norm_forward(const LayerTrace& layer, const std::string& input, bool full) {
  show("    ", "l = " + input + " * W^T + b", layer.linear, full);
  std::cout << "    batch norm (batch_norm.cpp), on the batch's mean and variance of l (n rows):\n"
               "      z = gamma * (l - mean) / sqrt(variance + " + round_trip(BatchNorm<double>::kEpsilon) + ") + beta\n";
  show("    ", "mean", layer.batch_mean, full);
  show("    ", "variance", layer.batch_variance, full);
  show("    ", "z", layer.z, full);
  const std::string momentum = round_trip(BatchNorm<double>::kMomentum), keep = round_trip(1 - BatchNorm<double>::kMomentum);
  std::cout << "    running statistics, which evaluation uses instead:\n"
               "      running mean <- " + keep + " * running mean + " + momentum + " * mean\n"
               "      running var <- " + keep + " * running var + " + momentum + " * variance * n/(n - 1)\n";
  show("    ", "running mean", layer.running_mean, full);
  show("    ", "running var", layer.running_var, full);
}

// Layer i's parameters before the step, then z, f(z) and (with dropout) the output.
void print_forward_layer(const StepTrace& trace, std::size_t i, bool full) {
  const LayerTrace& layer = trace.layers[i];
  std::cout << "  layer " << i << " (" << layer_parts(layer) << ")\n";
  for (const ParameterTrace& p : trace.parameters)
    if (p.name.starts_with("layers[" + std::to_string(i) + "]."))
      show("    ", p.name.substr(p.name.find('.') + 1), p.before, full);
  const std::string input = i ? "input" : "X";
  if (layer.batch_norm)
    print_batch_norm_forward(layer, input, full);
  else
    show("    ", "z = " + input + " * W^T + b", layer.z, full);
  if (layer.multiplier.size()) {  // dense.cpp: inverted dropout, in training only
    show("    ", "f(z)", layer.f, full);
    show("    ", "dropout m = 0 or 1/(1 - " + number(layer.dropout) + ")", layer.multiplier, full);
    show("    ", "output = f(z) * m", layer.a, full);
  } else {
    show("    ", "f(z)", layer.a, full);
  }
}

void print_loss(const StepTrace& trace, const Config& config, double penalty, bool full) {
  std::cout << "\nloss\n";
  show("  ", "target", trace.targets, full);
  if (trace.head->kind() == LossKind::mse)
    show("  ", "error = f(z) - target", difference(trace.layers.back().a, trace.targets), full);
  const std::size_t n = trace.inputs.rows();
  std::cout << "  " << name_of(config.loss) << " = " << round_trip(trace.loss) << " (mean over " << n
            << (n == 1 ? " row" : " rows") << ")\n  penalty = " << round_trip(penalty) << "\n";
}

// Layer i backward: dL/d(output) from the layer above (or the head), dL/dz, through batch norm, then dL/dW, dL/db.
void print_backward_layer(const StepTrace& trace, std::size_t i, bool full) {
  const LayerTrace& layer = trace.layers[i];
  const bool last = i + 1 == trace.layers.size();
  std::cout << "  layer " << i << " (" << layer_parts(layer) << ")\n";
  if (!last)
    std::cout << "    dL/d(output) = " << (trace.layers[i + 1].batch_norm ? "dL/dl" : "dL/dz") << " of layer " << i + 1
              << " * its W\n";
  show("    ", "dL/d(output)", layer.d_output, full);
  const bool dropped = layer.d_f.size() != 0;
  if (dropped) show("    ", "dL/df(z) = dL/d(output) * m (the forward's dropout)", layer.d_f, full);
  if (layer.d_output.size()) show("    ", "f'(z)", layer.f_prime, full);
  show("    ",
       !layer.d_output.size() ? "dL/dz (the head's)"
       : dropped              ? "dL/dz = dL/df(z) * f'(z)"
                              : "dL/dz = dL/d(output) * f'(z)",
       layer.d_z, full);
  std::string gradient = "dL/dz";
  if (layer.batch_norm) {
    std::cout << "    back through batch norm (batch_norm.cpp), with s = sqrt(variance + " +
                     round_trip(BatchNorm<double>::kEpsilon) + "):\n"
                 "      dL/dgamma = sum of rows of dL/dz * (l - mean) / s\n"
                 "      dL/dbeta = sum of rows of dL/dz\n"
                 "      dL/dl = gamma / s * (dL/dz - mean of rows of dL/dz\n"
                 "                           - (l - mean) / s * dL/dgamma / n)\n";
    show("    ", "dL/dl", layer.d_linear, full);
    gradient = "dL/dl";
  }
  show("    ", "dL/dW = " + gradient + "^T * input", layer.d_weight, full);
  show("    ", "dL/db = sum of " + gradient + "'s rows", layer.d_bias, full);
}

// Per parameter: data and penalty gradient, velocity, learning rate, proximal shrink, change, value after.
void print_update(const StepTrace& trace, const Config& config, bool full) {
  const bool momentum = config.optimizer.momentum != 0;
  const bool proximal = proximal_l1(config);
  std::cout << "\nupdate (optimizer.cpp, regularization.cpp)\n  g = data gradient + penalty gradient\n  "
            << update_rule(config, trace.training_rows) << "\n";
  for (const ParameterTrace& p : trace.parameters) {
    std::cout << "  " << p.name << "\n";
    show("    ", "data gradient", p.data_gradient, full);
    show("    ", "penalty gradient", difference(p.gradient, p.data_gradient), full);
    if (momentum) {
      show("    ", "velocity before", p.velocity_before, full);
      show("    ", "velocity after", p.velocity_after, full);
    }
    std::cout << "    learning rate " << round_trip(trace.learning_rate) << "\n";
    if (proximal) show("    ", "proximal shrink", difference(p.after_update, p.after), full);
    show("    ", "change", difference(p.after, p.before), full);
    show("    ", "value after", p.after, full);
  }
}

// The step as text, in the order train_step takes it: forward, loss, backward, update.
void print_text(const StepTrace& trace, const Config& config, const std::string& where, double penalty, bool full) {
  print_settings(trace, config, where, full);
  std::cout << "\nforward\n";
  show("  ", "input X", trace.inputs, full);
  for (std::size_t i = 0; i < trace.layers.size(); ++i) print_forward_layer(trace, i, full);
  print_loss(trace, config, penalty, full);
  std::cout << "\nbackward, from the loss head (losses.cpp):\n  " << head_formula(*trace.head) << "\n";
  for (std::size_t i = trace.layers.size(); i-- > 0;) print_backward_layer(trace, i, full);
  print_update(trace, config, full);
}

// ------------------------------------------------------------------------------------------------ JSON

nlohmann::json to_json(const Matrix& m) {
  nlohmann::json rows = nlohmann::json::array();
  for (std::size_t r = 0; r < m.rows(); ++r) {
    nlohmann::json row = nlohmann::json::array();
    for (std::size_t c = 0; c < m.cols(); ++c) row.push_back(m(r, c));
    rows.push_back(row);
  }
  return rows;
}

nlohmann::json trace_json(const StepTrace& trace, const Config& config, std::size_t epoch, std::size_t batch,
                          const std::vector<std::size_t>& rows, double penalty) {
  nlohmann::json out = {{"epoch", epoch},        {"batch", batch},          {"rows", rows},
                        {"loss", name_of(config.loss)},   {"data_loss", trace.loss}, {"penalty", penalty},
                        {"learning_rate", trace.learning_rate},             {"inputs", to_json(trace.inputs)},
                        {"targets", to_json(trace.targets)}};
  for (const LayerTrace& layer : trace.layers) {
    nlohmann::json j = {{"activation", layer.activation},
                        {"z", to_json(layer.z)},
                        {"f_z", to_json(layer.f.size() ? layer.f : layer.a)},
                        {"output", to_json(layer.a)},
                        {"f_prime_z", layer.f_prime.size() ? to_json(layer.f_prime) : nlohmann::json()},
                        {"d_output", layer.d_output.size() ? to_json(layer.d_output) : nlohmann::json()},
                        {"d_z", to_json(layer.d_z)},
                        {"d_weight", to_json(layer.d_weight)},
                        {"d_bias", to_json(layer.d_bias)}};
    if (layer.batch_norm) {
      j["linear"] = to_json(layer.linear);
      j["batch_mean"] = to_json(layer.batch_mean);
      j["batch_variance"] = to_json(layer.batch_variance);
      j["running_mean_after"] = to_json(layer.running_mean);
      j["running_var_after"] = to_json(layer.running_var);
      j["d_linear"] = to_json(layer.d_linear);
    }
    if (layer.multiplier.size()) {
      j["dropout_multiplier"] = to_json(layer.multiplier);
      j["d_f_z"] = to_json(layer.d_f);
    }
    out["layers"].push_back(j);
  }
  for (const ParameterTrace& p : trace.parameters) {
    nlohmann::json j = {{"name", p.name},
                        {"before", to_json(p.before)},
                        {"data_gradient", to_json(p.data_gradient)},
                        {"penalty_gradient", to_json(difference(p.gradient, p.data_gradient))},
                        {"gradient", to_json(p.gradient)},
                        {"learning_rate", trace.learning_rate},
                        {"after_update", to_json(p.after_update)},
                        {"proximal_shrink", to_json(difference(p.after_update, p.after))},
                        {"change", to_json(difference(p.after, p.before))},
                        {"after", to_json(p.after)}};
    if (p.velocity_after.size()) {
      j["velocity_before"] = to_json(p.velocity_before);
      j["velocity_after"] = to_json(p.velocity_after);
    }
    out["parameters"].push_back(j);
  }
  return out;
}

// The penalty of the weights the step started from (what the objective adds to the data loss).
double penalty_before(const StepTrace& trace, const Config& config, std::size_t samples) {
  std::vector<Parameter<double>> copies;
  for (const ParameterTrace& p : trace.parameters) copies.push_back({p.name, p.kind, p.before, {}});
  std::vector<Parameter<double>*> pointers;
  for (auto& p : copies) pointers.push_back(&p);
  return Regularizer(config.regularization, samples).penalty(pointers);
}

}  // namespace

CLI::App* add_explain_command(CLI::App& app, ExplainOptions& options) {
  CLI::App* explain = app.add_subcommand(
      "explain",
      "Show one training step exactly as nnlab train takes it, number by number: the config's first batch "
      "(all rows when batch_size is 0), forward, loss, backward, penalty, update");
  add_version_flag(*explain);
  explain->add_option("config", options.config_path, "The JSON config file")->required();
  CLI::Option* batch = whole_number_flag(*explain, "--batch", options.batch, 1, kAnyCount,
                                         "Which step of the run to show: 1 (default) is the first batch");
  explain->add_option("--model", options.model_path,
                      "Start from a model saved with nnlab train --save (its weights, momentum and epoch) instead of "
                      "the initial weights");
  whole_number_flag(*explain, "--sample", options.sample, 0, kAnyCount,
                    "Instead of the config's batch, one step on this training row alone (0-based)")
      ->excludes(batch);
  boolean_flag(*explain, "--full", options.full, "Print every number of large tensors instead of a summary");
  boolean_flag(*explain, "--json", options.json, "Print the step as JSON (every number, round-trip precision)");
  return explain;
}

// --batch K must name a step the run takes: K counts from where the run stands (the start, or --model's epoch).
void check_step_exists(const Trainer<double>& trainer, std::size_t batch) {
  const std::size_t per_epoch = trainer.batches_per_epoch();
  const std::size_t epochs = trainer.config().epochs, done = trainer.epochs_done() * per_epoch + trainer.batches_done();
  const std::size_t left = epochs * per_epoch > done ? epochs * per_epoch - done : 0;
  if (batch > left)
    throw InputError("--batch: the run has " + std::to_string(left) + " steps left (" +
                     std::to_string(epochs) + " epochs of " + std::to_string(per_epoch) +
                     (per_epoch == 1 ? " batch" : " batches") + (trainer.epochs_done() > 0 ? ", " + std::to_string(trainer.epochs_done()) +
                                                                  " done" : std::string()) +
                     "), got " + std::to_string(batch));
}

int run_explain(const ExplainOptions& options) {
  // explain works in float64 whatever the config says: its point is exact arithmetic.
  Config config = load_config(options.config_path);
  const bool float32 = config.dtype == DType::float32;
  config.dtype = DType::float64;
  std::optional<SavedModel> model;
  if (!options.model_path.empty()) model = load_model(options.model_path);
  Trainer<double> trainer(config, load_data(config, model ? &model->schema : nullptr));
  if (model) restore(trainer, *model, options.model_path);
  const Dataset& train = trainer.data().train;

  StepTrace trace;
  trace.head = &trainer.head();
  trace.training_rows = train.size();
  // A K the user chose must be a step the run takes. Without one (K = 1) or with --sample, a --model whose run has
  // ended is explained from where it stands: the step a longer run would take next.
  if (!options.sample && options.batch > 1) check_step_exists(trainer, options.batch);
  std::vector<std::size_t> rows;
  const std::size_t epoch = trainer.epochs_done() + 1 + (options.batch - 1 + trainer.batches_done()) /
                                                            trainer.batches_per_epoch();
  const std::size_t batch = (options.batch - 1 + trainer.batches_done()) % trainer.batches_per_epoch() + 1;
  std::string where;
  if (options.sample) {
    if (*options.sample >= train.size())
      throw InputError("--sample: there are " + std::to_string(train.size()) + " training rows (0 to " +
                       std::to_string(train.size() - 1) + "), got " + std::to_string(*options.sample));
    rows = {*options.sample};
    trainer.train_step_on(rows, &trace);
    where = "one training step of " + trainer.network().describe() + "\non training row " +
            std::to_string(*options.sample) + " alone (--sample; nnlab train's steps take " +
            std::to_string(trainer.batch_size()) + " rows)";
  } else {
    rows = trainer.train_steps(options.batch, &trace);
    where = "one training step of " + trainer.network().describe() +
            (model ? ", starting from " + options.model_path : "") + "\nepoch " + std::to_string(epoch) +
            ", batch " + std::to_string(batch) + " of " + std::to_string(trainer.batches_per_epoch()) + ": " +
            (rows.size() == train.size() ? "all " + std::to_string(rows.size()) + " training rows"
                                         : std::to_string(rows.size()) + " training rows (" + rows_text(rows) + ")");
  }
  if (float32) where += "\nin float64 (the config trains in float32: its numbers differ in the last digits)";
  const double penalty = penalty_before(trace, config, train.size());
  if (options.json)
    std::cout << trace_json(trace, config, epoch, options.sample ? 1 : batch, rows, penalty).dump() << "\n";
  else
    print_text(trace, config, where, penalty, options.full);
  return 0;
}

}  // namespace nnlab::cli

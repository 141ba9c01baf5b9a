// Diagnostics, the NaN/Inf tripwire, proximal L1 and the learner commands (compare, gradcheck, explain, plot).
#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>
#include <fstream>

#include "helpers.hpp"
#include "nnlab/diagnostics.hpp"
#include "nnlab/errors.hpp"
#include "nnlab/gradcheck.hpp"
#include "nnlab/model_io.hpp"
#include "nnlab/regularization.hpp"
#include "nnlab/trainer.hpp"

using namespace nnlab;
using namespace nnlab::test;

namespace {

// 6 samples with 2 features, all in [1, 2]: positive inputs, so the sign of a unit's z is set by its weights.
Dataset positive_data() {
  Tensor<double> x(6, 2), y(6, 1);
  for (std::size_t r = 0; r < 6; ++r) x(r, 0) = 1 + 0.2 * double(r), x(r, 1) = 2 - 0.1 * double(r), y(r, 0) = 0.5;
  return Dataset(x, y);
}

Config two_layer(const std::string& hidden, std::size_t units) {
  Config config;
  config.layers = {{units, kind_from<ActivationKind>(hidden, "test")}, {1, ActivationKind::linear}};
  config.dtype = DType::float64;
  config.diagnostics = true;
  config.epochs = 1;
  return config;
}

}  // namespace

TEST_CASE("a layer with units known to be dead reports exactly that fraction", "[diagnostics]") {
  for (const std::string activation : {"relu", "leaky_relu", "elu", "prelu"}) {
    CAPTURE(activation);
    Trainer<double> trainer(two_layer(activation, 4), positive_data());
    Dense<double>& layer = trainer.network().layer(0);
    // Units 0 and 1 see positive weights; units 2 and 3 negative weights and bias: z < 0 for every sample.
    const double weights[4][2] = {{1, 1}, {0.5, 0.1}, {-1, -1}, {-0.2, -0.3}};
    for (std::size_t u = 0; u < 4; ++u) {
      layer.weight.value(u, 0) = weights[u][0], layer.weight.value(u, 1) = weights[u][1];
      layer.bias.value[u] = u < 2 ? 0.1 : -0.5;
    }
    DiagnosticsCollector<double> collector(trainer.network());
    const auto layers = collector.finish_epoch(trainer.data().train);
    REQUIRE(layers[0].dead_fraction.value() == 0.5);
    REQUIRE_FALSE(layers[0].saturated_fraction);
    REQUIRE_FALSE(layers[1].dead_fraction);  // a linear layer has no dead units
  }
}

TEST_CASE("saturated units and activation statistics are counted exactly", "[diagnostics]") {
  Trainer<double> trainer(two_layer("sigmoid", 4), positive_data());
  Dense<double>& layer = trainer.network().layer(0);
  layer.weight.value.fill(0);
  layer.bias.value[0] = 20;   // σ ≈ 1 for every sample: saturated
  layer.bias.value[1] = -20;  // σ ≈ 0: saturated
  layer.bias.value[2] = 0;    // σ = 0.5: not
  layer.bias.value[3] = 1;
  Dense<double>& output = trainer.network().layer(1);
  output.weight.value.fill(0);
  output.bias.value[0] = 3;
  DiagnosticsCollector<double> collector(trainer.network());
  const auto layers = collector.finish_epoch(trainer.data().train);
  REQUIRE(layers[0].saturated_fraction.value() == 0.5);
  REQUIRE(layers[1].activation_mean == 3);
  REQUIRE(layers[1].activation_std == 0);
  REQUIRE(layers[0].zero_weights == 8);
  REQUIRE(layers[0].weights == 8);
}

TEST_CASE("gradient norms and update ratios are those of the steps taken", "[diagnostics]") {
  Config config = two_layer("tanh", 3);
  config.optimizer.learning_rate = 0.1;  // plain gradient descent, one full-batch step
  config.init = Init::xavier;
  Trainer<double> reference(config, positive_data());
  Tensor<double> x, y;
  reference.data().train.gather_range(0, 6, x, y);
  reference.compute_gradients(x, y);
  double gradient = 0, weights = 0;
  for (std::size_t i = 0; i < 6; ++i) {
    gradient += std::pow(reference.network().layer(0).weight.grad[i], 2);
    weights += std::pow(reference.network().layer(0).weight.value[i], 2);
  }
  Trainer<double> trainer(config, positive_data());
  const RunSummary summary = trainer.run();
  const LayerDiagnostics& first = summary.last.layers[0];
  REQUIRE(first.gradient_norm == Approx(std::sqrt(gradient)).epsilon(1e-12));
  REQUIRE(first.update_ratio == Approx(0.1 * std::sqrt(gradient) / std::sqrt(weights)).epsilon(1e-9));
}

TEST_CASE("warnings say what is wrong and what to try", "[diagnostics]") {
  LayerDiagnostics dead{ActivationKind::relu, 0.75};
  LayerDiagnostics saturated{ActivationKind::sigmoid, {}, 0.6};
  LayerDiagnostics fine{ActivationKind::linear};
  dead.gradient_norm = 1e-7, saturated.gradient_norm = 1e-3, fine.gradient_norm = 1;
  const auto warnings = diagnose({dead, saturated, fine});
  REQUIRE(warnings.size() == 3);
  REQUIRE_THAT(warnings[0].text, Catch::Contains("layer 0 (relu): 75% of its units are dead") &&
                                     Catch::Contains("try leaky_relu"));
  REQUIRE_THAT(warnings[1].text, Catch::Contains("layer 1 (sigmoid): 60% of its units are saturated"));
  REQUIRE_THAT(warnings[2].text, Catch::Contains("gradients vanish"));
  REQUIRE((warnings[0].layer == 0u && warnings[0].kind == "dead"));
  REQUIRE((warnings[1].layer == 1u && warnings[1].kind == "saturated"));
  REQUIRE((!warnings[2].layer && warnings[2].kind == "vanishing"));
  REQUIRE(diagnose({fine}).empty());
}

TEST_CASE("a hint does not suggest the init or the activation the layer already has", "[diagnostics]") {
  const auto hint = [](ActivationKind activation, std::optional<Init> init, bool dead, bool before_training = false) {
    LayerDiagnostics d{activation};
    (dead ? d.dead_fraction : d.saturated_fraction) = 0.75;
    d.init = init;
    const auto warnings = diagnose({d}, false, before_training);
    REQUIRE(warnings.size() == 1);
    return warnings[0].text.substr(warnings[0].text.find("; try ") + 2);
  };
  REQUIRE(hint(ActivationKind::relu, Init::xavier, true) ==
          "try leaky_relu, prelu or elu, a lower learning rate, or he init");
  REQUIRE(hint(ActivationKind::relu, std::nullopt, true) ==
          "try leaky_relu, prelu or elu, a lower learning rate, or he init");
  REQUIRE(hint(ActivationKind::relu, Init::he, true) == "try leaky_relu, prelu or elu, or a lower learning rate");
  REQUIRE(hint(ActivationKind::elu, Init::he, true) == "try leaky_relu or prelu, or a lower learning rate");
  REQUIRE(hint(ActivationKind::leaky_relu, Init::uniform, true) ==
          "try prelu or elu, a lower learning rate, or he init");
  // Dead from the start (the epoch-0 row): no step has been taken, so the learning rate is not the cure.
  REQUIRE(hint(ActivationKind::relu, Init::he, true, true) ==
          "try leaky_relu, prelu or elu, more units, or another seed (training.seed)");
  REQUIRE(hint(ActivationKind::relu, Init::uniform, true, true) ==
          "try leaky_relu, prelu or elu, more units, another seed (training.seed), or he init");
  REQUIRE(hint(ActivationKind::sigmoid, Init::he, false) ==
          "try normalizing the inputs (data.normalize), xavier init, or relu");
  REQUIRE(hint(ActivationKind::tanh, Init::xavier, false) == "try normalizing the inputs (data.normalize), or relu");
  // Through the CLI: circle's relu layer starts with he init (model.init), so its dead units are not told to use it.
  const auto result = run_nnlab("train configs/circle.json --lr 1 --diagnostics --epochs 30 --log-every 10");
  REQUIRE(result.exit_code == 0);
  REQUIRE(count(result.out, "of its units are dead") == 1);
  REQUIRE_THAT(result.out, Catch::Contains("try leaky_relu, prelu or elu, or a lower learning rate\n"));
  REQUIRE_THAT(result.out, !Catch::Contains("he init"));
  const auto xavier = run_nnlab("train configs/circle.json --lr 1 --diagnostics --epochs 30 --init xavier");
  REQUIRE_THAT(xavier.out, Catch::Contains("of its units are dead") && Catch::Contains("or he init"));
  // dying_relu's units are dead in the epoch-0 row, before any step.
  const auto initial = run_nnlab("train configs/dying_relu.json --epochs 1");
  REQUIRE_THAT(initial.out, Catch::Contains("epoch 0: layer 2 (relu): 67% of its units are dead") &&
                                Catch::Contains("  try leaky_relu, prelu or elu, more units, or another seed "
                                                "(training.seed)\n") &&
                                !Catch::Contains("learning rate"));
}

TEST_CASE("large steps warn that the rate is too high only when the loss rose", "[diagnostics]") {
  LayerDiagnostics big_steps{ActivationKind::linear};
  big_steps.gradient_norm = 1, big_steps.update_ratio = 0.8;
  const auto rose = diagnose({big_steps}, false);
  REQUIRE(rose.size() == 1);
  REQUIRE(rose[0].kind == "update_ratio");
  REQUIRE_THAT(rose[0].text, Catch::Contains("by 80% of their size, and the loss rose; the learning rate is probably too high"));
  // Weights growing from a small init move by much of their size while the loss falls fast: no warning.
  REQUIRE(diagnose({big_steps}, true).empty());
  // Through the CLI: the shipped sparse_l1 (82% in its first step, its loss falling) and spiral (mini-batch noise
  // near a small loss) say nothing, with or without diagnostics; circle at --lr 1, whose loss rises in epoch 1, does.
  for (const char* command : {"train configs/sparse_l1.json", "train configs/spiral.json --diagnostics",
                              "train configs/spiral.json", "train configs/xor.json --epochs 150"}) {
    CAPTURE(command);
    const auto result = run_nnlab(command);
    REQUIRE(result.exit_code == 0);
    REQUIRE_THAT(result.out + result.err, !Catch::Contains("warning"));
  }
  REQUIRE_THAT(run_nnlab("train configs/circle.json --lr 1 --diagnostics --epochs 2").out,
               Catch::Contains("warning: epoch 1: layer 0 (relu): each step changes the weights by"));
}

TEST_CASE("a loss that keeps climbing back above twice its lowest warns once that the rate is too high",
          "[diagnostics][overshoot]") {
  OvershootWatch watch;
  // Falling, one spike (ordinary SGD noise), falling: no warning.
  std::size_t epoch = 0;
  for (double loss : {4.0, 2.0, 1.0, 2.5, 0.9, 0.8}) REQUIRE_FALSE(watch.check(++epoch, loss, 0.1));
  // Two more climbs above 2 × 0.8: the second is the third in all, and warns once.
  REQUIRE_FALSE(watch.check(7, 1.7, 0.1));
  const auto warning = watch.check(8, 3.0, 0.1);
  REQUIRE(warning);
  REQUIRE(*warning == "the loss rose to 3, more than twice its lowest (0.8 at epoch 6), for the third time; the steps "
                      "overshoot the minimum, so try a smaller learning rate than 0.1 (optimizer.learning_rate)");
  REQUIRE_FALSE(watch.check(9, 5.0, 0.1));
  // Rises smaller than 1% of the first loss are rounding noise near zero.
  OvershootWatch tiny;
  epoch = 0;
  for (double loss : {1.0, 1e-6, 3e-6, 4e-6, 5e-6}) REQUIRE_FALSE(tiny.check(++epoch, loss, 0.1));
  // Nor are rises smaller than a tenth of the first loss: mini-batch noise near a small loss, as on the spiral
  // (first 1.06, lowest 0.058, then 0.116 three times).
  OvershootWatch noisy;
  epoch = 0;
  for (double loss : {1.06, 0.5, 0.058, 0.116, 0.06, 0.116, 0.07, 0.116}) REQUIRE_FALSE(noisy.check(++epoch, loss, 0.1));

  // Through the CLI: a learning rate of 100 on XOR bounces, so the run says so; the shipped rate does not.
  const auto bouncing = run_nnlab("train configs/xor.json --lr 100 --epochs 30");
  REQUIRE(bouncing.exit_code == 0);
  REQUIRE_THAT(bouncing.out, Catch::Contains("for the\n  third time\n  the steps overshoot the minimum, so try a "
                                             "smaller learning rate than 100 (--lr)"));
  REQUIRE_THAT(run_nnlab("train configs/xor.json").out, !Catch::Contains("overshoot"));
}

TEST_CASE("proximal L1 sets small weights to exactly zero, the subgradient does not", "[regularization][l1]") {
  Parameter<double> w{"w", ParameterKind::weight, Tensor<double>(1, 4), Tensor<double>(1, 4)};
  const double values[4] = {0.3, -0.05, 0.02, -0.4};
  for (int i = 0; i < 4; ++i) w.value[i] = values[i];
  const Regularizer proximal({.l1 = 0.1, .l1_proximal = true}, 1);
  proximal.add_gradient(std::vector{&w});
  for (double g : w.grad.values()) REQUIRE(g == 0.0);  // the L1 part is not in the gradient...
  proximal.apply_proximal(std::vector{&w}, 1.0);       // ... but in the step after it
  REQUIRE(w.value[0] == Approx(0.2));
  REQUIRE(w.value[1] == 0.0);
  REQUIRE(w.value[2] == 0.0);
  REQUIRE(w.value[3] == Approx(-0.3));

  auto zeros = [](const std::string& config_file) {
    Config config = load_config(source_dir() / "configs" / config_file);
    Trainer<double> trainer(config);
    return trainer.run().last.layers[0].zero_weights;
  };
  REQUIRE(zeros("sparse_l1.json") == 8);  // exactly the eight distractor features
  REQUIRE(zeros("sparse_l2.json") == 0);
}

TEST_CASE("the NaN/Inf tripwire names the epoch, batch and tensor, and the last good weights survive",
          "[tripwire]") {
  Config config = load_config(source_dir() / "configs" / "linear_fit.json");
  config.optimizer.learning_rate = 1;
  config.epochs = 200;
  config.dtype = DType::float32;
  Trainer<float> trainer(config);
  REQUIRE_THROWS_WITH(trainer.run(), Catch::StartsWith("epoch ") && Catch::Contains(", batch 1: ") &&
                                         Catch::Contains("layers[0]") && Catch::Contains("learning rate 1 is too high"));
  const std::size_t failed_in = trainer.epochs_done() + 1;
  REQUIRE(trainer.restore_last_good());
  REQUIRE(trainer.epochs_done() == failed_in - 1);
  for (auto* p : trainer.network().parameters())
    for (float v : p->value.values()) REQUIRE(std::isfinite(v));

  const auto dir = temp_dir("tripwire");
  const auto model = dir / "last_good.json";
  const auto result = run_nnlab("train configs/linear_fit.json --lr 1 --epochs 200 --dtype float32 --save '" +
                                model.string() + "'");
  REQUIRE(result.exit_code == 1);
  REQUIRE_THAT(result.err, Catch::StartsWith("error: epoch " + std::to_string(failed_in) + ", batch 1") &&
                               Catch::Contains("saved the last good model (epoch " + std::to_string(failed_in - 1) +
                                               ") to " + model.string()));
  REQUIRE(load_model(model).epochs_done == failed_in - 1);
  std::filesystem::remove_all(dir);
}

TEST_CASE("compare starts every activation from the same initial weights", "[compare]") {
  Config relu = load_config(source_dir() / "configs" / "dying_relu.json"), tanh = relu;
  apply_overrides(tanh, {.activation = "tanh"});
  Trainer<float> a(relu), b(tanh);
  for (std::size_t i = 0; i < a.network().layer_count(); ++i)
    REQUIRE(a.network().layer(i).weight.value == b.network().layer(i).weight.value);

  const auto dir = temp_dir("compare");
  const auto result = run_nnlab("compare configs/dying_relu.json --activations relu,leaky_relu,elu --epochs 5 "
                                "--target 0.6 --csv '" + (dir / "c.csv").string() + "' --plot '" +
                                (dir / "c.svg").string() + "'");
  REQUIRE(result.exit_code == 0);
  REQUIRE_THAT(result.out, Catch::Contains("relu ") && Catch::Contains("leaky_relu ") && Catch::Contains("elu "));
  const std::string csv = read_file(dir / "c.csv");
  REQUIRE_THAT(csv, Catch::StartsWith("activation,seed,final_loss,accuracy,epochs_to_target,dead_fraction,seconds\n"));
  REQUIRE(count(csv, "\n") == 4);
  REQUIRE(count(read_file(dir / "c.svg"), "<polyline") == 3);
  const auto typo = run_nnlab("compare configs/dying_relu.json --activations relu,lekay_relu");
  REQUIRE(typo.exit_code == 2);
  REQUIRE_THAT(typo.err, Catch::Contains("did you mean \"leaky_relu\"?"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("nnlab gradcheck passes correct gradients and fails at zero tolerance", "[gradcheck][cli]") {
  const auto ok = run_nnlab("gradcheck configs/spiral.json");
  REQUIRE(ok.exit_code == 0);
  REQUIRE_THAT(ok.out, Catch::Contains("layers[0].weight") && Catch::Contains("all gradients agree"));
  const auto strict = run_nnlab("gradcheck configs/iris.json --tolerance 0");
  REQUIRE(strict.exit_code == 1);
  REQUIRE_THAT(strict.out, Catch::Contains("FAIL"));
}

TEST_CASE("nnlab explain shows the article's numbers for the first linear-fit step", "[explain][cli]") {
  const auto result = run_nnlab("explain configs/linear_fit_l2.json --sample 1");
  REQUIRE(result.exit_code == 0);
  // x = 1, target 2, zero weights: z = 0, σ(z) = 0.5, error −1.5, mse = 2.25, dL/dz = 2·(−1.5)·0.25 = −0.75,
  // and with learning rate 0.01 both m and b move by +0.0075.
  REQUIRE_THAT(result.out, Catch::Contains("f(z) (1x1) = [0.5]") &&
                               Catch::Contains("error = f(z) - target (1x1) = [-1.5]") &&
                               Catch::Contains("mse = 2.25") && Catch::Contains("f'(z) (1x1) = [0.25]") &&
                               Catch::Contains("dL/dz = dL/d(output) * f'(z) (1x1) = [-0.75]") &&
                               Catch::Contains("change (1x1) = [0.0075]"));
  REQUIRE(run_nnlab("explain configs/linear_fit_l2.json --sample 9").exit_code == 2);
}

TEST_CASE("plots are SVG files with what they claim to show", "[plot][cli]") {
  const auto dir = temp_dir("plots");
  REQUIRE(run_nnlab("plot activations -o '" + (dir / "a.svg").string() + "'").exit_code == 0);
  const std::string gallery = read_file(dir / "a.svg");
  REQUIRE_THAT(gallery, Catch::StartsWith("<svg"));
  for (const auto& info : activation_catalog()) REQUIRE_THAT(gallery, Catch::Contains(">" + name_of(info.kind)));
  REQUIRE(count(gallery, "<polyline") == 2 * activation_catalog().size());

  const std::string model = (dir / "xor.json").string(), metrics = (dir / "m.csv").string();
  REQUIRE(run_nnlab("train configs/xor.json --epochs 5 --quiet --save '" + model + "' --metrics '" + metrics +
                    "' --plot '" + (dir / "train.svg").string() + "'").exit_code == 0);
  REQUIRE(count(read_file(dir / "train.svg"), "<polyline") == 2);  // training and validation loss
  REQUIRE(run_nnlab("plot loss '" + metrics + "' -o '" + (dir / "loss.svg").string() + "'").exit_code == 0);
  REQUIRE(count(read_file(dir / "loss.svg"), "<polyline") == 2);
  REQUIRE(run_nnlab("plot boundary configs/xor.json --model '" + model + "' -o '" + (dir / "b.svg").string() + "'")
              .exit_code == 0);
  const std::string boundary = read_file(dir / "b.svg");
  REQUIRE(count(boundary, "<circle") == 320 + 2);  // the training split's points and the legend's two classes
  REQUIRE(count(boundary, "<rect") == 100 * 100 + 2);  // the grid, the background and the panel
  const auto wrong = run_nnlab("plot gradients '" + metrics + "'");
  REQUIRE(wrong.exit_code == 2);
  REQUIRE_THAT(wrong.err, Catch::Contains("--diagnostics"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("the gradient checker fails a backward pass that is off by 1%", "[gradcheck]") {
  Config config = two_layer("tanh", 3);
  config.init = Init::xavier;
  Trainer<double> trainer(config, positive_data());
  Tensor<double> x, y;
  trainer.data().train.gather_range(0, 6, x, y);
  auto objective = [&] { return trainer.objective(x, y); };
  trainer.compute_gradients(x, y);
  for (const auto& r : check_gradients(trainer.network().parameters(), objective)) {
    CAPTURE(r.name);
    REQUIRE(r.max_abs_gradient > kNonTrivialGradient);
    REQUIRE(r.max_relative_error < kGradientRelative);
  }
  // The same gradients with the first layer's dW scaled by 1.01, as a backward with a 1% slip would give.
  for (double& g : trainer.network().layer(0).weight.grad.values()) g *= 1.01;
  const auto results = check_gradients(trainer.network().parameters(), objective);
  REQUIRE(results[0].name == "layers[0].weight");
  REQUIRE(results[0].max_relative_error == Approx(0.01 / 1.01).epsilon(1e-3));
  REQUIRE(results[0].max_relative_error > kGradientRelative);
  REQUIRE(results[1].max_relative_error < kGradientRelative);  // the bias was left alone
}

TEST_CASE("gradcheck passes the shipped configs whose gradients vanish or whose L1 is proximal", "[gradcheck][cli]") {
  // deep_sigmoid: layer 0's gradients are ~1e-6 of the loss, where the quotients' rounding noise alone was 5e-4 of
  // them. sparse_l1: proximal L1 is in no gradient, so the objective the check differentiates must leave it out.
  for (const char* config : {"deep_sigmoid", "sparse_l1"}) {
    CAPTURE(config);
    const auto result = run_nnlab(std::string("gradcheck configs/") + config + ".json");
    REQUIRE(result.exit_code == 0);
    REQUIRE_THAT(result.out, Catch::Contains("all gradients agree"));
  }
}

TEST_CASE("the gradient checker still fails a 1% slip in gradients that have vanished to 1e-6", "[gradcheck]") {
  Trainer<double> trainer(load_config(source_dir() / "configs" / "deep_sigmoid.json"));
  Tensor<double> x, y;
  trainer.data().train.gather_range(0, 8, x, y);
  auto objective = [&] { return trainer.objective(x, y); };
  trainer.compute_gradients(x, y);
  Tensor<double>& first = trainer.network().layer(0).weight.grad;
  double largest = 0;
  for (double g : first.values()) largest = std::max(largest, std::abs(g));
  REQUIRE(largest > 1e-8);
  REQUIRE(largest < 1e-5);  // vanished: the loss is ~0.7
  REQUIRE(check_gradients(trainer.network().parameters(), objective)[0].max_relative_error < kGradientTolerance);
  for (double& g : first.values()) g *= 1.01;
  const auto results = check_gradients(trainer.network().parameters(), objective);
  REQUIRE(results[0].name == "layers[0].weight");
  REQUIRE(results[0].max_relative_error > kGradientTolerance);
}

TEST_CASE("the penalty a gradient check differentiates leaves proximal L1 out", "[gradcheck][regularization]") {
  Parameter<double> w{"w", ParameterKind::weight, Tensor<double>(1, 2), Tensor<double>(1, 2)};
  w.value[0] = 0.5;
  w.value[1] = -2;
  const std::vector<Parameter<double>*> all{&w};
  REQUIRE(Regularizer({.l1 = 0.1, .l2 = 0.01}, 1).differentiated_penalty(all) == Approx(0.25 + 0.0425));
  REQUIRE(Regularizer({.l1 = 0.1, .l2 = 0.01, .l1_proximal = true}, 1).differentiated_penalty(all) ==
          Approx(0.0425));
  REQUIRE(Regularizer({.l1 = 0.1, .l2 = 0.01, .l1_proximal = true}, 1).penalty(all) == Approx(0.25 + 0.0425));
}

TEST_CASE("a run that overflows in its first epoch because of a large init gain says so, not the learning rate",
          "[diagnostics][tripwire][cli]") {
  const auto gain = run_nnlab("train configs/deep_relu.json --init-gain 2 --epochs 1");
  REQUIRE(gain.exit_code == 1);
  REQUIRE_THAT(gain.err, Catch::Contains("became NaN; most likely the init gain 2 (--init-gain)") &&
                             Catch::Contains("try an init gain of 1") && !Catch::Contains("learning rate"));
  const auto rate = run_nnlab("train configs/circle.json --lr 1e4 --epochs 5");
  REQUIRE(rate.exit_code == 1);
  REQUIRE_THAT(rate.err, Catch::Contains("most likely the learning rate 10000 is too high"));
}

TEST_CASE("early stopping says when and which weights it kept in lines that fit 80 columns", "[early_stopping][cli]") {
  const auto result = run_nnlab("train configs/spiral.json --epochs 1000");
  REQUIRE(result.exit_code == 0);
  const auto lines = lines_of(result.out);
  const auto stop = std::find_if(lines.begin(), lines.end(),
                                 [](const std::string& line) { return line.starts_with("stopped early at epoch "); });
  REQUIRE(stop != lines.end());
  REQUIRE_THAT(*stop, Catch::Contains(": the validation loss has not improved since epoch "));
  REQUIRE(stop->size() <= 80);
  REQUIRE_THAT(*std::next(stop), Catch::StartsWith("kept the weights of epoch "));
}

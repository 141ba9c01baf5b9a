// nnlab's side of the training benchmark: the networks of bench/torch_train.py, SGD with momentum 0.9 and
// cross-entropy, on random data of the same shape, timed over steps after a warm-up. Each step is what
// `nnlab train` does per batch: form the batch from the data set, forward, backward, update.
//
//   build/bench/train_throughput --network fashion --batch 64 --threads 1
// prints one line: samples_per_second=<number>          (--threads 0, the default: nnlab's default thread count)
#include <chrono>
#include <cstdio>
#include <cstring>
#include <numeric>
#include <string>

#include "nnlab/gemm.hpp"
#include "nnlab/random.hpp"
#include "nnlab/trainer.hpp"

using namespace nnlab;

int main(int argc, char** argv) {
  std::string network = "fashion";
  std::size_t batch = 64;
  int threads = 0;
  double seconds = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--network")) network = argv[i + 1];
    else if (!std::strcmp(argv[i], "--batch")) batch = std::stoul(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--threads")) threads = std::stoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--seconds")) seconds = std::stod(argv[i + 1]);
  }
  if (threads > 0) set_gemm_threads(threads);

  Config config;
  std::size_t inputs;
  if (network == "fashion") {
    inputs = 784;
    config.layers = {{256, ActivationKind::relu}, {128, ActivationKind::relu}, {10, ActivationKind::softmax}};
  } else {
    inputs = 2;
    config.layers = {{16, ActivationKind::relu}, {16, ActivationKind::relu}, {3, ActivationKind::softmax}};
  }
  config.loss = LossKind::cross_entropy;
  config.init = Init::he;
  config.optimizer.learning_rate = 0.01;
  config.optimizer.momentum = 0.9;
  config.batch_size = batch;

  const std::size_t samples = 4096;
  Rng rng(0);
  Tensor<double> x(samples, inputs), y(samples, 1);
  for (auto& v : x.values()) v = rng.uniform();
  for (auto& v : y.values()) v = double(rng.below(config.layers.back().units));
  Trainer<float> trainer(config, Dataset(x, y));

  Tensor<float> batch_x, batch_y;
  std::vector<std::size_t> rows(batch);
  auto step = [&](std::size_t i) {
    std::iota(rows.begin(), rows.end(), (i * batch) % (samples - batch));
    trainer.data().train.gather(rows, batch_x, batch_y);
    trainer.train_step(batch_x, batch_y);
  };
  for (std::size_t i = 0; i < 50; ++i) step(i);  // warm-up: buffers sized, caches and threads awake
  std::size_t steps = 0;
  const auto begin = std::chrono::steady_clock::now();
  double elapsed = 0;
  while (elapsed < seconds) {
    for (int k = 0; k < 20; ++k) step(steps++);
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  }
  std::printf("samples_per_second=%.1f\n", double(steps * batch) / elapsed);
  return 0;
}

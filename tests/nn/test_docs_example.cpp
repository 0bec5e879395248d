// The training loop of docs/nn.md, verbatim between the markers, so that it compiles and
// works.
#include <gtest/gtest.h>

#include <filesystem>

#include "temp_dir.hpp"

// --- docs/nn.md begin ---
#include <cstdio>
#include <tapegrad/nn.hpp>

// Learns which side of the line x0 + x1/2 = 0 each of the 8 Gaussians lies on,
// then checkpoints the model and the optimiser. Returns the last epoch's mean loss.
double train_and_checkpoint(const std::string& dir) {
  tg::Generator gen(0);
  tg::Tensor x = tg::data::eight_gaussians(2048, gen);
  tg::Tensor y = tg::matmul(x, tg::from_vector(std::vector<float>{1, 0.5f}, {2, 1})) > 0.0;
  auto data = std::make_shared<tg::data::TensorDataset>(x, y);
  tg::data::DataLoader loader(data, {.batch_size = 128, .shuffle = true, .seed = 1});

  tg::nn::MLP net({2, 32, 32, 1}, tg::nn::Activation::ReLU, gen);
  tg::optim::Adam opt(net.parameters(), {.lr = 1e-2, .betas = {0.5, 0.9}});
  tg::optim::CosineAnnealingLR schedule(opt, /*t_max=*/10);

  double mean_loss = 0;
  for (int epoch = 0; epoch < 10; ++epoch) {
    mean_loss = 0;
    for (const tg::data::Batch& batch : loader) {
      opt.zero_grad();
      tg::Tensor loss = tg::binary_cross_entropy_with_logits(net(batch.x), batch.y);
      loss.backward();
      tg::optim::clip_grad_norm_(net.parameters(), /*max_norm=*/1.0);
      opt.step();
      mean_loss += loss.item<double>() / static_cast<double>(loader.num_batches());
    }
    schedule.step();
    std::printf("epoch %d: loss %.4f, lr %.5f\n", epoch, mean_loss, opt.lr());
  }
  tg::nn::save(net, dir + "/model.npz");  // numpy.load reads it too
  tg::nn::save(opt, dir + "/adam.npz");

  tg::nn::MLP restored({2, 32, 32, 1}, tg::nn::Activation::ReLU, gen);
  tg::nn::load(restored, dir + "/model.npz");  // tg::IoError if it does not fit
  return mean_loss;
}
// --- docs/nn.md end ---

TEST(DocsExample, TrainsAndCheckpoints) {
  tgtest::TempDir dir;
  EXPECT_LT(train_and_checkpoint(dir.path().string()), 0.05);
  EXPECT_TRUE(std::filesystem::exists(dir.file("model.npz")));
  EXPECT_TRUE(std::filesystem::exists(dir.file("adam.npz")));
}

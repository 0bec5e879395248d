// Fashion-MNIST from Debian's dataset-fashion-mnist package; skipped where it is missing.
#include <gtest/gtest.h>

#include <filesystem>

#include "tapegrad/nn.hpp"
#include "temp_dir.hpp"

TEST(FashionMnist, MissingFilesSayHowToInstall) {
  tgtest::TempDir dir;
  try {
    tg::data::load_fashion_mnist(true, dir.path().string());
    FAIL() << "expected tg::IoError";
  } catch (const tg::IoError& e) {
    EXPECT_NE(std::string(e.what()).find("apt-get install dataset-fashion-mnist"),
              std::string::npos)
        << e.what();
  }
}

TEST(FashionMnist, TestSplitLoads) {
  if (!std::filesystem::exists(std::string(tg::data::kFashionMnistDir) +
                               "/t10k-images-idx3-ubyte.gz"))
    GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  const auto d = tg::data::load_fashion_mnist(false);
  EXPECT_EQ(d.images.shape(), tg::Shape({10000, 784}));
  EXPECT_EQ(d.labels.shape(), tg::Shape({10000}));
  EXPECT_EQ(d.images.min().item<float>(), 0.0f);
  EXPECT_EQ(d.images.max().item<float>(), 1.0f);
  EXPECT_EQ(d.labels.min().item<float>(), 0.0f);
  EXPECT_EQ(d.labels.max().item<float>(), 9.0f);
  const auto img = tg::data::load_fashion_mnist(false, tg::data::kFashionMnistDir, false);
  EXPECT_EQ(img.images.shape(), tg::Shape({10000, 28, 28}));
}

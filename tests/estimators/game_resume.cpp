// The fresh process of GameDriver's resume test (test_game.cpp):
//
//   game_resume IN STEPS OUT
//
// builds the small game with a seed of its own (so nothing but the checkpoint can make it
// match), loads IN, runs STEPS more steps and saves the driver to OUT.
#include <cstdio>
#include <cstdlib>
#include <exception>

#include "small_game.hpp"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: game_resume IN STEPS OUT\n");
    return 2;
  }
  try {
    tgtest::SmallGame game(12345);
    game.driver.load(argv[1]);
    game.driver.run(std::atol(argv[2]));
    game.driver.save(argv[3]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "game_resume: %s\n", e.what());
    return 1;
  }
  return 0;
}

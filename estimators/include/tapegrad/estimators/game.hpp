// The game driver: the adversarial training loop of the GAN paper's Algorithm 1, written once.
//
//   repeat:
//     k times:  draw x ~ p_data, z ~ p_z;  θ_D ← opt_D(θ_D, ∇ [L_D(a(x), a(G(z))) + P])
//     once:     draw z ~ p_z;               θ_G ← opt_G(θ_G, ∇ L_G(a(G(z))))   (D frozen)
//
// with the discriminator loss L_D, the generator loss L_G and the penalty P pluggable
// callables, and each player's own optimiser (so two learning rates: the two time-scale
// update rule). During the generator's step the discriminator's parameters stop recording,
// so no gradient is written into them. Every step returns a StepRecord of each loss and
// penalty; callbacks run after chosen steps (evaluation, checkpoints).
//
// Checkpoint and resume: save() writes, in one .npz through the atomic temp-file-then-rename
// write (Note [Safe checkpoint writes] in tapegrad/nn/npz.hpp), the step counter, both
// models, both optimisers and every tracked random generator's (seed, offset). load() into
// a driver built the same way continues the run bit-identically. docs/estimators/driver.md.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "tapegrad/autograd/random.hpp"
#include "tapegrad/autograd/tensor.hpp"
#include "tapegrad/estimators/gan.hpp"
#include "tapegrad/estimators/gradient_penalty.hpp"
#include "tapegrad/nn/module.hpp"
#include "tapegrad/optim/optimizer.hpp"

namespace tg::est {

/// Draws a batch of n rows (data, or the generator's noise) from `gen`.
using Sampler = std::function<Tensor(int64_t n, Generator& gen)>;
/// A loss on the discriminator's logits for a real and a fake batch.
using DiscriminatorLoss =
    std::function<Tensor(const Tensor& logits_real, const Tensor& logits_fake)>;
/// A loss on the discriminator's logits for a fake batch, minimised by the generator.
using GeneratorLoss = std::function<Tensor(const Tensor& logits_fake)>;
/// A term added to the discriminator's loss (already weighted), e.g. a gradient penalty.
using PenaltyTerm = std::function<Tensor(const Critic& critic, const Tensor& real,
                                         const Tensor& fake, Generator& gen)>;

/// tg::est::penalty_term(kind, ..., lambda, gen, options) as a pluggable term (empty for None).
PenaltyTerm penalty(Penalty kind, double lambda, const PenaltyOptions& options = {});
/// The non-saturating generator cost, the default GeneratorLoss.
Tensor non_saturating_cost(const Tensor& logits_fake);

/// One player: its model and the optimiser over that model's parameters.
struct Player {
  nn::Module& model;
  optim::Optimizer& optimizer;
  /// Runs after each of the player's backward passes, before its optimiser step: where a
  /// data-parallel run averages the gradients over its ranks
  /// (tg::dist::DataParallel::synchronize_gradients) or gradients are clipped.
  std::function<void()> before_step = {};
};

struct GameOptions {
  int64_t batch_size = 64;
  int64_t discriminator_steps = 1;  ///< k discriminator updates per generator update
  DiscriminatorLoss discriminator_loss = est::discriminator_loss;
  GeneratorLoss generator_loss = non_saturating_cost;
  PenaltyTerm penalty = {};  ///< empty: no penalty
};

/// What one generator step (and the k discriminator steps before it) measured.
struct StepRecord {
  int64_t step = 0;                        ///< generator steps done, this one included
  std::vector<double> discriminator_loss;  ///< L_D of each discriminator step, without P
  std::vector<double> penalty;             ///< P of each discriminator step (0 without one)
  double generator_loss = 0;
};

class GameDriver {
 public:
  /// `rng` draws the data, the noise and the penalty's points; it is tracked as "game".
  GameDriver(Player generator, Player discriminator, Sampler data, Sampler noise, Generator& rng,
             GameOptions options = {});

  /// k discriminator steps and one generator step.
  StepRecord step();
  /// `steps` more steps, running the callbacks after each.
  void run(int64_t steps);
  /// Calls `f` with every record run() makes.
  void on_step(std::function<void(const StepRecord&)> f);
  /// Calls `f` after every step whose count is a multiple of `n` (counted from the start of
  /// the run, so a resumed run evaluates at the same steps).
  void every(int64_t n, std::function<void(GameDriver&)> f);
  /// Saves and restores `gen` too (a dropout layer's generator, an evaluation sampler's).
  void track(const std::string& name, Generator& gen);

  int64_t steps_done() const { return step_; }
  nn::Module& generator() { return generator_.model; }
  nn::Module& discriminator() { return discriminator_.model; }

  /// Everything save() writes, by name: "game.step", "generator.*", "discriminator.*",
  /// "generator_optimizer.*", "discriminator_optimizer.*", "rng.<name>".
  nn::NamedTensors state() const;
  void save(const std::string& path) const;
  /// Restores a save() of the same game; throws tg::IoError naming every missing, unexpected
  /// or mis-shaped entry (a checkpoint of a different model) and then changes nothing.
  void load(const std::string& path);

 private:
  Player generator_;
  Player discriminator_;
  Sampler data_;
  Sampler noise_;
  Generator* rng_;
  GameOptions options_;
  int64_t step_ = 0;
  std::vector<std::pair<std::string, Generator*>> generators_;
  std::vector<std::function<void(const StepRecord&)>> on_step_;
  std::vector<std::pair<int64_t, std::function<void(GameDriver&)>>> every_;
};

}  // namespace tg::est

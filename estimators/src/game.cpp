#include "tapegrad/estimators/game.hpp"

#include <fmt/format.h>

#include <map>

#include "tapegrad/autograd/error.hpp"
#include "tapegrad/autograd/grad_mode.hpp"
#include "tapegrad/autograd/ops/elementwise.hpp"
#include "tapegrad/autograd/ops/factory.hpp"
#include "tapegrad/nn/checkpoint.hpp"
#include "tapegrad/nn/npz.hpp"

namespace tg::est {
namespace {

/// Stops every parameter of a module from recording for the guard's lifetime, then gives
/// each back the flag it had.
class FrozenParameters {
 public:
  explicit FrozenParameters(const nn::Module& m) : params_(m.parameters()) {
    for (Tensor& p : params_) {
      was_on_.push_back(p.requires_grad());
      p.requires_grad_(false);
    }
  }
  ~FrozenParameters() {
    for (std::size_t i = 0; i < params_.size(); ++i) params_[i].requires_grad_(was_on_[i]);
  }
  FrozenParameters(const FrozenParameters&) = delete;
  FrozenParameters& operator=(const FrozenParameters&) = delete;

 private:
  std::vector<Tensor> params_;
  std::vector<bool> was_on_;
};

/// The player's optimiser step, after its before_step.
void update(Player& player) {
  if (player.before_step) player.before_step();
  player.optimizer.step();
}

void add_prefixed(nn::NamedTensors& out, const std::string& prefix, const nn::NamedTensors& part) {
  for (const auto& [name, t] : part) out.emplace_back(prefix + name, t);
}

/// The entries of `all` under `prefix`, with the prefix removed.
nn::NamedTensors under(const nn::NamedTensors& all, const std::string& prefix) {
  nn::NamedTensors out;
  for (const auto& [name, t] : all)
    if (name.starts_with(prefix)) out.emplace_back(name.substr(prefix.size()), t);
  return out;
}

// A generator's (seed, offset) as four exact float64 values: each 64-bit number split into
// 32-bit halves, which float64 holds without rounding (an .npz stores only f4 and f8).
Tensor generator_state(const Generator& g) {
  auto hi = [](uint64_t v) { return static_cast<double>(v >> 32); };
  auto lo = [](uint64_t v) { return static_cast<double>(v & 0xffffffffu); };
  return from_vector(
      std::vector<double>{hi(g.seed()), lo(g.seed()), hi(g.offset()), lo(g.offset())}, {4});
}

Generator generator_from(const Tensor& state) {
  const std::vector<double> v = state.to_vector<double>();
  auto join = [](double hi, double lo) {
    return (static_cast<uint64_t>(hi) << 32) | static_cast<uint64_t>(lo);
  };
  Generator g(join(v[0], v[1]));
  g.advance(join(v[2], v[3]));
  return g;
}

}  // namespace

PenaltyTerm penalty(Penalty kind, double lambda, const PenaltyOptions& options) {
  if (!(lambda >= 0)) throw ValueError(fmt::format("penalty: lambda must be >= 0, got {}", lambda));
  if (kind == Penalty::None) return {};
  return [kind, lambda, options](const Critic& critic, const Tensor& real, const Tensor& fake,
                                 Generator& gen) {
    return penalty_term(kind, critic, real, fake, lambda, gen, options);
  };
}

Tensor non_saturating_cost(const Tensor& logits_fake) {
  return generator_cost(logits_fake, GeneratorCost::NonSaturating);
}

GameDriver::GameDriver(Player generator, Player discriminator, Sampler data, Sampler noise,
                       Generator& rng, GameOptions options)
    : generator_(generator),
      discriminator_(discriminator),
      data_(std::move(data)),
      noise_(std::move(noise)),
      rng_(&rng),
      options_(std::move(options)) {
  if (options_.batch_size < 1 || options_.discriminator_steps < 1)
    throw ValueError(
        fmt::format("GameDriver: batch_size {} and discriminator_steps {}; expected both >= 1",
                    options_.batch_size, options_.discriminator_steps));
  if (!data_ || !noise_ || !options_.discriminator_loss || !options_.generator_loss)
    throw ValueError(
        "GameDriver: the data and noise samplers and both losses must be set (only the "
        "penalty may be empty)");
  generators_.emplace_back("game", rng_);
}

StepRecord GameDriver::step() {
  nn::Module& g = generator_.model;
  nn::Module& d = discriminator_.model;
  const Critic critic = [&d](const Tensor& x) { return d(x); };
  const int64_t n = options_.batch_size;
  StepRecord record;
  for (int64_t i = 0; i < options_.discriminator_steps; ++i) {
    const Tensor real = data_(n, *rng_);
    Tensor fake;
    {
      NoGradGuard fake_is_data;
      fake = g(noise_(n, *rng_));
    }
    if (real.shape() != fake.shape())
      throw ShapeError(fmt::format(
          "GameDriver::step: a real batch {} and a fake batch {}; expected the same shape",
          real.shape().str(), fake.shape().str()));
    const Tensor adversarial = options_.discriminator_loss(critic(real), critic(fake));
    const Tensor extra = options_.penalty ? options_.penalty(critic, real, fake, *rng_) : Tensor{};
    const Tensor loss = extra.defined() ? adversarial + extra : adversarial;
    discriminator_.optimizer.zero_grad();
    loss.backward();
    record.discriminator_loss.push_back(adversarial.item<double>());
    record.penalty.push_back(extra.defined() ? extra.item<double>() : 0.0);
    if (i + 1 < options_.discriminator_steps) update(discriminator_);
  }
  // Note [Overlap across players]: the generator's forward pass reads no discriminator
  // parameter, so it runs before the last discriminator update. Under data parallelism that
  // update first waits for the all-reduce of the discriminator's gradients, which this
  // forward pass now overlaps. The values, and the order of the random draws, are those of
  // running it after the update.
  const Tensor fake = g(noise_(n, *rng_));
  update(discriminator_);
  // The discriminator's gradients are spent: drop them, so the check below (and memory)
  // sees none until its next step.
  discriminator_.optimizer.zero_grad();
  {
    FrozenParameters frozen(d);
    const Tensor cost = options_.generator_loss(critic(fake));
    generator_.optimizer.zero_grad();
    cost.backward();
    update(generator_);
    record.generator_loss = cost.item<double>();
  }
  record.step = ++step_;
  return record;
}

void GameDriver::run(int64_t steps) {
  for (int64_t i = 0; i < steps; ++i) {
    const StepRecord record = step();
    for (const auto& f : on_step_) f(record);
    for (const auto& [n, f] : every_)
      if (step_ % n == 0) f(*this);
  }
}

void GameDriver::on_step(std::function<void(const StepRecord&)> f) {
  on_step_.push_back(std::move(f));
}

void GameDriver::every(int64_t n, std::function<void(GameDriver&)> f) {
  if (n < 1) throw ValueError(fmt::format("GameDriver::every: n = {}; expected n >= 1", n));
  every_.emplace_back(n, std::move(f));
}

void GameDriver::track(const std::string& name, Generator& gen) {
  for (const auto& [existing, g] : generators_)
    if (existing == name)
      throw ValueError(
          fmt::format("GameDriver::track: a generator named '{}' is already tracked", name));
  generators_.emplace_back(name, &gen);
}

nn::NamedTensors GameDriver::state() const {
  nn::NamedTensors out;
  out.emplace_back("game.step", scalar_tensor(static_cast<double>(step_), kFloat64));
  add_prefixed(out, "generator.", generator_.model.state());
  add_prefixed(out, "discriminator.", discriminator_.model.state());
  add_prefixed(out, "generator_optimizer.", generator_.optimizer.state());
  add_prefixed(out, "discriminator_optimizer.", discriminator_.optimizer.state());
  for (const auto& [name, g] : generators_) out.emplace_back("rng." + name, generator_state(*g));
  return out;
}

void GameDriver::save(const std::string& path) const { nn::write_npz(path, state()); }

void GameDriver::load(const std::string& path) {
  const nn::NamedTensors file = nn::read_npz(path);
  // Check every entry before changing anything, so a checkpoint of another game (another
  // model, another optimiser, other tracked generators) is refused whole.
  const std::string why = nn::state_mismatch(state(), file);
  if (!why.empty())
    throw IoError(
        fmt::format("GameDriver::load {}: the checkpoint is not of this game{}", path, why));
  const std::map<std::string, Tensor> values(file.begin(), file.end());
  nn::load_state(generator_.model, under(file, "generator."), path);
  nn::load_state(discriminator_.model, under(file, "discriminator."), path);
  generator_.optimizer.load_state(under(file, "generator_optimizer."));
  discriminator_.optimizer.load_state(under(file, "discriminator_optimizer."));
  for (const auto& [name, g] : generators_) *g = generator_from(values.at("rng." + name));
  step_ = static_cast<int64_t>(values.at("game.step").item<double>());
}

}  // namespace tg::est

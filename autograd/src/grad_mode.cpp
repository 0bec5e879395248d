#include "tapegrad/autograd/grad_mode.hpp"

#include <atomic>

namespace tg {
namespace {
thread_local bool t_grad_enabled = true;  // Note [Grad mode is thread-local]
std::atomic<bool> g_anomaly{false};
}  // namespace

bool GradMode::is_enabled() { return t_grad_enabled; }
void GradMode::set_enabled(bool on) { t_grad_enabled = on; }
bool AnomalyMode::is_enabled() { return g_anomaly.load(std::memory_order_relaxed); }
void AnomalyMode::set_enabled(bool on) { g_anomaly.store(on, std::memory_order_relaxed); }

}  // namespace tg

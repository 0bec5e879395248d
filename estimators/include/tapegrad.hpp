// tapegrad: one umbrella header over every layer. Finer headers exist per layer
// (tapegrad/autograd.hpp, ...) for faster builds.
#pragma once
#include "tapegrad/autograd.hpp"

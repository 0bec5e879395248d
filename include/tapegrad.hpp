// tapegrad: one umbrella header over every layer. Finer headers exist per layer
// (tapegrad/autograd.hpp, tapegrad/nn.hpp, tapegrad/estimators.hpp) for faster builds.
#pragma once
#include "tapegrad/autograd.hpp"
#include "tapegrad/estimators.hpp"
#include "tapegrad/nn.hpp"

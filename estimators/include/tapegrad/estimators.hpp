// The estimators layer in one include.
#pragma once
#include "tapegrad/estimators/game.hpp"
#include "tapegrad/estimators/gan.hpp"
#include "tapegrad/estimators/gradient_penalty.hpp"
#include "tapegrad/estimators/mode_coverage.hpp"
#include "tapegrad/estimators/parzen.hpp"

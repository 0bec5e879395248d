// The estimators layer in one include.
#pragma once
#include "tapegrad/estimators/distribution.hpp"
#include "tapegrad/estimators/flow.hpp"
#include "tapegrad/estimators/game.hpp"
#include "tapegrad/estimators/gan.hpp"
#include "tapegrad/estimators/gaussian.hpp"
#include "tapegrad/estimators/gradient_penalty.hpp"
#include "tapegrad/estimators/mixture.hpp"
#include "tapegrad/estimators/mle.hpp"
#include "tapegrad/estimators/mode_coverage.hpp"
#include "tapegrad/estimators/nce.hpp"
#include "tapegrad/estimators/parzen.hpp"

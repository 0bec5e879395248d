// The estimators layer in one include.
#pragma once
#include "tapegrad/estimators/gan.hpp"
#include "tapegrad/estimators/gradient_penalty.hpp"
#include "tapegrad/estimators/energy.hpp"
#include "tapegrad/estimators/score_matching.hpp"
#include "tapegrad/estimators/contrastive_divergence.hpp"
#include "tapegrad/estimators/langevin.hpp"

// The estimators layer in one include.
#pragma once
#include "tapegrad/estimators/distribution.hpp"
#include "tapegrad/estimators/flow.hpp"
#include "tapegrad/estimators/gan.hpp"
#include "tapegrad/estimators/gaussian.hpp"
#include "tapegrad/estimators/gradient_penalty.hpp"
#include "tapegrad/estimators/mixture.hpp"
#include "tapegrad/estimators/mle.hpp"
#include "tapegrad/estimators/nce.hpp"
// score matching and energy-based models (est-score)
#include "tapegrad/estimators/contrastive_divergence.hpp"
#include "tapegrad/estimators/energy.hpp"
#include "tapegrad/estimators/flow_contrastive.hpp"
#include "tapegrad/estimators/langevin.hpp"
#include "tapegrad/estimators/score_matching.hpp"
#include "tapegrad/estimators/variational_ebm.hpp"

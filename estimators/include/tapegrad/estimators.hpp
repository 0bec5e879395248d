// The estimators layer in one include.
#pragma once
#include "tapegrad/estimators/gan.hpp"
#include "tapegrad/estimators/gradient_penalty.hpp"

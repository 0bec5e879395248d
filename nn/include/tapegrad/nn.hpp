// The nn layer in one include: modules, layers, initialisers, optimisers, data and
// checkpoints.
#pragma once
#include "tapegrad/autograd.hpp"
#include "tapegrad/nn/activation.hpp"
#include "tapegrad/nn/checkpoint.hpp"
#include "tapegrad/nn/init.hpp"
#include "tapegrad/nn/linear.hpp"
#include "tapegrad/nn/mlp.hpp"
#include "tapegrad/nn/module.hpp"
#include "tapegrad/nn/npz.hpp"
#include "tapegrad/nn/optim/adam.hpp"
#include "tapegrad/nn/optim/clip.hpp"
#include "tapegrad/nn/optim/optimizer.hpp"
#include "tapegrad/nn/optim/rmsprop.hpp"
#include "tapegrad/nn/optim/schedule.hpp"
#include "tapegrad/nn/optim/sgd.hpp"
#include "tapegrad/nn/sequential.hpp"

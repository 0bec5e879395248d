// The distributed layer in one include (built when CMake finds MPI; link tapegrad::dist).
#pragma once
#include "tapegrad/dist/checkpoint.hpp"
#include "tapegrad/dist/communicator.hpp"
#include "tapegrad/dist/data_parallel.hpp"

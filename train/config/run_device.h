// The device of a run ([run] device of RunConfig): where train and fuse run
// qh-ref. Checkpoints and models are device-independent safetensors, so a model
// trained on one device is fused on either.
#pragma once
#include <string>

#include "kernels/common/device.h"

namespace rf::pipe {

// "cpu" -> CPU; "cuda" -> CUDA, or a one-line error when this process has no
// CUDA device (a build without the CUDA backend, or no GPU found); "auto" ->
// CUDA when available, else CPU (autograd/backend.h device_available).
Device resolve_device(const std::string& setting);

// "cuda" / "cpu" for log lines ("cuda (simulated)" when that table is registered).
std::string device_label(Device d);

}  // namespace rf::pipe

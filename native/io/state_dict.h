// Strict loading of a checkpoint into a LibTorch module whose registered names equal the
// checkpoint keys.
#pragma once

#include <string>

#include <torch/nn/module.h>

#include "io/safetensors.h"

namespace hspace::io {

/// Copies every parameter and buffer of `module` from `checkpoint` (keys `prefix` + name),
/// converting to the module's dtype. The key sets must match one for one and every shape must
/// agree; otherwise throws once, naming `what`, the file, the counts and the first missing,
/// unexpected and mis-shaped names. Buffers flagged non-persistent by the caller (listed in
/// `optional_keys`, as module names without `prefix`) may be absent from the checkpoint.
void load_state_dict(torch::nn::Module& module, const Checkpoint& checkpoint, const std::string& what,
                     const std::string& prefix = "", const std::vector<std::string>& optional_keys = {});

}  // namespace hspace::io

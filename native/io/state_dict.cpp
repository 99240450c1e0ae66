#include "io/state_dict.h"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

#include <torch/torch.h>

namespace hspace::io {
namespace {

constexpr size_t kNamesShown = 5;

std::string sizes_string(c10::IntArrayRef sizes) {
  std::ostringstream out;
  out << sizes;
  return out.str();
}

void append_names(std::string& message, const char* label, const std::vector<std::string>& names) {
  if (names.empty()) return;
  message += "; ";
  message += label;
  message += ": ";
  for (size_t i = 0; i < names.size() && i < kNamesShown; ++i) {
    if (i) message += ", ";
    message += names[i];
  }
  if (names.size() > kNamesShown) message += ", ... (" + std::to_string(names.size() - kNamesShown) + " more)";
}

}  // namespace

void load_state_dict(torch::nn::Module& module, const Checkpoint& checkpoint, const std::string& what,
                     const std::string& prefix, const std::vector<std::string>& optional_keys) {
  std::map<std::string, torch::Tensor> targets;  // checkpoint key -> parameter or buffer
  for (const auto& item : module.named_parameters(/*recurse=*/true)) {
    if (item.value().defined()) targets[prefix + item.key()] = item.value();
  }
  for (const auto& item : module.named_buffers(/*recurse=*/true)) {
    if (item.value().defined()) targets[prefix + item.key()] = item.value();
  }
  std::set<std::string> optional;
  for (const auto& key : optional_keys) optional.insert(prefix + key);

  std::set<std::string> in_checkpoint;
  for (const auto& name : checkpoint.names()) {
    if (name.compare(0, prefix.size(), prefix) == 0) in_checkpoint.insert(name);
  }

  std::vector<std::string> missing, unexpected, misshaped;
  for (const auto& [key, target] : targets) {
    if (!in_checkpoint.count(key)) {
      if (!optional.count(key)) missing.push_back(key);
      continue;
    }
    const auto& shape = checkpoint.info(key).shape;
    if (target.sizes() != c10::IntArrayRef(shape)) {
      misshaped.push_back(key + " (module " + sizes_string(target.sizes()) + ", checkpoint " +
                          sizes_string(c10::IntArrayRef(shape)) + ")");
    }
  }
  for (const auto& name : in_checkpoint) {
    if (!targets.count(name)) unexpected.push_back(name);
  }

  if (!missing.empty() || !unexpected.empty() || !misshaped.empty()) {
    std::string message = what + ": checkpoint " + checkpoint.source().string() + " does not match the module";
    if (!prefix.empty()) message += " (keys under '" + prefix + "')";
    message += ": " + std::to_string(missing.size()) + " missing, " + std::to_string(unexpected.size()) +
               " unexpected, " + std::to_string(misshaped.size()) + " mis-shaped of " +
               std::to_string(targets.size()) + " expected tensors";
    append_names(message, "missing", missing);
    append_names(message, "unexpected", unexpected);
    append_names(message, "mis-shaped", misshaped);
    throw std::runtime_error(message);
  }

  torch::NoGradGuard no_grad;
  for (auto& [key, target] : targets) {
    if (!in_checkpoint.count(key)) continue;  // an optional buffer the checkpoint leaves out
    // copy_ converts dtype and device; the source is a read-only view of the mapped file.
    target.copy_(checkpoint.tensor(key));
  }
}

}  // namespace hspace::io

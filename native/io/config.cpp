#include "io/config.h"

#include <stdexcept>

namespace hspace::io {

ConfigReader::ConfigReader(const Json& config, std::string source) : config_(config), source_(std::move(source)) {
  if (!config_.is_object()) throw std::runtime_error(source_ + ": config is not a JSON object");
}

std::string ConfigReader::where(const std::string& key) const { return source_ + ": field '" + key + "'"; }

const Json* ConfigReader::lookup(const std::string& key) const {
  used_.insert(key);
  const Json* value = config_.find(key);
  return value && !value->is_null() ? value : nullptr;
}

bool ConfigReader::has(const std::string& key) const { return lookup(key) != nullptr; }

const Json* ConfigReader::raw(const std::string& key) const {
  used_.insert(key);
  return config_.find(key);
}

namespace {

[[noreturn]] void missing(const std::string& source, const std::string& key, const char* type) {
  throw std::runtime_error(source + ": missing field '" + key + "' (" + type + ")");
}

}  // namespace

int64_t ConfigReader::get_int(const std::string& key) const {
  const Json* v = lookup(key);
  if (!v) missing(source_, key, "an integer");
  return v->as_int(where(key));
}

int64_t ConfigReader::get_int(const std::string& key, int64_t fallback) const {
  const Json* v = lookup(key);
  return v ? v->as_int(where(key)) : fallback;
}

double ConfigReader::get_double(const std::string& key) const {
  const Json* v = lookup(key);
  if (!v) missing(source_, key, "a number");
  return v->as_double(where(key));
}

double ConfigReader::get_double(const std::string& key, double fallback) const {
  const Json* v = lookup(key);
  return v ? v->as_double(where(key)) : fallback;
}

bool ConfigReader::get_bool(const std::string& key, bool fallback) const {
  const Json* v = lookup(key);
  return v ? v->as_bool(where(key)) : fallback;
}

std::string ConfigReader::get_string(const std::string& key) const {
  const Json* v = lookup(key);
  if (!v) missing(source_, key, "a string");
  return v->as_string(where(key));
}

std::string ConfigReader::get_string(const std::string& key, const std::string& fallback) const {
  const Json* v = lookup(key);
  return v ? v->as_string(where(key)) : fallback;
}

std::string ConfigReader::get_choice(const std::string& key, const std::vector<std::string>& allowed,
                                     const std::string& fallback) const {
  std::string value = get_string(key, fallback);
  for (const auto& a : allowed) {
    if (a == value) return value;
  }
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "'" : ", '") + a + "'";
  throw std::runtime_error(where(key) + " is '" + value + "', the engine supports only " + list);
}

std::vector<int64_t> ConfigReader::get_int_list(const std::string& key) const {
  const Json* v = lookup(key);
  if (!v) missing(source_, key, "a list of integers");
  std::vector<int64_t> out;
  for (const Json& item : v->as_array(where(key))) out.push_back(item.as_int(where(key) + " entry"));
  return out;
}

std::vector<std::string> ConfigReader::get_string_list(const std::string& key) const {
  const Json* v = lookup(key);
  if (!v) missing(source_, key, "a list of strings");
  std::vector<std::string> out;
  for (const Json& item : v->as_array(where(key))) out.push_back(item.as_string(where(key) + " entry"));
  return out;
}

std::vector<int64_t> ConfigReader::get_int_or_list(const std::string& key, size_t n) const {
  const Json* v = lookup(key);
  if (!v) missing(source_, key, "an integer or a list of integers");
  if (v->is_number()) return std::vector<int64_t>(n, v->as_int(where(key)));
  if (!v->is_array()) {
    throw std::runtime_error(where(key) + ": expected an integer or a list of integers, got " + v->dump());
  }
  std::vector<int64_t> out;
  for (const Json& item : v->as_array(where(key))) out.push_back(item.as_int(where(key) + " entry"));
  if (out.size() != n) {
    throw std::runtime_error(where(key) + " has " + std::to_string(out.size()) + " values, expected " +
                             std::to_string(n) + " (one per block)");
  }
  return out;
}

std::vector<int64_t> ConfigReader::get_int_or_list(const std::string& key, size_t n, int64_t fallback) const {
  if (!has(key)) return std::vector<int64_t>(n, fallback);
  return get_int_or_list(key, n);
}

void ConfigReader::ignore(const std::vector<std::string>& keys) { used_.insert(keys.begin(), keys.end()); }

void ConfigReader::finish() const {
  for (const auto& [key, value] : config_.as_object(source_)) {
    if (!key.empty() && key[0] == '_') continue;
    if (used_.count(key)) continue;
    std::string shown = value.dump();
    if (shown.size() > 60) shown = shown.substr(0, 57) + "...";
    throw std::runtime_error(source_ + ": unsupported field '" + key + "' = " + shown +
                             " (the engine does not know it; a model relying on it would run wrongly, so "
                             "loading stops: remove the field if it has no effect, or report it)");
  }
}

}  // namespace hspace::io

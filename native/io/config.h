// Typed reading of a component's config.json. Each model part declares the fields it reads
// and the fields it knowingly ignores; anything else fails the load with its name, so an
// unsupported feature never goes unnoticed. Keys starting with "_" (diffusers bookkeeping
// such as _class_name) are always ignored.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "io/json.h"

namespace hspace::io {

class ConfigReader {
 public:
  /// `source` names the file in every message ("model/unet/config.json").
  /// The reader keeps a reference to `config`, which must outlive it.
  ConfigReader(const Json& config, std::string source);
  ConfigReader(Json&& config, std::string source) = delete;  // would dangle

  bool has(const std::string& key) const;  // present and not null
  int64_t get_int(const std::string& key) const;
  int64_t get_int(const std::string& key, int64_t fallback) const;
  double get_double(const std::string& key) const;
  double get_double(const std::string& key, double fallback) const;
  bool get_bool(const std::string& key, bool fallback) const;
  std::string get_string(const std::string& key) const;
  std::string get_string(const std::string& key, const std::string& fallback) const;
  /// A string that must be one of `allowed`; the error lists them.
  std::string get_choice(const std::string& key, const std::vector<std::string>& allowed,
                         const std::string& fallback) const;
  std::vector<int64_t> get_int_list(const std::string& key) const;
  std::vector<std::string> get_string_list(const std::string& key) const;
  /// An int or a list of ints (diffusers' per-block fields); a single int is repeated n times.
  std::vector<int64_t> get_int_or_list(const std::string& key, size_t n) const;
  std::vector<int64_t> get_int_or_list(const std::string& key, size_t n, int64_t fallback) const;
  const Json* raw(const std::string& key) const;  // marks the key as read

  /// Keys that exist in real configs but do not change inference (dropout, init ranges, ids).
  void ignore(const std::vector<std::string>& keys);
  /// Throws naming the first key neither read nor ignored.
  void finish() const;

  /// "source: field 'key' ..." for errors raised by the caller about a value it read.
  std::string where(const std::string& key) const;

 private:
  const Json* lookup(const std::string& key) const;
  const Json& config_;
  std::string source_;
  mutable std::set<std::string> used_;
};

}  // namespace hspace::io

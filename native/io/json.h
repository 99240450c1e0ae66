// A small, strict JSON reader for config files and safetensors headers.
// Bounded recursion and no allocation proportional to anything but the input, so a hostile
// header cannot exhaust the stack; errors name the source and the line and column.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace hspace::io {

class Json {
 public:
  enum class Kind { Null, Bool, Number, String, Array, Object };

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::Null; }
  bool is_bool() const { return kind_ == Kind::Bool; }
  bool is_number() const { return kind_ == Kind::Number; }
  bool is_string() const { return kind_ == Kind::String; }
  bool is_array() const { return kind_ == Kind::Array; }
  bool is_object() const { return kind_ == Kind::Object; }
  /// True for numbers written without fraction or exponent that fit in int64.
  bool is_integer() const { return kind_ == Kind::Number && integral_; }

  // Typed access; each throws std::runtime_error naming `what` and the expected type.
  bool as_bool(const std::string& what) const;
  double as_double(const std::string& what) const;
  int64_t as_int(const std::string& what) const;
  const std::string& as_string(const std::string& what) const;
  const std::vector<Json>& as_array(const std::string& what) const;
  /// Object members in file order (duplicate keys are rejected by the parser).
  const std::vector<std::pair<std::string, Json>>& as_object(const std::string& what) const;

  /// Member lookup on an object; nullptr when absent (or when this is not an object).
  const Json* find(const std::string& key) const;

  /// Compact serialisation (used for hashing configs and for describe()).
  std::string dump() const;

  static Json make_null();
  static Json make_bool(bool v);
  static Json make_number(double v, bool integral, int64_t i);
  static Json make_string(std::string v);
  static Json make_array(std::vector<Json> v);
  static Json make_object(std::vector<std::pair<std::string, Json>> v);

 private:
  Kind kind_ = Kind::Null;
  bool bool_ = false;
  bool integral_ = false;
  double number_ = 0;
  int64_t integer_ = 0;
  std::string string_;
  std::vector<Json> array_;
  std::vector<std::pair<std::string, Json>> object_;
};

/// Parses `text` as one JSON value. `source` (a file name, or "file: header") prefixes errors.
/// Limits nesting to 64 levels.
Json parse_json(std::string_view text, const std::string& source);

/// Reads and parses a whole file; errors name the file.
Json read_json_file(const std::string& path);

}  // namespace hspace::io

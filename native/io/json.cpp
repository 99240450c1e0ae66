// ref: RFC 8259 (The JavaScript Object Notation Data Interchange Format).
//
// Free of LibTorch: tools/fuzz compiles this file with parse_safetensors_header alone.
#include "io/json.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <unordered_set>

namespace hspace::io {
namespace {

constexpr int kMaxDepth = 64;

const char* kind_name(Json::Kind kind) {
  switch (kind) {
    case Json::Kind::Null: return "null";
    case Json::Kind::Bool: return "a boolean";
    case Json::Kind::Number: return "a number";
    case Json::Kind::String: return "a string";
    case Json::Kind::Array: return "an array";
    case Json::Kind::Object: return "an object";
  }
  return "?";
}

[[noreturn]] void type_error(const std::string& what, const char* expected, const Json& got) {
  std::string shown = got.dump();
  if (shown.size() > 40) shown = shown.substr(0, 37) + "...";
  throw std::runtime_error(what + ": expected " + expected + ", got " + kind_name(got.kind()) +
                           " (" + shown + ")");
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

class Parser {
 public:
  Parser(std::string_view text, const std::string& source) : text_(text), source_(source) {}

  Json parse_document() {
    skip_whitespace();
    Json value = parse_value(0);
    skip_whitespace();
    if (pos_ != text_.size()) fail("unexpected data after the JSON value");
    return value;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const { fail_at(pos_, what); }

  [[noreturn]] void fail_at(size_t pos, const std::string& what) const {
    size_t line = 1, column = 1;
    for (size_t i = 0; i < pos && i < text_.size(); ++i) {
      if (text_[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    throw std::runtime_error(source_ + ": line " + std::to_string(line) + ", column " +
                             std::to_string(column) + ": " + what);
  }

  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return text_[pos_]; }

  void skip_whitespace() {
    while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r')) ++pos_;
  }

  void expect_literal(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) fail("invalid literal (expected '" + std::string(word) + "')");
    pos_ += word.size();
  }

  Json parse_value(int depth) {
    if (at_end()) fail("unexpected end of input, expected a value");
    switch (peek()) {
      case '{': return parse_object(depth + 1);
      case '[': return parse_array(depth + 1);
      case '"': return Json::make_string(parse_string());
      case 't': expect_literal("true"); return Json::make_bool(true);
      case 'f': expect_literal("false"); return Json::make_bool(false);
      case 'n': expect_literal("null"); return Json::make_null();
      default:
        if (peek() == '-' || (peek() >= '0' && peek() <= '9')) return parse_number();
        fail(std::string("unexpected character ") + describe_char(peek()) + ", expected a value");
    }
  }

  static std::string describe_char(char c) {
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7F) return std::string("'") + c + "'";
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%02X", u);
    return buf;
  }

  Json parse_object(int depth) {
    if (depth > kMaxDepth) fail("nesting deeper than " + std::to_string(kMaxDepth) + " levels");
    ++pos_;  // '{'
    std::vector<std::pair<std::string, Json>> members;
    std::unordered_set<std::string> keys;
    skip_whitespace();
    if (!at_end() && peek() == '}') {
      ++pos_;
      return Json::make_object(std::move(members));
    }
    while (true) {
      skip_whitespace();
      if (at_end() || peek() != '"') fail("expected a string key");
      size_t key_pos = pos_;
      std::string key = parse_string();
      if (!keys.insert(key).second) fail_at(key_pos, "duplicate key \"" + key + "\"");
      skip_whitespace();
      if (at_end() || peek() != ':') fail("expected ':' after a key");
      ++pos_;
      skip_whitespace();
      Json value = parse_value(depth);
      members.emplace_back(std::move(key), std::move(value));
      skip_whitespace();
      if (at_end()) fail("unexpected end of input in an object");
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() == '}') {
        ++pos_;
        return Json::make_object(std::move(members));
      }
      fail("expected ',' or '}' in an object");
    }
  }

  Json parse_array(int depth) {
    if (depth > kMaxDepth) fail("nesting deeper than " + std::to_string(kMaxDepth) + " levels");
    ++pos_;  // '['
    std::vector<Json> items;
    skip_whitespace();
    if (!at_end() && peek() == ']') {
      ++pos_;
      return Json::make_array(std::move(items));
    }
    while (true) {
      skip_whitespace();
      items.push_back(parse_value(depth));
      skip_whitespace();
      if (at_end()) fail("unexpected end of input in an array");
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() == ']') {
        ++pos_;
        return Json::make_array(std::move(items));
      }
      fail("expected ',' or ']' in an array");
    }
  }

  uint32_t parse_hex4() {
    if (text_.size() - pos_ < 4) fail("truncated \\u escape");
    uint32_t value = 0;
    for (int i = 0; i < 4; ++i) {
      char c = text_[pos_ + i];
      value <<= 4;
      if (c >= '0' && c <= '9') value |= c - '0';
      else if (c >= 'a' && c <= 'f') value |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') value |= c - 'A' + 10;
      else fail_at(pos_ + i, "invalid hex digit in a \\u escape");
    }
    pos_ += 4;
    return value;
  }

  // Copies one UTF-8 sequence starting at pos_, rejecting overlong forms, surrogates and
  // code points past U+10FFFF (RFC 8259 section 8.1: JSON text is UTF-8).
  void copy_utf8(std::string& out) {
    auto lead = static_cast<unsigned char>(text_[pos_]);
    size_t length;
    uint32_t cp;
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
      cp = lead & 0x1F;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      cp = lead & 0x0F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      cp = lead & 0x07;
    } else {
      fail("invalid UTF-8 byte " + describe_char(static_cast<char>(lead)));
    }
    if (text_.size() - pos_ < length) fail("truncated UTF-8 sequence");
    for (size_t i = 1; i < length; ++i) {
      auto c = static_cast<unsigned char>(text_[pos_ + i]);
      if ((c & 0xC0) != 0x80) fail_at(pos_ + i, "invalid UTF-8 continuation byte");
      cp = (cp << 6) | (c & 0x3F);
    }
    bool overlong = (length == 3 && cp < 0x800) || (length == 4 && cp < 0x10000);
    if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) fail("invalid UTF-8 sequence");
    out.append(text_.data() + pos_, length);
    pos_ += length;
  }

  std::string parse_string() {
    ++pos_;  // opening quote
    std::string out;
    while (true) {
      if (at_end()) fail("unterminated string");
      auto c = static_cast<unsigned char>(peek());
      if (c == '"') {
        ++pos_;
        return out;
      }
      if (c < 0x20) fail("control character " + describe_char(static_cast<char>(c)) + " in a string (escape it)");
      if (c >= 0x80) {
        copy_utf8(out);
        continue;
      }
      if (c != '\\') {
        out += static_cast<char>(c);
        ++pos_;
        continue;
      }
      size_t escape_pos = pos_;
      ++pos_;
      if (at_end()) fail("unterminated escape");
      char e = peek();
      ++pos_;
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          uint32_t cp = parse_hex4();
          if (cp >= 0xDC00 && cp <= 0xDFFF) fail_at(escape_pos, "lone low surrogate in a \\u escape");
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (text_.substr(pos_, 2) != "\\u") fail_at(escape_pos, "high surrogate not followed by a low surrogate");
            pos_ += 2;
            uint32_t low = parse_hex4();
            if (low < 0xDC00 || low > 0xDFFF) fail_at(escape_pos, "high surrogate not followed by a low surrogate");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          append_utf8(out, cp);
          break;
        }
        default: fail_at(escape_pos, "invalid escape '\\" + std::string(1, e) + "'");
      }
    }
  }

  // Roughly log10 of a syntactically valid number's magnitude: only its sign matters here.
  static int64_t decimal_magnitude(std::string_view number) {
    size_t e = number.find_first_of("eE");
    std::string_view mantissa = number.substr(0, e);
    int64_t exponent = 0;
    if (e != std::string_view::npos) {
      size_t i = e + 1;
      bool negative = number[i] == '-';
      if (number[i] == '+' || number[i] == '-') ++i;
      for (; i < number.size(); ++i) exponent = std::min<int64_t>(exponent * 10 + (number[i] - '0'), 1'000'000'000);
      if (negative) exponent = -exponent;
    }
    int64_t position = 0;  // digits before the decimal point, counted from the first non-zero one
    bool seen_point = false, seen_nonzero = false;
    for (char c : mantissa) {
      if (c == '.') {
        seen_point = true;
      } else if (c >= '1' && c <= '9' && !seen_nonzero) {
        seen_nonzero = true;
        if (!seen_point) ++position;
      } else if (c >= '0' && c <= '9') {
        if (!seen_point && seen_nonzero) ++position;
        if (seen_point && !seen_nonzero) --position;
      }
    }
    return position + exponent;
  }

  Json parse_number() {
    size_t start = pos_;
    if (peek() == '-') ++pos_;
    auto digit = [&] { return !at_end() && peek() >= '0' && peek() <= '9'; };
    if (!digit()) fail("expected a digit");
    if (peek() == '0') {
      ++pos_;
      if (digit()) fail_at(start, "leading zeros are not allowed in numbers");
    } else {
      while (digit()) ++pos_;
    }
    bool integral = true;
    if (!at_end() && peek() == '.') {
      integral = false;
      ++pos_;
      if (!digit()) fail("expected a digit after the decimal point");
      while (digit()) ++pos_;
    }
    if (!at_end() && (peek() == 'e' || peek() == 'E')) {
      integral = false;
      ++pos_;
      if (!at_end() && (peek() == '+' || peek() == '-')) ++pos_;
      if (!digit()) fail("expected a digit in the exponent");
      while (digit()) ++pos_;
    }
    const char* first = text_.data() + start;
    const char* last = text_.data() + pos_;
    if (integral) {
      int64_t i = 0;
      auto [ptr, ec] = std::from_chars(first, last, i);
      if (ec == std::errc() && ptr == last) return Json::make_number(static_cast<double>(i), true, i);
      // Integers beyond int64 fall through to a (non-integral) double.
    }
    double d = 0;
    auto [ptr, ec] = std::from_chars(first, last, d);
    if (ptr != last) fail_at(start, "invalid number");
    if (ec == std::errc::result_out_of_range) {
      // from_chars leaves d untouched here: tell overflow (an error) from underflow (zero).
      if (decimal_magnitude(std::string_view(first, last - first)) > 0) fail_at(start, "number out of range of a double");
      d = *first == '-' ? -0.0 : 0.0;
    }
    return Json::make_number(d, false, 0);
  }

  std::string_view text_;
  const std::string& source_;
  size_t pos_ = 0;
};

void dump_string(const std::string& s, std::string& out) {
  out += '"';
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

void dump_value(const Json& v, std::string& out) {
  switch (v.kind()) {
    case Json::Kind::Null: out += "null"; return;
    case Json::Kind::Bool: out += v.as_bool("") ? "true" : "false"; return;
    case Json::Kind::Number: {
      char buf[32];
      auto result = v.is_integer() ? std::to_chars(buf, buf + sizeof buf, v.as_int(""))
                                   : std::to_chars(buf, buf + sizeof buf, v.as_double(""));
      out.append(buf, result.ptr);
      return;
    }
    case Json::Kind::String: dump_string(v.as_string(""), out); return;
    case Json::Kind::Array: {
      out += '[';
      bool first = true;
      for (const auto& item : v.as_array("")) {
        if (!first) out += ',';
        first = false;
        dump_value(item, out);
      }
      out += ']';
      return;
    }
    case Json::Kind::Object: {
      out += '{';
      bool first = true;
      for (const auto& [key, item] : v.as_object("")) {
        if (!first) out += ',';
        first = false;
        dump_string(key, out);
        out += ':';
        dump_value(item, out);
      }
      out += '}';
      return;
    }
  }
}

}  // namespace

bool Json::as_bool(const std::string& what) const {
  if (kind_ != Kind::Bool) type_error(what, "a boolean", *this);
  return bool_;
}

double Json::as_double(const std::string& what) const {
  if (kind_ != Kind::Number) type_error(what, "a number", *this);
  return number_;
}

int64_t Json::as_int(const std::string& what) const {
  if (!is_integer()) type_error(what, "an integer", *this);
  return integer_;
}

const std::string& Json::as_string(const std::string& what) const {
  if (kind_ != Kind::String) type_error(what, "a string", *this);
  return string_;
}

const std::vector<Json>& Json::as_array(const std::string& what) const {
  if (kind_ != Kind::Array) type_error(what, "an array", *this);
  return array_;
}

const std::vector<std::pair<std::string, Json>>& Json::as_object(const std::string& what) const {
  if (kind_ != Kind::Object) type_error(what, "an object", *this);
  return object_;
}

const Json* Json::find(const std::string& key) const {
  if (kind_ != Kind::Object) return nullptr;
  for (const auto& [k, v] : object_) {
    if (k == key) return &v;
  }
  return nullptr;
}

std::string Json::dump() const {
  std::string out;
  dump_value(*this, out);
  return out;
}

Json Json::make_null() { return Json(); }

Json Json::make_bool(bool v) {
  Json j;
  j.kind_ = Kind::Bool;
  j.bool_ = v;
  return j;
}

Json Json::make_number(double v, bool integral, int64_t i) {
  Json j;
  j.kind_ = Kind::Number;
  j.number_ = integral ? static_cast<double>(i) : v;
  j.integral_ = integral;
  j.integer_ = integral ? i : 0;
  return j;
}

Json Json::make_string(std::string v) {
  Json j;
  j.kind_ = Kind::String;
  j.string_ = std::move(v);
  return j;
}

Json Json::make_array(std::vector<Json> v) {
  Json j;
  j.kind_ = Kind::Array;
  j.array_ = std::move(v);
  return j;
}

Json Json::make_object(std::vector<std::pair<std::string, Json>> v) {
  Json j;
  j.kind_ = Kind::Object;
  j.object_ = std::move(v);
  return j;
}

Json parse_json(std::string_view text, const std::string& source) {
  return Parser(text, source).parse_document();
}

Json read_json_file(const std::string& path) {
  std::error_code ec;
  auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status)) throw std::runtime_error(path + ": file not found");
  if (std::filesystem::is_directory(status)) throw std::runtime_error(path + ": is a folder, expected a JSON file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open (" + std::strerror(errno) + ")");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) throw std::runtime_error(path + ": read error (" + std::strerror(errno) + ")");
  return parse_json(buffer.str(), path);
}

}  // namespace hspace::io

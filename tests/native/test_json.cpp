#include <gtest/gtest.h>

#include <limits>
#include <stdexcept>
#include <string>

#include "io/json.h"
#include "io_fixtures.h"

using hspace::io::Json;
using hspace::io::parse_json;
using hspace::io::read_json_file;

namespace {

// The message parse_json throws for `text`, or "" when it parses.
std::string error_of(const std::string& text) {
  try {
    parse_json(text, "t.json");
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Json, ParsesNestedValuesInFileOrder) {
  Json j = parse_json(R"( {"b": [1, -2.5, true, false, null], "a": {"x": "y"}} )", "t.json");
  const auto& members = j.as_object("root");
  ASSERT_EQ(members.size(), 2u);
  EXPECT_EQ(members[0].first, "b");
  EXPECT_EQ(members[1].first, "a");
  const auto& list = j.find("b")->as_array("b");
  ASSERT_EQ(list.size(), 5u);
  EXPECT_EQ(list[0].as_int("0"), 1);
  EXPECT_DOUBLE_EQ(list[1].as_double("1"), -2.5);
  EXPECT_TRUE(list[2].as_bool("2"));
  EXPECT_FALSE(list[3].as_bool("3"));
  EXPECT_TRUE(list[4].is_null());
  EXPECT_EQ(j.find("a")->find("x")->as_string("x"), "y");
  EXPECT_EQ(j.find("missing"), nullptr);
}

TEST(Json, IntegersAreExactInInt64) {
  Json j = parse_json("[9223372036854775807, -9223372036854775808, 9007199254740993]", "t");
  const auto& v = j.as_array("");
  EXPECT_EQ(v[0].as_int(""), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(v[1].as_int(""), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(v[2].as_int(""), 9007199254740993LL);  // not representable in a double
}

TEST(Json, FractionsAndExponentsAreDoublesNotIntegers) {
  Json j = parse_json("[1.0, 1e3, 2E-2, 18446744073709551616]", "t");
  const auto& v = j.as_array("");
  for (const auto& x : v) EXPECT_FALSE(x.is_integer()) << x.dump();
  EXPECT_DOUBLE_EQ(v[1].as_double(""), 1000.0);
  EXPECT_DOUBLE_EQ(v[2].as_double(""), 0.02);
  EXPECT_DOUBLE_EQ(v[3].as_double(""), 18446744073709551616.0);
}

TEST(Json, UnicodeEscapesIncludingSurrogatePairsBecomeUtf8) {
  Json j = parse_json(R"(["\u0041\u00e9\u4e2d\ud83d\ude00", "\"\\\/\b\f\n\r\t"])", "t");
  EXPECT_EQ(j.as_array("")[0].as_string(""), "A\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80");
  EXPECT_EQ(j.as_array("")[1].as_string(""), "\"\\/\b\f\n\r\t");
}

TEST(Json, RawUtf8PassesThrough) {
  Json j = parse_json("\"caf\xC3\xA9 \xF0\x9F\x98\x80\"", "t");
  EXPECT_EQ(j.as_string(""), "caf\xC3\xA9 \xF0\x9F\x98\x80");
}

TEST(Json, DumpRoundTrips) {
  const std::string text = R"({"a":[1,-2.5,true,null],"b":{"c":"q\"\n\u0001"},"d":1e-07})";
  Json j = parse_json(text, "t");
  Json again = parse_json(j.dump(), "t");
  EXPECT_EQ(again.dump(), j.dump());
  EXPECT_EQ(j.find("a")->dump(), "[1,-2.5,true,null]");
  EXPECT_DOUBLE_EQ(again.find("d")->as_double(""), 1e-07);
}

TEST(Json, ErrorNamesSourceLineAndColumn) {
  std::string e = error_of("{\n  \"a\": 1,\n  \"b\": x\n}");
  EXPECT_NE(e.find("t.json: line 3, column 8:"), std::string::npos) << e;
}

TEST(Json, RejectsDuplicateKeys) {
  std::string e = error_of(R"({"a": 1, "a": 2})");
  EXPECT_NE(e.find("duplicate key \"a\""), std::string::npos) << e;
}

TEST(Json, RejectsTrailingGarbage) {
  std::string e = error_of("{} x");
  EXPECT_NE(e.find("unexpected data after the JSON value"), std::string::npos) << e;
}

TEST(Json, RejectsTrailingComma) {
  EXPECT_NE(error_of("[1, 2,]"), "");
  EXPECT_NE(error_of(R"({"a": 1,})"), "");
}

TEST(Json, RejectsNestingDeeperThan64) {
  EXPECT_EQ(error_of(std::string(64, '[') + std::string(64, ']')), "");
  std::string e = error_of(std::string(65, '[') + std::string(65, ']'));
  EXPECT_NE(e.find("nesting deeper than 64"), std::string::npos) << e;
}

TEST(Json, DeepNestingFailsWithoutExhaustingTheStack) {
  std::string e = error_of(std::string(1'000'000, '['));
  EXPECT_NE(e.find("nesting deeper than 64"), std::string::npos) << e;
}

TEST(Json, RejectsControlCharactersInStrings) {
  std::string e = error_of("\"a\tb\"");
  EXPECT_NE(e.find("control character"), std::string::npos) << e;
}

TEST(Json, RejectsLoneSurrogates) {
  EXPECT_NE(error_of(R"("\ud83d")").find("high surrogate"), std::string::npos);
  EXPECT_NE(error_of(R"("\ude00")").find("lone low surrogate"), std::string::npos);
  EXPECT_NE(error_of(R"("\ud83d\u0041")").find("high surrogate"), std::string::npos);
}

TEST(Json, RejectsInvalidUtf8) {
  EXPECT_NE(error_of("\"\xC0\xAF\"").find("UTF-8"), std::string::npos);      // overlong '/'
  EXPECT_NE(error_of("\"\xED\xA0\x80\"").find("UTF-8"), std::string::npos);  // encoded surrogate
  EXPECT_NE(error_of("\"\xE4\xB8\"").find("UTF-8"), std::string::npos);      // truncated
}

TEST(Json, RejectsBadEscapes) {
  EXPECT_NE(error_of(R"("\x41")").find("invalid escape"), std::string::npos);
  EXPECT_NE(error_of(R"("\u12G4")").find("hex digit"), std::string::npos);
}

TEST(Json, RejectsMalformedNumbers) {
  for (const char* bad : {"01", "-", "1.", ".5", "1e", "+1", "0x10", "1e+", "NaN", "Infinity"}) {
    EXPECT_NE(error_of(bad), "") << bad;
  }
}

TEST(Json, RejectsNumbersPastDoubleRange) {
  EXPECT_NE(error_of("1e400").find("out of range"), std::string::npos);
  EXPECT_NE(error_of("-1e400").find("out of range"), std::string::npos);
  EXPECT_EQ(parse_json("1e-400", "t").as_double(""), 0.0);  // underflow rounds to zero
}

TEST(Json, RejectsEmptyAndUnterminatedInput) {
  EXPECT_NE(error_of("").find("unexpected end of input"), std::string::npos);
  EXPECT_NE(error_of("{\"a\": [1, 2").find("unexpected end of input"), std::string::npos);
  EXPECT_NE(error_of("\"abc").find("unterminated string"), std::string::npos);
}

TEST(Json, TypeErrorsNameTheValueAndTheExpectedType) {
  Json j = parse_json(R"({"n": 1.5, "s": "x"})", "t");
  try {
    j.find("n")->as_int("cfg: field 'n'");
    FAIL() << "as_int accepted 1.5";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cfg: field 'n': expected an integer, got a number (1.5)"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(j.find("s")->as_double("s"), std::runtime_error);
  EXPECT_THROW(j.as_array("root"), std::runtime_error);
  EXPECT_THROW(j.find("s")->as_bool("s"), std::runtime_error);
}

TEST(Json, ReadJsonFileNamesAMissingFile) {
  hspace::testing::TempDir dir;
  std::string path = (dir / "absent.json").string();
  try {
    read_json_file(path);
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), path + ": file not found");
  }
}

TEST(Json, ReadJsonFileNamesAFolder) {
  hspace::testing::TempDir dir;
  EXPECT_THROW(
      {
        try {
          read_json_file(dir.path().string());
        } catch (const std::runtime_error& e) {
          EXPECT_NE(std::string(e.what()).find(dir.path().string() + ": is a folder"), std::string::npos);
          throw;
        }
      },
      std::runtime_error);
}

TEST(Json, ReadJsonFileParseErrorsNameTheFile) {
  hspace::testing::TempDir dir;
  auto path = dir / "bad.json";
  hspace::testing::write_file(path, "{\"a\": }");
  try {
    read_json_file(path.string());
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(path.string() + ": line 1, column 7"), std::string::npos) << e.what();
  }
}

TEST(Json, ReadJsonFileReadsAFile) {
  hspace::testing::TempDir dir;
  auto path = dir / "ok.json";
  hspace::testing::write_file(path, "{\"sample_size\": 64}\n");
  EXPECT_EQ(read_json_file(path.string()).find("sample_size")->as_int(""), 64);
}

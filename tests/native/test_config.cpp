#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "io/config.h"

using hspace::io::ConfigReader;
using hspace::io::Json;
using hspace::io::parse_json;

namespace {

const char* kConfig = R"({
  "_class_name": "UNet2DConditionModel",
  "_diffusers_version": "0.35.2",
  "in_channels": 4,
  "norm_eps": 1e-05,
  "scale": 2,
  "center_input_sample": false,
  "act_fn": "silu",
  "block_out_channels": [32, 64],
  "down_block_types": ["CrossAttnDownBlock2D", "DownBlock2D"],
  "attention_head_dim": 8,
  "transformer_layers_per_block": [1, 2],
  "addition_embed_type": null,
  "dropout": 0.0,
  "mystery": 1
})";

#define EXPECT_THROW_CONTAINING(statement, needle)                                          \
  try {                                                                                     \
    statement;                                                                              \
    ADD_FAILURE() << #statement " did not throw";                                           \
  } catch (const std::runtime_error& e) {                                                   \
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << "message: " << e.what(); \
  }

class ConfigTest : public ::testing::Test {
 protected:
  Json json = parse_json(kConfig, "unet/config.json");
  ConfigReader reader{json, "unet/config.json"};
};

}  // namespace

TEST_F(ConfigTest, ReadsTypedFields) {
  EXPECT_EQ(reader.get_int("in_channels"), 4);
  EXPECT_DOUBLE_EQ(reader.get_double("norm_eps"), 1e-05);
  EXPECT_DOUBLE_EQ(reader.get_double("scale"), 2.0);  // an integer is a valid number
  EXPECT_FALSE(reader.get_bool("center_input_sample", true));
  EXPECT_EQ(reader.get_string("act_fn"), "silu");
  EXPECT_EQ(reader.get_int_list("block_out_channels"), (std::vector<int64_t>{32, 64}));
  EXPECT_EQ(reader.get_string_list("down_block_types"),
            (std::vector<std::string>{"CrossAttnDownBlock2D", "DownBlock2D"}));
}

TEST_F(ConfigTest, FallbacksApplyWhenAbsentOrNull) {
  EXPECT_EQ(reader.get_int("sample_size", 64), 64);
  EXPECT_EQ(reader.get_string("addition_embed_type", "none"), "none");
  EXPECT_FALSE(reader.has("addition_embed_type"));
  EXPECT_TRUE(reader.has("act_fn"));
  EXPECT_DOUBLE_EQ(reader.get_double("absent", 0.5), 0.5);
  EXPECT_TRUE(reader.get_bool("absent_flag", true));
}

TEST_F(ConfigTest, IntOrListRepeatsASingleInt) {
  EXPECT_EQ(reader.get_int_or_list("attention_head_dim", 3), (std::vector<int64_t>{8, 8, 8}));
  EXPECT_EQ(reader.get_int_or_list("transformer_layers_per_block", 2), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(reader.get_int_or_list("num_attention_heads", 2, 5), (std::vector<int64_t>{5, 5}));
}

TEST_F(ConfigTest, IntOrListOfTheWrongLength) {
  EXPECT_THROW_CONTAINING(reader.get_int_or_list("transformer_layers_per_block", 3),
                          "unet/config.json: field 'transformer_layers_per_block' has 2 values, expected 3");
}

TEST_F(ConfigTest, ChoiceOutsideTheAllowedValues) {
  EXPECT_EQ(reader.get_choice("act_fn", {"silu", "gelu"}, "silu"), "silu");
  EXPECT_THROW_CONTAINING(reader.get_choice("act_fn", {"gelu", "quick_gelu"}, "gelu"),
                          "unet/config.json: field 'act_fn' is 'silu', the engine supports only 'gelu', 'quick_gelu'");
}

TEST_F(ConfigTest, MissingRequiredField) {
  EXPECT_THROW_CONTAINING(reader.get_int("out_channels"), "unet/config.json: missing field 'out_channels' (an integer)");
}

TEST_F(ConfigTest, NullRequiredFieldCountsAsMissing) {
  EXPECT_THROW_CONTAINING(reader.get_string("addition_embed_type"), "missing field 'addition_embed_type' (a string)");
}

TEST_F(ConfigTest, UnknownFieldFailsFinish) {
  reader.get_int("in_channels");
  reader.ignore({"norm_eps", "scale", "center_input_sample", "act_fn", "block_out_channels", "down_block_types",
                 "attention_head_dim", "transformer_layers_per_block", "addition_embed_type", "dropout"});
  EXPECT_THROW_CONTAINING(reader.finish(),
                          "unet/config.json: unsupported field 'mystery' = 1 (the engine does not know it;");
}

TEST_F(ConfigTest, FinishNamesTheFirstUnreadFieldInFileOrder) {
  reader.get_int("in_channels");
  EXPECT_THROW_CONTAINING(reader.finish(), "unsupported field 'norm_eps'");
}

TEST_F(ConfigTest, FinishPassesWhenEveryFieldIsReadOrIgnored) {
  reader.get_int("in_channels");
  reader.get_double("norm_eps");
  reader.get_double("scale");
  reader.get_bool("center_input_sample", false);
  reader.get_string("act_fn");
  reader.get_int_list("block_out_channels");
  reader.get_string_list("down_block_types");
  reader.get_int_or_list("attention_head_dim", 2);
  EXPECT_NE(reader.raw("transformer_layers_per_block"), nullptr);
  EXPECT_FALSE(reader.has("addition_embed_type"));
  reader.ignore({"dropout", "mystery"});
  EXPECT_NO_THROW(reader.finish());  // _class_name and _diffusers_version are never required
}

TEST_F(ConfigTest, WrongTypeIntGivenAString) {
  EXPECT_THROW_CONTAINING(reader.get_int("act_fn"), "unet/config.json: field 'act_fn': expected an integer, got a string");
}

TEST_F(ConfigTest, WrongTypeIntGivenAFraction) {
  EXPECT_THROW_CONTAINING(reader.get_int("norm_eps", 0), "field 'norm_eps': expected an integer, got a number (1e-05)");
}

TEST_F(ConfigTest, WrongTypeBoolGivenANumber) {
  EXPECT_THROW_CONTAINING(reader.get_bool("in_channels", false), "field 'in_channels': expected a boolean");
}

TEST_F(ConfigTest, WrongTypeStringGivenAList) {
  EXPECT_THROW_CONTAINING(reader.get_string("block_out_channels"), "field 'block_out_channels': expected a string, got an array");
}

TEST_F(ConfigTest, WrongTypeListEntry) {
  EXPECT_THROW_CONTAINING(reader.get_int_list("down_block_types"), "field 'down_block_types' entry: expected an integer");
}

TEST_F(ConfigTest, WrongTypeIntOrListGivenAString) {
  EXPECT_THROW_CONTAINING(reader.get_int_or_list("act_fn", 2), "field 'act_fn': expected an integer or a list of integers");
}

TEST_F(ConfigTest, WhereNamesSourceAndField) { EXPECT_EQ(reader.where("in_channels"), "unet/config.json: field 'in_channels'"); }

TEST(Config, NotAnObject) {
  Json json = parse_json("[1]", "c.json");
  EXPECT_THROW_CONTAINING(ConfigReader(json, "c.json"), "c.json: config is not a JSON object");
}

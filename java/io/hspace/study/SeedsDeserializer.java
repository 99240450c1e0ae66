package io.hspace.study;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Seeds as a list of integers and ranges ({@code [0, 7, "10-15"]}) or one string
 * ({@code "0-15,42"}); a seed listed twice is an error (it would weigh that seed double).
 */
final class SeedsDeserializer extends JsonDeserializer<List<Long>> {
    @Override
    public List<Long> deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
        Set<Long> seeds = new LinkedHashSet<>();
        if (p.currentToken() == JsonToken.START_ARRAY) {
            while (p.nextToken() != JsonToken.END_ARRAY) {
                if (p.currentToken() == JsonToken.VALUE_NUMBER_INT) {
                    add(seeds, p.getLongValue(), p);
                } else if (p.currentToken() == JsonToken.VALUE_STRING) {
                    parse(p.getText(), seeds, p);
                } else {
                    throw MismatchedInputException.from(p, List.class,
                            "seeds: expected an integer or a range like \"0-15\", got " + p.currentToken());
                }
            }
        } else if (p.currentToken() == JsonToken.VALUE_STRING) {
            parse(p.getText(), seeds, p);
        } else if (p.currentToken() == JsonToken.VALUE_NUMBER_INT) {
            add(seeds, p.getLongValue(), p);
        } else {
            throw MismatchedInputException.from(p, List.class,
                    "seeds: expected a list of integers and ranges, or a string like \"0-15,42\", got " + p.currentToken());
        }
        return new ArrayList<>(seeds);
    }

    /** Parses "0-15,42" into seeds, reporting problems at the parser's location. */
    static void parse(String text, Set<Long> seeds, JsonParser p) throws IOException {
        try {
            Seeds.addAll(text, seeds);
        } catch (IllegalArgumentException e) {
            throw MismatchedInputException.from(p, List.class, e.getMessage());
        }
    }

    private static void add(Set<Long> seeds, long s, JsonParser p) throws IOException {
        try {
            Seeds.add(seeds, s);
        } catch (IllegalArgumentException e) {
            throw MismatchedInputException.from(p, List.class, e.getMessage());
        }
    }
}

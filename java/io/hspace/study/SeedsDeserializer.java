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

    /** Parses "0-15,42" into seeds; throws naming the bad part. */
    static void parse(String text, Set<Long> seeds, JsonParser p) throws IOException {
        for (String part : text.split(",")) {
            String t = part.trim();
            try {
                int dash = t.indexOf('-', 1);
                if (dash < 0) {
                    add(seeds, Long.parseLong(t), p);
                    continue;
                }
                long from = Long.parseLong(t.substring(0, dash).trim());
                long to = Long.parseLong(t.substring(dash + 1).trim());
                if (to < from) {
                    throw MismatchedInputException.from(p, List.class, "seeds: range '" + t + "' runs backwards");
                }
                if (to - from > 1_000_000) {
                    throw MismatchedInputException.from(p, List.class, "seeds: range '" + t + "' is over a million seeds");
                }
                for (long s = from; s <= to; s++) {
                    add(seeds, s, p);
                }
            } catch (NumberFormatException e) {
                throw MismatchedInputException.from(p, List.class, "seeds: '" + t + "' is neither a seed nor a range like 0-15");
            }
        }
    }

    private static void add(Set<Long> seeds, long s, JsonParser p) throws IOException {
        if (s < 0) {
            throw MismatchedInputException.from(p, List.class, "seeds: " + s + " is negative");
        }
        if (!seeds.add(s)) {
            throw MismatchedInputException.from(p, List.class, "seeds: " + s + " is listed twice");
        }
    }
}

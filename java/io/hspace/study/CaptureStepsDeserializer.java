package io.hspace.study;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * capture.steps: {@code all}, {@code last} or a list of 0-based step indices. "all" and "last"
 * come back as the markers {@link #ALL} and {@link #LAST}, resolved once the sampler's steps are known.
 */
final class CaptureStepsDeserializer extends JsonDeserializer<List<Integer>> {
    static final List<Integer> ALL = List.of(-1);
    static final List<Integer> LAST = List.of(-2);

    @Override
    public List<Integer> deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
        if (p.currentToken() == JsonToken.VALUE_STRING) {
            switch (p.getText()) {
                case "all":
                    return ALL;
                case "last":
                    return LAST;
                default:
                    throw MismatchedInputException.from(p, List.class,
                            "capture.steps: expected all, last or a list of step indices, got '" + p.getText() + "'");
            }
        }
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw MismatchedInputException.from(p, List.class,
                    "capture.steps: expected all, last or a list of step indices, got " + p.currentToken());
        }
        List<Integer> out = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            if (p.currentToken() != JsonToken.VALUE_NUMBER_INT || p.getIntValue() < 0) {
                throw MismatchedInputException.from(p, List.class, "capture.steps: '" + p.getText() + "' is not a step index (0, 1, ...)");
            }
            out.add(p.getIntValue());
        }
        return out;
    }
}

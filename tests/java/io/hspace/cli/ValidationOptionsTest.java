package io.hspace.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The options condition and steer share, refused before a model is opened or anything is written. */
class ValidationOptionsTest {

    @TempDir
    Path tmp;

    /** Each command sharing the options, with its other required arguments. */
    static Stream<List<String>> commands() {
        return Stream.of(List.of("condition", "IMAGES"),
                List.of("steer", "--from", "a {shape}", "--to", "a blue {shape}", "--over", "shape=circle", "--steered", "color",
                        "--target", "blue"));
    }

    @ParameterizedTest
    @MethodSource("commands")
    void aNegativeBatchIsRefusedNamingTheOptionAndWritesNothing(List<String> command) {
        List<String> args = new ArrayList<>(command.stream().map(a -> a.equals("IMAGES") ? tmp.toString() : a).toList());
        args.addAll(List.of("--batch", "-1", "--out", tmp.resolve("out").toString()));
        String err = CommandOutput.runFailing(args.toArray(String[]::new));
        assertTrue(err.contains("--batch must be 0"), err);
        assertTrue(Files.notExists(tmp.resolve("out")), "nothing written");
    }
}

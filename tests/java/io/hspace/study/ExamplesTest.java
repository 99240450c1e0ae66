package io.hspace.study;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** Every study file in examples/ loads with the study loader (nothing is run), so the examples stay valid. */
class ExamplesTest {

    @TestFactory
    Stream<DynamicTest> everyExampleStudyLoads() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(Path.of("examples"))) {
            files = s.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".json")).sorted().toList();
        }
        assertFalse(files.isEmpty(), "examples/ holds no study file");
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
            Study study = Study.load(f);
            assertFalse(study.prompts().isEmpty(), f.toString());
            assertTrue(study.warnings().isEmpty(), f + ": " + study.warnings());
            assertTrue(study.model().isAbsolute() && study.model().startsWith(f.toAbsolutePath().getParent().getParent()),
                    f + ": model path " + study.model() + " is not resolved against the study file");
        }));
    }
}

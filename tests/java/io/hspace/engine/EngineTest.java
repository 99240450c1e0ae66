package io.hspace.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalInt;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Java wrapper over the native engine: lifecycle, errors crossing JNI, results. */
class EngineTest {
    static final Path TEXT_ENCODER = Path.of("tests/golden/text_encoders/sd15");

    @Test
    void describesASingleTextEncoderFolder() {
        try (Engine engine = Engine.open(TEXT_ENCODER, EngineOptions.cpu())) {
            String json = engine.describeJson();
            assertTrue(json.contains("\"family\":\"CLIP text encoder\""), json);
            assertTrue(json.contains("\"loaded\":true"), json);
        }
    }

    @Test
    void encodesTextThroughJni() {
        try (Engine engine = Engine.open(TEXT_ENCODER, EngineOptions.cpu())) {
            int[][] ids = {{0, 5, 7, 9, 1}, {0, 3, 1, 1, 1}};
            Map<String, FloatTensor> out = engine.encodeText(0, ids, OptionalInt.of(-2));
            FloatTensor last = out.get("last_hidden_state");
            assertEquals(2, last.dim(0));
            assertEquals(5, last.dim(1));
            assertEquals(last.shape()[2], out.get("pooler_output").dim(1));
            assertTrue(out.containsKey("hidden_states"));
        }
    }

    @Test
    void nativeErrorsArriveWithTheEngineMessage(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("config.json"), "{\"architectures\": [\"CLIPTextModel\"]}");
        Files.write(dir.resolve("pytorch_model.bin"), new byte[] {1, 2, 3});
        EngineException e = assertThrows(EngineException.class, () -> Engine.open(dir, EngineOptions.cpu()));
        assertTrue(e.getMessage().startsWith("loading model from " + dir), e.getMessage());
        assertTrue(e.getMessage().contains("safetensors"), e.getMessage());
    }

    @Test
    void closedEngineRefusesWork() {
        Engine engine = Engine.open(TEXT_ENCODER, EngineOptions.cpu());
        engine.close();
        engine.close();
        assertThrows(IllegalStateException.class, engine::describeJson);
    }

    @Test
    void repeatedOpenCloseDoesNotLeakNativeMemory() {
        for (int i = 0; i < 20; i++) {
            openEncodeClose();
        }
        long before = Pointer.physicalBytes();
        for (int i = 0; i < 300; i++) {
            openEncodeClose();
        }
        long grown = Pointer.physicalBytes() - before;
        // One leaked model (weights + activations) per round would add well over 100 MB here.
        assertTrue(grown < 48L << 20, "resident memory grew by " + (grown >> 20) + " MB over 300 open/close rounds");
    }

    private static void openEncodeClose() {
        try (Engine engine = Engine.open(TEXT_ENCODER, EngineOptions.cpu())) {
            engine.encodeText(0, new int[][] {{0, 4, 1}}, OptionalInt.empty());
        }
    }
}

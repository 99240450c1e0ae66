package io.hspace.caption;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hspace.atlas.Safetensors;
import io.hspace.engine.EngineException;
import io.hspace.engine.EngineOptions;
import io.hspace.prompt.ClipTokenizer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The zero-shot CLIP tagger against transformers (tests/golden/clip, made by
 * tools/golden/gen_clip.py): PNG files read by OpenCV and preprocessed by the engine, prompts
 * tokenized in Java, both towers native; the reference did all of it in transformers + Pillow.
 */
class ClipTaggerTest {
    static final Path CLIP = Path.of("tests/golden/clip");
    /** fp32 parity bound of the project, relative to the largest logit. */
    static final double TOLERANCE = 1e-4;

    /** tagger.json of a golden folder: template, words, image files. */
    record Reference(String template, List<String> words, List<Path> images, float[] logits, long[] ids) {
        double logit(int image, int word) {
            return logits[image * words.size() + word];
        }

        /** Word indices of one image, highest reference logit first. */
        List<Integer> ranking(int image) {
            return IntStream.range(0, words.size()).boxed()
                    .sorted(Comparator.comparingDouble((Integer w) -> logit(image, w)).reversed())
                    .collect(Collectors.toList());
        }
    }

    static Reference reference(String folder) throws IOException {
        JsonNode json = new ObjectMapper().readTree(CLIP.resolve(folder).resolve("tagger.json").toFile());
        List<String> words = new ArrayList<>();
        json.get("words").forEach(w -> words.add(w.asText()));
        List<Path> images = new ArrayList<>();
        json.get("images").forEach(f -> images.add(CLIP.resolve("images").resolve(f.asText())));
        Path tensors = CLIP.resolve(folder).resolve("tagger.safetensors");
        ByteBuffer logits = tensor(tensors, "logits_per_image", "F32");
        float[] l = new float[logits.remaining() / 4];
        logits.asFloatBuffer().get(l);
        ByteBuffer ids = tensor(tensors, "input_ids", "I64");
        long[] i = new long[ids.remaining() / 8];
        ids.asLongBuffer().get(i);
        return new Reference(json.get("template").asText(), words, images, l, i);
    }

    static ByteBuffer tensor(Path file, String name, String dtype) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            Safetensors.Header header = Safetensors.read(ch, file);
            Safetensors.Entry entry = header.tensor(name);
            assertEquals(dtype, entry.dtype(), name);
            ByteBuffer data = ByteBuffer.allocate(Math.toIntExact(entry.end() - entry.begin())).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(data, header.dataStart() + entry.begin());
            return data.flip();
        }
    }

    static ClipTagger open(String folder, Reference ref, int topK, double minProbability) throws IOException {
        return ClipTagger.open(CLIP.resolve(folder), ref.words(),
                new ClipTagger.Settings(ref.template(), topK, minProbability), EngineOptions.cpu());
    }

    @ParameterizedTest
    @ValueSource(strings = {"vit_b32", "vit_l14"})
    void logitsMatchTransformers(String folder) throws IOException {
        Reference ref = reference(folder);
        try (ClipTagger tagger = open(folder, ref, 3, 0)) {
            double[][] logits = tagger.logits(ref.images());
            assertEquals(ref.images().size(), logits.length);
            double scale = 0;
            double worst = 0;
            for (int i = 0; i < logits.length; i++) {
                for (int w = 0; w < ref.words().size(); w++) {
                    scale = Math.max(scale, Math.abs(ref.logit(i, w)));
                    worst = Math.max(worst, Math.abs(logits[i][w] - ref.logit(i, w)));
                }
            }
            System.out.println("[ figures  ] clip tagger " + folder + " logits max rel err " + worst / scale);
            assertTrue(worst / scale <= TOLERANCE, folder + ": max relative error " + worst / scale);
        }
    }

    @Test
    void javaTokenizerGivesTheReferencePromptIds() throws IOException {
        Reference ref = reference("vit_b32");
        ClipTokenizer tokenizer = ClipTokenizer.load(CLIP.resolve("vit_b32"));
        for (int w = 0; w < ref.words().size(); w++) {
            int[] ids = tokenizer.encode(ref.template().replace(ClipTagger.WORD, ref.words().get(w)), true);
            long[] expected = Arrays.copyOfRange(ref.ids(), w * ids.length, (w + 1) * ids.length);
            assertArrayEquals(expected, Arrays.stream(ids).asLongStream().toArray(), ref.words().get(w));
        }
    }

    @Test
    void captionsAreTheTopKWordsBestFirst() throws IOException {
        Reference ref = reference("vit_b32");
        try (ClipTagger tagger = open("vit_b32", ref, 2, 0)) {
            List<String> captions = tagger.caption(ref.images());
            assertEquals(ref.images().size(), captions.size());
            for (int i = 0; i < captions.size(); i++) {
                List<Integer> ranking = ref.ranking(i);
                String expected = ref.words().get(ranking.get(0)) + ", " + ref.words().get(ranking.get(1));
                assertEquals(expected, captions.get(i), "image " + ref.images().get(i));
                assertEquals(List.copyOf(CaptionWords.words(expected)), List.copyOf(CaptionWords.words(captions.get(i))));
            }
        }
    }

    @Test
    void probabilityThresholdDropsUnlikelyWords() throws IOException {
        Reference ref = reference("vit_l14");
        List<Integer> ranking = ref.ranking(0);
        // Softmax over the word list from the reference logits; a threshold between the best
        // and the second-best probability keeps exactly the best word of image 0.
        double[] p = softmax(IntStream.range(0, ref.words().size()).mapToDouble(w -> ref.logit(0, w)).toArray());
        double threshold = (p[ranking.get(0)] + p[ranking.get(1)]) / 2;
        try (ClipTagger tagger = open("vit_l14", ref, 5, threshold)) {
            List<List<ClipTagger.Tag>> tags = tagger.tag(ref.images());
            assertEquals(1, tags.get(0).size(), tags.get(0).toString());
            assertEquals(ref.words().get(ranking.get(0)), tags.get(0).get(0).word());
            assertEquals(p[ranking.get(0)], tags.get(0).get(0).probability(), 1e-4);
            for (List<ClipTagger.Tag> image : tags) {
                assertTrue(image.stream().allMatch(t -> t.probability() >= threshold), image.toString());
            }
        }
        try (ClipTagger none = open("vit_l14", ref, 3, 0.99)) {
            assertTrue(none.caption(ref.images()).stream().allMatch(String::isEmpty), "no word reaches p 0.99 of 7");
        }
    }

    @Test
    void nameCarriesFolderAndSettings() throws IOException {
        Reference ref = reference("vit_b32");
        try (ClipTagger tagger = open("vit_b32", ref, 4, 0.25)) {
            String name = tagger.name();
            assertTrue(name.startsWith("clip-tagger:vit_b32 top4 p>=0.25"), name);
            assertTrue(name.contains(ref.template()), name);
            assertTrue(name.endsWith(ref.words().size() + " words"), name);
        }
    }

    @Test
    void wordListWithDuplicatesFailsNamingTheLines(@TempDir Path dir) throws IOException {
        Path list = Files.writeString(dir.resolve("words.txt"), "cat\ndog\ncar\ndog\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ClipTagger.readWords(list));
        assertTrue(e.getMessage().contains("line 4 repeats 'dog' of line 2"), e.getMessage());
    }

    @Test
    void wordListWithCaseOnlyDuplicateFails(@TempDir Path dir) throws IOException {
        Path list = Files.writeString(dir.resolve("words.txt"), "Cat\ndog\n cat \n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ClipTagger.readWords(list));
        assertTrue(e.getMessage().contains("line 3 repeats 'cat' of line 1"), e.getMessage());
    }

    @Test
    void wordListWithEmptyLineFailsNamingIt(@TempDir Path dir) throws IOException {
        Path list = Files.writeString(dir.resolve("words.txt"), "cat\n\ndog\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ClipTagger.readWords(list));
        assertTrue(e.getMessage().contains(list + ": line 2 is empty"), e.getMessage());
    }

    @Test
    void wordListWithBlankLineFails(@TempDir Path dir) throws IOException {
        Path list = Files.writeString(dir.resolve("words.txt"), "cat\ndog\n   \n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ClipTagger.readWords(list));
        assertTrue(e.getMessage().contains("line 3 is empty"), e.getMessage());
    }

    @Test
    void wordListReadsTrimmedWords(@TempDir Path dir) throws IOException {
        Path list = Files.writeString(dir.resolve("words.txt"), " cat\nred car \n");
        assertEquals(List.of("cat", "red car"), ClipTagger.readWords(list));
    }

    @Test
    void emptyWordListFails() {
        assertThrows(IllegalArgumentException.class, () -> ClipTagger.checkWords(List.of(), "words"));
    }

    @Test
    void templateWithoutPlaceholderFails() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ClipTagger.Settings("a photo of a thing", 3, 0));
        assertTrue(e.getMessage().contains("{word}"), e.getMessage());
    }

    @Test
    void unreadableImageFailsNamingIt(@TempDir Path dir) throws IOException {
        Reference ref = reference("vit_b32");
        Path notAnImage = Files.writeString(dir.resolve("notes.png"), "not a png");
        try (ClipTagger tagger = open("vit_b32", ref, 1, 0)) {
            IOException e = assertThrows(IOException.class, () -> tagger.caption(List.of(ref.images().get(0), notAnImage)));
            assertTrue(e.getMessage().contains(notAnImage.toString()), e.getMessage());
        }
    }

    @Test
    void textOnlyFolderIsRefusedByTheEngine() {
        assertThrows(IOException.class, () -> ClipTagger.open(Path.of("tests/golden/pipelines/sd15/text_encoder"),
                List.of("cat"), ClipTagger.Settings.defaults(), EngineOptions.cpu()), "no tokenizer files there");
        EngineException e = assertThrows(EngineException.class,
                () -> io.hspace.engine.ClipModel.open(Path.of("tests/golden/text_encoders/sd15"), EngineOptions.cpu()));
        assertTrue(e.getMessage().contains("not a CLIPModel"), e.getMessage());
    }

    private static double[] softmax(double[] logits) {
        double max = Arrays.stream(logits).max().orElseThrow();
        double[] p = Arrays.stream(logits).map(v -> Math.exp(v - max)).toArray();
        double sum = Arrays.stream(p).sum();
        return Arrays.stream(p).map(v -> v / sum).toArray();
    }
}

package io.hspace.caption;

import io.hspace.engine.ClipModel;
import io.hspace.engine.EngineOptions;
import io.hspace.engine.FloatTensor;
import io.hspace.engine.Similarity;
import io.hspace.prompt.ClipTokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * A zero-shot CLIP tagger: each image's caption is the words of a fixed word list whose prompt
 * ({@code a photo of a {word}} by default) CLIP scores highest for it, best first, joined by
 * {@code ", "}. Both CLIP towers and the image preprocessing run in the native engine, loaded
 * from a transformers CLIP folder (config.json, model.safetensors, preprocessor_config.json and
 * the tokenizer files, as openai/clip-vit-base-patch32 ships them).
 *
 * <p>Scores are CLIP's logits: {@code exp(logit_scale) * cos(image, prompt)}; probabilities are
 * their softmax over the word list. An image's tags are its {@code topK} best words, and when
 * {@code minProbability > 0} only those among them with at least that probability (so a
 * caption may be empty).
 *
 * <p>Images are read with OpenCV as 8-bit RGB (grayscale is replicated to three channels; an
 * alpha channel is dropped, where transformers would composite onto white).
 */
public final class ClipTagger implements Captioner {

    /** The placeholder a template must contain once. */
    public static final String WORD = "{word}";
    /** The prompt template of CLIP's zero-shot evaluation. */
    public static final String DEFAULT_TEMPLATE = "a photo of a " + WORD;
    /** Images sent to the engine per call, bounding native memory. */
    private static final int IMAGE_BATCH = 16;
    /** Prompts sent to the text tower per call. */
    private static final int TEXT_BATCH = 256;

    /**
     * How words are chosen.
     *
     * @param template a prompt containing {@link #WORD} exactly once
     * @param topK at most this many words per image, at least 1
     * @param minProbability keep only words whose softmax probability over the list reaches
     *     this, in [0, 1); 0 keeps all top-k words
     */
    public record Settings(String template, int topK, double minProbability) {
        public Settings {
            int at = template.indexOf(WORD);
            if (at < 0 || template.indexOf(WORD, at + 1) >= 0) {
                throw new IllegalArgumentException("template '" + template + "' must contain " + WORD + " exactly once");
            }
            if (topK < 1) {
                throw new IllegalArgumentException("topK must be at least 1, got " + topK);
            }
            if (!(minProbability >= 0 && minProbability < 1)) {
                throw new IllegalArgumentException("minProbability must be in [0, 1), got " + minProbability);
            }
        }

        /** The default template, the 3 best words, no probability threshold. */
        public static Settings defaults() {
            return new Settings(DEFAULT_TEMPLATE, 3, 0);
        }

        /** The prompt for one word. */
        public String prompt(String word) {
            return template.replace(WORD, word);
        }
    }

    /**
     * One chosen word for one image.
     *
     * @param word the word from the list
     * @param logit CLIP's score {@code exp(logit_scale) * cosine}
     * @param probability the softmax of the logits over the whole word list
     */
    public record Tag(String word, double logit, double probability) {}

    private final ClipModel model;
    private final List<String> words;
    private final Settings settings;
    private final float[] wordEmbeddings;  // [words, P] row-major, L2-normalised
    private final int dim;

    private ClipTagger(ClipModel model, List<String> words, Settings settings, FloatTensor embeddings) {
        this.model = model;
        this.words = List.copyOf(words);
        this.settings = settings;
        this.wordEmbeddings = embeddings.data();
        this.dim = (int) embeddings.dim(1);
    }

    /**
     * Opens the CLIP folder {@code clipDir} and encodes every word's prompt once.
     *
     * @param words distinct, non-blank words (see {@link #checkWords})
     * @throws IOException when the folder's tokenizer files cannot be read
     * @throws IllegalArgumentException when the word list is bad or a prompt exceeds CLIP's context
     * @throws io.hspace.engine.EngineException when the engine rejects the model folder
     */
    public static ClipTagger open(Path clipDir, List<String> words, Settings settings, EngineOptions options)
            throws IOException {
        checkWords(words, "word list");
        ClipTokenizer tokenizer = ClipTokenizer.load(clipDir);
        ClipModel model = ClipModel.open(clipDir, options);
        try {
            int length = Math.min(tokenizer.maxLength(), model.contextLength());
            int[][] ids = new int[words.size()][];
            for (int i = 0; i < words.size(); i++) {
                String prompt = settings.prompt(words.get(i));
                ClipTokenizer.Encoding encoding = tokenizer.tokenize(prompt, length, true);
                if (encoding.truncated()) {
                    throw new IllegalArgumentException("prompt '" + prompt + "' for word '" + words.get(i) + "' is longer than CLIP's "
                            + length + " tokens");
                }
                ids[i] = encoding.ids();
            }
            return new ClipTagger(model, words, settings, encodeInBatches(model, ids));
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /**
     * Reads a word list: one word (or short phrase) per line, UTF-8, surrounding spaces trimmed.
     *
     * @throws IOException when the file cannot be read
     * @throws IllegalArgumentException naming the line of an empty line or a repeated word
     */
    public static List<String> readWords(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        List<String> words = lines.stream().map(String::strip).collect(Collectors.toList());
        checkWords(words, file.toString());
        return words;
    }

    /**
     * Checks a word list: not empty, no blank entry, no word twice (CLIP's tokenizer lower-cases,
     * so {@code Cat} repeats {@code cat}). Entries are used as given; they should be trimmed.
     *
     * @param source names the list in the message (a file name)
     * @throws IllegalArgumentException naming the first offending line (1-based)
     */
    public static void checkWords(List<String> words, String source) {
        if (words.isEmpty()) {
            throw new IllegalArgumentException(source + ": the word list is empty");
        }
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < words.size(); i++) {
            String word = words.get(i);
            if (word.isBlank()) {
                throw new IllegalArgumentException(source + ": line " + (i + 1) + " is empty (one word per line, no blank lines)");
            }
            Integer first = seen.putIfAbsent(word.strip().toLowerCase(Locale.ROOT), i + 1);
            if (first != null) {
                throw new IllegalArgumentException(source + ": line " + (i + 1) + " repeats '" + word + "' of line " + first);
            }
        }
    }

    /** The word list, in the order given. */
    public List<String> words() {
        return words;
    }

    /** How words are chosen. */
    public Settings settings() {
        return settings;
    }

    /**
     * CLIP's logits {@code [images][words]} for image files, in the word list's order.
     *
     * @throws IOException when an image is missing or OpenCV cannot decode it
     */
    public double[][] logits(List<Path> images) throws IOException {
        double logitScale = model.logitScale();
        double[][] out = new double[images.size()][];
        for (int start = 0; start < images.size(); start += IMAGE_BATCH) {
            List<Path> batch = images.subList(start, Math.min(images.size(), start + IMAGE_BATCH));
            List<ClipModel.RgbImage> pixels = new ArrayList<>(batch.size());
            for (Path p : batch) {
                pixels.add(readRgb(p));
            }
            float[] embeds = model.encodeImages(pixels).data();
            float[] cosines = Similarity.compute(embeds, batch.size(), wordEmbeddings, words.size(), dim,
                    Similarity.Kind.COSINE, 0, model.device()).scores().data();
            for (int i = 0; i < batch.size(); i++) {
                double[] row = new double[words.size()];
                for (int j = 0; j < row.length; j++) {
                    row[j] = logitScale * cosines[i * words.size() + j];
                }
                out[start + i] = row;
            }
        }
        return out;
    }

    /**
     * The chosen words of each image, best first.
     *
     * @throws IOException when an image is missing or OpenCV cannot decode it
     */
    public List<List<Tag>> tag(List<Path> images) throws IOException {
        List<List<Tag>> out = new ArrayList<>(images.size());
        for (double[] row : logits(images)) {
            out.add(choose(row));
        }
        return out;
    }

    @Override
    public List<String> caption(List<Path> images) throws IOException {
        List<String> out = new ArrayList<>(images.size());
        for (List<Tag> tags : tag(images)) {
            out.add(tags.stream().map(Tag::word).collect(Collectors.joining(", ")));
        }
        return out;
    }

    /** E.g. {@code clip-tagger:clip-vit-base-patch32 top3 p>=0.1 "a photo of a {word}" 120 words}. */
    @Override
    public String name() {
        return "clip-tagger:" + model.dir().getFileName() + " top" + settings.topK()
                + (settings.minProbability() > 0 ? " p>=" + settings.minProbability() : "")
                + " \"" + settings.template() + "\" " + words.size() + " words";
    }

    @Override
    public void close() {
        model.close();
    }

    private List<Tag> choose(double[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : logits) {
            max = Math.max(max, v);
        }
        double sum = 0;
        double[] p = new double[logits.length];
        for (int j = 0; j < logits.length; j++) {
            p[j] = Math.exp(logits[j] - max);
            sum += p[j];
        }
        List<Tag> all = new ArrayList<>(logits.length);
        for (int j = 0; j < logits.length; j++) {
            all.add(new Tag(words.get(j), logits[j], p[j] / sum));
        }
        // Stable: equal logits keep the word list's order.
        all.sort(Comparator.comparingDouble(Tag::logit).reversed());
        return all.stream().limit(settings.topK()).filter(t -> t.probability() >= settings.minProbability())
                .collect(Collectors.toList());
    }

    private static FloatTensor encodeInBatches(ClipModel model, int[][] ids) {
        if (ids.length <= TEXT_BATCH) {
            return model.encodeText(ids);
        }
        List<float[]> parts = new ArrayList<>();
        long dim = 0;
        for (int start = 0; start < ids.length; start += TEXT_BATCH) {
            int[][] chunk = Arrays.copyOfRange(ids, start, Math.min(ids.length, start + TEXT_BATCH));
            FloatTensor t = model.encodeText(chunk);
            dim = t.dim(1);
            parts.add(t.data());
        }
        float[] all = new float[Math.toIntExact(ids.length * dim)];
        int at = 0;
        for (float[] part : parts) {
            System.arraycopy(part, 0, all, at, part.length);
            at += part.length;
        }
        return new FloatTensor(new long[] {ids.length, dim}, all);
    }

    /** An image file as 8-bit RGB; OpenCV decodes BGR, so the channels are swapped. */
    static ClipModel.RgbImage readRgb(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("image " + file + " does not exist");
        }
        try (Mat bgr = opencv_imgcodecs.imread(file.toString(), opencv_imgcodecs.IMREAD_COLOR);
                Mat rgb = new Mat()) {
            if (bgr.empty()) {
                throw new IOException("could not read image " + file + " (not an image OpenCV can decode)");
            }
            opencv_imgproc.cvtColor(bgr, rgb, opencv_imgproc.COLOR_BGR2RGB);
            if (rgb.type() != opencv_core.CV_8UC3 || !rgb.isContinuous()) {
                throw new IOException("image " + file + " did not decode to continuous 8-bit RGB");
            }
            byte[] bytes = new byte[Math.toIntExact((long) rgb.rows() * rgb.cols() * 3)];
            rgb.data().get(bytes);
            return new ClipModel.RgbImage(rgb.rows(), rgb.cols(), bytes);
        }
    }
}

package io.hspace.cli;

import io.hspace.engine.Branch;
import io.hspace.engine.Engine;
import io.hspace.engine.ExtractRequest;
import io.hspace.engine.ExtractResult;
import io.hspace.engine.FloatTensor;
import io.hspace.engine.Pooling;
import io.hspace.engine.Scheduler;
import io.hspace.prompt.ClipTokenizer;
import io.hspace.toyworld.Adherence;
import io.hspace.toyworld.Attribute;
import io.hspace.toyworld.Background;
import io.hspace.toyworld.CaptionGrammar;
import io.hspace.toyworld.Color;
import io.hspace.toyworld.PriorTable;
import io.hspace.toyworld.Reader;
import io.hspace.toyworld.Shape;
import io.hspace.toyworld.Size;
import io.hspace.toyworld.Stated;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code hspace toyworld check}: the Toy World quality gates of a trained model, measured with
 * the engine and the reader (DESIGN.md, "Toy World"). The prompts come from the grammar and the
 * prior table: fully specified prompts covering every shape x color pair (sizes and backgrounds
 * spread evenly over them), and for every conditional of the table one prompt per given value
 * stating only that value ("a circle", "a red shape"), whose left-out attributes are compared
 * with the table's marginals.
 */
@Command(name = "check", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = {"Generates images with the engine and reads them with the Toy World reader to measure the quality gates:",
            "for fully specified prompts, the share of images whose every attribute the reader confirms (gate >= 0.90 per attribute),",
            "with the confusion of stated and read values for each attribute not read perfectly;",
            "for each prompt stating only the given value of a prior-table conditional, every left-out attribute's measured",
            "frequency of each value against the planted one (gate |diff| <= 0.10). Prints every cell with its count."},
        footer = {"", "Example:", "  hspace toyworld check --model models/toy --seeds 100 --scheduler ddim --steps 8"})
final class ToyWorldCheckCommand implements Callable<Integer> {
    /** Items per engine call. */
    static final int MAX_BATCH = 256;

    @Option(names = "--model", required = true, description = "The Toy World model folder (diffusers layout).")
    Path modelDir;

    @Option(names = "--priors", description = "The prior table to compare with; default MODEL/priors.json.")
    Path priors;

    @Option(names = "--seeds", defaultValue = "100", description = "Seeds (images) per prompt: 0 .. N-1.")
    int seeds;

    @Mixin
    ScheduleOptions schedule;

    @Option(names = "--guidance", defaultValue = "5", description = "Guidance scale for fully specified prompts.")
    double guidance;

    @Option(names = "--prior-guidance", defaultValue = "1",
            description = "Guidance scale for prompts with left-out attributes (guidance pulls a conditional towards its mode).")
    double priorGuidance;

    @Option(names = "--batch", defaultValue = "256", description = "Items per engine call (at most 256).")
    int batch;

    @Option(names = "--strict", description = "Exit with status 1 when a gate fails.")
    boolean strict;

    @Mixin
    ModelOptions model;

    @Override
    public Integer call() throws Exception {
        if (seeds < 1) {
            throw new IllegalArgumentException("--seeds must be at least 1, got " + seeds);
        }
        if (batch < 1 || batch > MAX_BATCH) {
            throw new IllegalArgumentException("--batch must lie in [1, " + MAX_BATCH + "], got " + batch);
        }
        Path priorFile = priors != null ? priors : modelDir.resolve("priors.json");
        if (priors == null && !Files.isRegularFile(priorFile)) {
            throw new IllegalArgumentException(priorFile + " does not exist: the model folder holds no prior table; "
                    + "pass the table it was trained on with --priors FILE");
        }
        PriorTable table = PriorTable.load(priorFile);
        List<String> full = fullySpecifiedPrompts();
        List<String> leftOut = leftOutPrompts(table);
        Adherence adherence = new Adherence(table);
        Reader reader = new Reader();
        ClipTokenizer tokenizer = ClipTokenizer.load(modelDir.resolve("tokenizer"));
        Scheduler sched = Scheduler.lookup(schedule.scheduler);
        ProgressBar bar = new ProgressBar("check", (long) (full.size() + leftOut.size()) * seeds);
        long[] done = {0};
        bar.update(0);
        try (Engine engine = model.open(modelDir)) {
            generate(engine, tokenizer, full, guidance, sched, adherence, reader, bar, done);
            generate(engine, tokenizer, leftOut, priorGuidance, sched, adherence, reader, bar, done);
        }
        System.out.print(adherence.report(String.format(Locale.ROOT,
                "model %s, priors %s, scheduler %s, %d steps, %d seeds per prompt, guidance %s (fully specified) / %s (left out)",
                modelDir, priorFile, sched, schedule.steps, seeds, fmt(guidance), fmt(priorGuidance))));
        return strict && !adherence.passes() ? 1 : 0;
    }

    /** Every shape x color pair once, sizes and backgrounds spread evenly over the pairs. */
    static List<String> fullySpecifiedPrompts() {
        List<String> out = new ArrayList<>();
        Shape[] shapes = Shape.values();
        Color[] colors = Color.values();
        Size[] sizes = Size.values();
        Background[] backgrounds = Background.values();
        for (int s = 0; s < shapes.length; s++) {
            for (int c = 0; c < colors.length; c++) {
                int k = s * colors.length + c;
                out.add(CaptionGrammar.caption(new Stated(shapes[s], colors[c], sizes[(s + c) % sizes.length],
                        backgrounds[(k + k / backgrounds.length) % backgrounds.length])));
            }
        }
        return out;
    }

    /**
     * For every attribute the table draws given another, one prompt per value of the given
     * attribute stating only that value, without repeats ("a circle" serves color and size).
     */
    static List<String> leftOutPrompts(PriorTable table) {
        LinkedHashSet<String> out = new LinkedHashSet<>();
        for (Attribute target : Attribute.values()) {
            Attribute given = table.givenOf(target);
            if (given == null) {
                continue;
            }
            for (Enum<?> v : given.domain()) {
                out.add(CaptionGrammar.caption(Stated.NOTHING.with(given, v)));
            }
        }
        return new ArrayList<>(out);
    }

    private void generate(Engine engine, ClipTokenizer tokenizer, List<String> prompts, double g, Scheduler sched,
            Adherence adherence, Reader reader, ProgressBar bar, long[] done) {
        int[][] ids = new int[prompts.size()][];
        for (int p = 0; p < prompts.size(); p++) {
            ids[p] = tokenizer.encode(prompts.get(p), true);
        }
        int[] negative = tokenizer.encode("", true);
        int total = prompts.size() * seeds;
        for (int begin = 0; begin < total; begin += batch) {
            int n = Math.min(batch, total - begin);
            int[] itemPrompts = new int[n];
            long[] itemSeeds = new long[n];
            for (int i = 0; i < n; i++) {
                itemPrompts[i] = (begin + i) / seeds;
                itemSeeds[i] = (begin + i) % seeds;
            }
            ExtractRequest request = new ExtractRequest(ids, null, negative, null, true, null, itemPrompts, itemSeeds,
                    schedule.steps, (float) g, 0, 0, sched, new int[] {schedule.steps - 1}, Branch.COND, Pooling.SPATIAL_MEAN, true, 0);
            ExtractResult r = engine.extract(request);
            for (int i = 0; i < n; i++) {
                try (Mat img = bgr(r.images(), i)) {
                    adherence.add(prompts.get(itemPrompts[i]), reader.read(img).attributes());
                }
            }
            done[0] += n;
            bar.update(done[0]);
        }
    }

    /** Item {@code i} of images [N, 3, H, W] in [0, 1] (RGB) as an 8-bit BGR image. */
    static Mat bgr(FloatTensor images, int i) {
        int h = (int) images.dim(2);
        int w = (int) images.dim(3);
        int plane = h * w;
        int base = i * 3 * plane;
        float[] d = images.data();
        byte[] bytes = new byte[plane * 3];
        for (int p = 0; p < plane; p++) {
            for (int c = 0; c < 3; c++) {
                // RGB planes to interleaved BGR
                bytes[p * 3 + (2 - c)] = (byte) Math.round(Math.max(0f, Math.min(1f, d[base + c * plane + p])) * 255f);
            }
        }
        Mat mat = new Mat(h, w, opencv_core.CV_8UC3);
        mat.data().put(bytes);
        return mat;
    }

    private static String fmt(double x) {
        return x == Math.rint(x) ? Long.toString((long) x) : Double.toString(x);
    }
}

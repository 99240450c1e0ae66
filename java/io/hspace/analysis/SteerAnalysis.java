package io.hspace.analysis;

import io.hspace.analysis.DefaultsAnalysis.Estimate;
import io.hspace.atlas.Sampler;
import io.hspace.caption.Captioner;
import io.hspace.engine.Branch;
import io.hspace.engine.Engine;
import io.hspace.engine.ExtractRequest;
import io.hspace.engine.ExtractResult;
import io.hspace.engine.Pooling;
import io.hspace.engine.Steering;
import io.hspace.prompt.ClipTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongConsumer;

/**
 * Steering (docs/METHOD.md): the text direction d = H(to) - H(from) at the steered steps (one per
 * (from, to) pair, or their mean), rescaled to the mean norm of h, is added as alpha x d to the
 * mid-block output while sampling the "from" prompts; a captioner reads every image, and per
 * alpha the flip rate (the steered family now reads the target value) and the side-effect rate
 * (a family not steered reads differently than at alpha 0 for the same prompt and seed) are
 * measured. The same rates of the prompt edit itself (each to prompt's image against its from
 * prompt's, same seed) are the reference: what rewriting the prompt changes besides the target.
 */
public final class SteerAnalysis {
    private SteerAnalysis() {}

    /** Which direction steers a from prompt. */
    public enum Direction implements io.hspace.engine.Labeled {
        /** Its own pair's H(to) - H(from): h is spatial, so a mean over pairs of different
         * layouts (shapes) would paint their union. */
        PAIR("pair"),
        /** The mean over the pairs of H(to) - H(from): one direction for every prompt. */
        MEAN("mean");

        private final String label;

        Direction(String label) {
            this.label = label;
        }

        @Override
        public String label() {
            return label;
        }

        /** Parses a label; throws listing the valid names. */
        public static Direction lookup(String name) {
            return io.hspace.engine.Labeled.lookup(Direction.class, name, "steering direction");
        }
    }

    /**
     * The settings of one steering sweep.
     *
     * @param name the analysis name
     * @param from the template sampled and steered (e.g. "a {shape}")
     * @param to the template the direction points to (e.g. "a blue {shape}")
     * @param over slot values filling both templates (empty: the templates are plain prompts)
     * @param families attribute families read from the captions: name to values (words)
     * @param steered the family the direction is meant to change
     * @param target the value of {@code steered} the direction points to
     * @param alphas the sweep, unitless (multiples of the mean norm of h); alpha 0 is added when missing
     * @param steps 0-based steered steps (empty: every step)
     * @param branch the CFG branch(es) steered: cond (guidance then scales the shift's effect),
     *     both, or uncond; null: both
     * @param direction each pair's own direction, or their mean; null: the mean
     * @param sampler how images are sampled
     * @param seeds seeds per prompt (direction extraction and the sweep alike)
     */
    public record Spec(String name, String from, String to, Map<String, List<String>> over, Map<String, List<String>> families,
            String steered, String target, List<Double> alphas, List<Integer> steps, Branch branch, Direction direction, Sampler sampler, List<Long> seeds) {
        public Spec {
            Objects.requireNonNull(from, "steer: 'from' is missing");
            // steer.json written before these settings existed steered both branches along the mean
            branch = branch == null ? Branch.BOTH : branch;
            direction = direction == null ? Direction.MEAN : direction;
            Objects.requireNonNull(to, "steer: 'to' is missing");
            over = over == null ? Map.of() : new LinkedHashMap<>(over);
            if (families == null || !families.containsKey(steered)) {
                throw new IllegalArgumentException("steer '" + name + "': the steered family '" + steered + "' is not among the families "
                        + (families == null ? "[]" : families.keySet()));
            }
            if (!families.get(steered).contains(target)) {
                throw new IllegalArgumentException("steer '" + name + "': target '" + target + "' is not a value of " + steered + " "
                        + families.get(steered));
            }
            if (alphas == null || alphas.isEmpty()) {
                throw new IllegalArgumentException("steer '" + name + "': no alphas");
            }
            for (int i = 0; i < alphas.size(); i++) {
                double a = alphas.get(i);
                if (!Double.isFinite(a)) {
                    throw new IllegalArgumentException("steer '" + name + "': alpha " + i + " is " + a + " (alphas must be finite numbers)");
                }
            }
            List<Double> sorted = new ArrayList<>(alphas.stream().distinct().sorted().toList());
            if (!sorted.contains(0.0)) {
                sorted.add(0, 0.0);
                sorted.sort(null);
            }
            alphas = List.copyOf(sorted);
            steps = steps == null ? List.of() : List.copyOf(steps);
            for (int s : steps) {
                if (s < 0 || s >= sampler.steps()) {
                    throw new IllegalArgumentException("steer '" + name + "': step " + s + " is outside the " + sampler.steps() + " steps");
                }
            }
            if (seeds == null || seeds.isEmpty()) {
                throw new IllegalArgumentException("steer '" + name + "': no seeds");
            }
            families = new LinkedHashMap<>(families);
        }

        /** The (from, to) prompt pairs: both templates filled with every combination of {@code over}. */
        public List<String[]> pairs() {
            List<Map<String, String>> combos = new ArrayList<>();
            combos.add(new LinkedHashMap<>());
            for (Map.Entry<String, List<String>> e : over.entrySet()) {
                List<Map<String, String>> next = new ArrayList<>();
                for (Map<String, String> c : combos) {
                    for (String v : e.getValue()) {
                        Map<String, String> m = new LinkedHashMap<>(c);
                        m.put(e.getKey(), v);
                        next.add(m);
                    }
                }
                combos = next;
            }
            List<String[]> out = new ArrayList<>();
            for (Map<String, String> c : combos) {
                String f = from;
                String t = to;
                for (Map.Entry<String, String> e : c.entrySet()) {
                    f = f.replace("{" + e.getKey() + "}", e.getValue());
                    t = t.replace("{" + e.getKey() + "}", e.getValue());
                }
                out.add(new String[] {f, t});
            }
            return out;
        }
    }

    /**
     * One generated image of the sweep.
     *
     * @param prompt the (from) prompt
     * @param seed its seed
     * @param alpha the alpha
     * @param image the PNG path
     * @param caption the captioner's caption
     * @param readings per family the value read from the caption (null: none of its words)
     */
    public record Item(String prompt, long seed, double alpha, String image, String caption, Map<String, String> readings) {}

    /**
     * Per alpha (or for the prompt edit): the rates.
     *
     * @param alpha the alpha (0 for the prompt edit)
     * @param flip share, among images whose alpha-0 image does not read the target, reading the target now
     * @param target share of all images reading the target
     * @param sideEffects share of images where some family not steered reads differently than at alpha 0
     * @param perFamily per family not steered, the share changed
     */
    public record AlphaResult(double alpha, Estimate flip, Estimate target, Estimate sideEffects, Map<String, Double> perFamily) {}

    /**
     * The sweep.
     *
     * @param name the analysis name
     * @param spec the settings
     * @param captioner the captioner's name
     * @param directionNorms ||H(to) - H(from)|| before rescaling: one per pair, or one for their mean
     * @param hNorms the unit of alpha of each direction: the mean norm of h at the steered steps
     *     over its pair's two prompts, or over every prompt for the mean direction
     * @param alphas one result per alpha, ascending
     * @param items every image, prompt-major, then seed, then alpha
     * @param promptEdit the rates of the to prompts' own images against the from prompts' (alpha 0)
     *     at the same seeds; null in results written before it existed
     * @param promptEditItems the to prompts' images, prompt-major, then seed
     */
    public record Result(String name, Spec spec, String captioner, List<Double> directionNorms, List<Double> hNorms, List<AlphaResult> alphas,
            List<Item> items, AlphaResult promptEdit, List<Item> promptEditItems) {
        public Result {
            directionNorms = directionNorms == null ? List.of() : List.copyOf(directionNorms);
            hNorms = hNorms == null ? List.of() : List.copyOf(hNorms);
            promptEditItems = promptEditItems == null ? List.of() : List.copyOf(promptEditItems);
        }

        /** The result at the largest alpha. */
        public AlphaResult largest() {
            return alphas.get(alphas.size() - 1);
        }

        /** The table's rows: one per alpha, then the prompt edit's when there is one. */
        public List<AlphaResult> rows() {
            List<AlphaResult> out = new ArrayList<>(alphas);
            if (promptEdit != null) {
                out.add(promptEdit);
            }
            return out;
        }

        /** Whether row {@code i} of {@link #rows} is the prompt edit's. */
        public boolean isPromptEdit(int i) {
            return i >= alphas.size();
        }
    }

    /**
     * The items a run of {@code spec} has the engine compute, what its progress counts to: the
     * from and to prompts x seeds of the direction, the to prompts' images (the prompt edit), then
     * the sweep's prompts x seeds x alphas.
     */
    public static long items(Spec spec) {
        return (long) spec.pairs().size() * spec.seeds().size() * (3 + spec.alphas().size());
    }

    /**
     * Runs the sweep; images go to {@code imageDir} as p{prompt}_s{seed}_a{alpha index}.png, the
     * prompt edit's as e{prompt}_s{seed}.png.
     *
     * @param batchSize items per U-Net batch, 0 for all at once
     * @param itemsDone told the items done so far (of {@link #items}) after each batch; the
     *     captioning after the last is not counted
     */
    public static Result run(Engine engine, ClipTokenizer tokenizer, Spec spec, Captioner captioner, Path imageDir, Stats stats,
            int batchSize, LongConsumer itemsDone) throws IOException {
        List<String[]> pairs = spec.pairs();
        List<String> fromPrompts = pairs.stream().map(p -> p[0]).toList();
        List<String> toPrompts = pairs.stream().map(p -> p[1]).toList();
        int[] steered = spec.steps().isEmpty() ? allSteps(spec.sampler().steps()) : spec.steps().stream().mapToInt(Integer::intValue).toArray();
        List<String> both = new ArrayList<>(fromPrompts);
        both.addAll(toPrompts);
        PromptVectors pv = PromptVectors.extract(engine, tokenizer, spec.sampler(), both, spec.seeds(), steered, Branch.COND, Pooling.NONE,
                batchSize, itemsDone);
        long directionItems = (long) both.size() * spec.seeds().size();
        Directions dirs = directions(spec, pairs, pv);
        int nA = spec.alphas().size();
        int nS = spec.seeds().size();
        Files.createDirectories(imageDir);
        // the prompt edit: each to prompt sampled as it is, at the sweep's seeds
        int edits = pairs.size() * nS;
        int[] editPrompts = new int[edits];
        long[] editSeeds = new long[edits];
        for (int e = 0; e < edits; e++) {
            editPrompts[e] = e / nS;
            editSeeds[e] = spec.seeds().get(e % nS);
        }
        ExtractResult edited = PromptVectors.run(engine, PromptVectors.request(tokenizer, spec.sampler(), toPrompts, null, editPrompts,
                editSeeds, steered, Branch.COND, Pooling.SPATIAL_MEAN, true, batchSize), k -> itemsDone.accept(directionItems + k));
        List<Path> editFiles = new ArrayList<>(edits);
        for (int e = 0; e < edits; e++) {
            Path f = imageDir.resolve(String.format(Locale.ROOT, "e%d_s%d.png", editPrompts[e], editSeeds[e]));
            Files.write(f, io.hspace.atlas.EngineExtractor.png(edited.images(), e));
            editFiles.add(f);
        }
        long sweepStart = directionItems + edits;
        int items = pairs.size() * nS * nA;
        int[] itemPrompts = new int[items];
        long[] itemSeeds = new long[items];
        float[] alphas = new float[items];
        List<Path> files = new ArrayList<>(items);
        int i = 0;
        for (int g = 0; g < dirs.groups().size(); g++) {
            // one batched extraction per direction; its items are prompt-major like the whole sweep
            int first = i;
            for (int p : dirs.groups().get(g)) {
                for (long s : spec.seeds()) {
                    for (double a : spec.alphas()) {
                        itemPrompts[i] = p;
                        itemSeeds[i] = s;
                        alphas[i++] = (float) a;
                    }
                }
            }
            int end = i;
            long done = sweepStart + first;
            ExtractRequest request = PromptVectors.request(tokenizer, spec.sampler(), fromPrompts, null,
                    Arrays.copyOfRange(itemPrompts, first, end), Arrays.copyOfRange(itemSeeds, first, end), steered, Branch.COND,
                    Pooling.SPATIAL_MEAN, true, batchSize)
                    .withSteering(new Steering(dirs.directions().get(g), pv.shape(), Arrays.copyOfRange(alphas, first, end), steered,
                            spec.branch()));
            ExtractResult r = PromptVectors.run(engine, request, k -> itemsDone.accept(done + k));
            for (int k = first; k < end; k++) {
                Path f = imageDir.resolve(String.format(Locale.ROOT, "p%d_s%d_a%d.png", itemPrompts[k], itemSeeds[k], k % nA));
                Files.write(f, io.hspace.atlas.EngineExtractor.png(r.images(), k - first));
                files.add(f);
            }
        }
        List<Path> all = new ArrayList<>(files);
        all.addAll(editFiles);
        List<String> captions = captioner.caption(all);
        List<Item> out = new ArrayList<>(items);
        for (int k = 0; k < items; k++) {
            out.add(item(spec, fromPrompts.get(itemPrompts[k]), itemSeeds[k], alphas[k], files.get(k), captions.get(k)));
        }
        List<Item> editItems = new ArrayList<>(edits);
        for (int e = 0; e < edits; e++) {
            editItems.add(item(spec, toPrompts.get(editPrompts[e]), editSeeds[e], 0, editFiles.get(e), captions.get(items + e)));
        }
        return new Result(spec.name(), spec, captioner.name(), dirs.norms(), dirs.units(), rates(spec, out, stats), out,
                promptEdit(spec, out, editItems, stats), editItems);
    }

    /**
     * The steering directions: {@code groups.get(g)} are the pairs steered along
     * {@code directions.get(g)}, whose norm before rescaling is {@code norms.get(g)} and whose
     * length after is {@code units.get(g)}.
     */
    record Directions(List<int[]> groups, List<float[]> directions, List<Double> norms, List<Double> units) {}

    static Directions directions(Spec spec, List<String[]> pairs, PromptVectors pv) {
        int d = pv.mean()[0].length;
        int n = pairs.size();
        List<int[]> groups = new ArrayList<>();
        List<double[]> diffs = new ArrayList<>();
        if (spec.direction() == Direction.MEAN) {
            double[] diff = new double[d];
            for (int p = 0; p < n; p++) {
                for (int j = 0; j < d; j++) {
                    diff[j] += (pv.mean()[n + p][j] - pv.mean()[p][j]) / n;
                }
            }
            diffs.add(diff);
            groups.add(java.util.stream.IntStream.range(0, n).toArray());
        } else {
            for (int p = 0; p < n; p++) {
                double[] diff = new double[d];
                for (int j = 0; j < d; j++) {
                    diff[j] = pv.mean()[n + p][j] - pv.mean()[p][j];
                }
                diffs.add(diff);
                groups.add(new int[] {p});
            }
        }
        List<Double> norms = new ArrayList<>();
        List<Double> units = new ArrayList<>();
        List<float[]> directions = new ArrayList<>();
        for (int g = 0; g < diffs.size(); g++) {
            double norm = Math.sqrt(Arrays.stream(diffs.get(g)).map(v -> v * v).sum());
            if (!(norm > 0)) {
                String which = spec.direction() == Direction.MEAN ? "the mean of H(to) - H(from)" : "H('" + pairs.get(g)[1] + "') - H('"
                        + pairs.get(g)[0] + "')";
                throw new IllegalArgumentException("steer '" + spec.name() + "': " + which + " is zero; there is no direction to steer along");
            }
            // a pair's own unit keeps its steering independent of the other pairs
            double unit = spec.direction() == Direction.MEAN ? pv.meanNorm() : (pv.norms()[g] + pv.norms()[n + g]) / 2;
            float[] direction = new float[d];
            for (int j = 0; j < d; j++) {
                direction[j] = (float) (diffs.get(g)[j] / norm * unit);
            }
            norms.add(norm);
            units.add(unit);
            directions.add(direction);
        }
        return new Directions(groups, directions, List.copyOf(norms), List.copyOf(units));
    }

    private static Item item(Spec spec, String prompt, long seed, double alpha, Path image, String caption) {
        Map<String, String> readings = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> f : spec.families().entrySet()) {
            readings.put(f.getKey(), reading(caption, f.getValue()));
        }
        return new Item(prompt, seed, alpha, image.toString(), caption, readings);
    }

    /**
     * The prompt edit's rates: each to prompt's image ({@code edits}, prompt-major, then seed)
     * against the alpha-0 image of its from prompt and seed in {@code items} (the sweep's order).
     */
    public static AlphaResult promptEdit(Spec spec, List<Item> items, List<Item> edits, Stats stats) {
        int nA = spec.alphas().size();
        int zero = spec.alphas().indexOf(0.0);
        if (items.size() != edits.size() * nA) {
            throw new IllegalArgumentException(items.size() + " sweep items for " + edits.size() + " prompt-edit images and " + nA + " alphas");
        }
        List<Item> base = new ArrayList<>(edits.size());
        for (int g = 0; g < edits.size(); g++) {
            base.add(items.get(g * nA + zero));
        }
        return compare(spec, 0, base, edits, stats);
    }

    /**
     * Flip, target and side-effect rates per alpha from the items (prompt-major, then seed, then
     * alpha in {@code spec.alphas()} order), with percentile bootstrap intervals over images.
     */
    public static List<AlphaResult> rates(Spec spec, List<Item> items, Stats stats) {
        int nA = spec.alphas().size();
        int zero = spec.alphas().indexOf(0.0);
        if (items.size() % nA != 0) {
            throw new IllegalArgumentException(items.size() + " items is not a multiple of " + nA + " alphas");
        }
        int groups = items.size() / nA;
        List<AlphaResult> out = new ArrayList<>();
        for (int a = 0; a < nA; a++) {
            List<Item> base = new ArrayList<>(groups);
            List<Item> other = new ArrayList<>(groups);
            for (int g = 0; g < groups; g++) {
                base.add(items.get(g * nA + zero));
                other.add(items.get(g * nA + a));
            }
            out.add(compare(spec, spec.alphas().get(a), base, other, stats));
        }
        return out;
    }

    /** The rates of {@code other} against {@code base}, image by image. */
    static AlphaResult compare(Spec spec, double alpha, List<Item> base, List<Item> other, Stats stats) {
        int groups = base.size();
        List<String> others = spec.families().keySet().stream().filter(f -> !f.equals(spec.steered())).toList();
        List<Boolean> flips = new ArrayList<>();
        boolean[] target = new boolean[groups];
        boolean[] side = new boolean[groups];
        Map<String, Double> perFamily = new LinkedHashMap<>();
        others.forEach(f -> perFamily.put(f, 0.0));
        for (int g = 0; g < groups; g++) {
            Item b = base.get(g);
            Item it = other.get(g);
            boolean hit = spec.target().equals(it.readings().get(spec.steered()));
            target[g] = hit;
            if (!spec.target().equals(b.readings().get(spec.steered()))) {
                flips.add(hit);
            }
            for (String f : others) {
                if (!Objects.equals(b.readings().get(f), it.readings().get(f))) {
                    side[g] = true;
                    perFamily.merge(f, 1.0 / groups, Double::sum);
                }
            }
        }
        boolean[] fl = new boolean[flips.size()];
        for (int k = 0; k < fl.length; k++) {
            fl[k] = flips.get(k);
        }
        return new AlphaResult(alpha, ConditionAnalysis.proportion(fl, stats), ConditionAnalysis.proportion(target, stats),
                ConditionAnalysis.proportion(side, stats), perFamily);
    }

    /**
     * The value of a family a caption states: the first of {@code values} that is a word of the
     * caption (words split on anything but letters, digits and '-'; case-insensitive), or null.
     */
    public static String reading(String caption, List<String> values) {
        List<String> words = Arrays.asList(caption.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}-]+"));
        for (String w : words) {
            for (String v : values) {
                if (v.toLowerCase(Locale.ROOT).equals(w)) {
                    return v;
                }
            }
        }
        return null;
    }

    private static int[] allSteps(int n) {
        int[] s = new int[n];
        for (int i = 0; i < n; i++) {
            s[i] = i;
        }
        return s;
    }
}

package io.hspace.analysis;

import io.hspace.analysis.DefaultsAnalysis.Estimate;
import io.hspace.atlas.Sampler;
import io.hspace.engine.Branch;
import io.hspace.engine.ConditionMode;
import io.hspace.engine.ConditionRequest;
import io.hspace.engine.ConditionResult;
import io.hspace.engine.Engine;
import io.hspace.engine.Pooling;
import io.hspace.prompt.ClipTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.LongConsumer;

/**
 * Conditioning (docs/METHOD.md): external images read through prompt directions. Each image is
 * VAE-encoded, brought to step k (seeded noise or DDIM inversion) and its h read with a prompt
 * (default ""); for every attribute family, H of each value prompt is extracted at the same
 * step k; the image gets the value that scores highest: by default the linear discriminant of
 * the value means with the within-value covariance of the value prompts' seeds
 * ({@link LinearDiscriminant}), or the cosine of the centred vectors.
 */
public final class ConditionAnalysis {
    private ConditionAnalysis() {}

    /**
     * One attribute family: values read through the prompts {@code template} with
     * {@code {value}} replaced by each value; a value's H is the mean over every combination of
     * the {@code over} slots (e.g. the other attributes), so that what the values share cancels
     * in the centring instead of pulling images towards the values whose prompts imply it.
     */
    public record Family(String name, String template, List<String> values, Map<String, List<String>> over) {
        public Family {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("a condition family needs a name");
            }
            if (template == null || !template.contains("{value}")) {
                throw new IllegalArgumentException("family '" + name + "': the template must contain {value}, got '" + template + "'");
            }
            if (values == null || values.size() < 2) {
                throw new IllegalArgumentException("family '" + name + "': give at least two values");
            }
            if (new HashSet<>(values).size() != values.size()) {
                throw new IllegalArgumentException("family '" + name + "': a value is listed twice in " + values);
            }
            values = List.copyOf(values);
            over = over == null ? Map.of() : new java.util.LinkedHashMap<>(over);
            for (String slot : over.keySet()) {
                if (!template.contains("{" + slot + "}")) {
                    throw new IllegalArgumentException("family '" + name + "': slot {" + slot + "} is not in the template '" + template + "'");
                }
            }
        }

        /** A family without slots to average over. */
        public Family(String name, String template, List<String> values) {
            this(name, template, values, Map.of());
        }

        /** The prompts of each value: the template over every combination of {@code over}, [values][combinations]. */
        public List<List<String>> prompts() {
            List<String> filled = List.of(template);
            for (Map.Entry<String, List<String>> e : over.entrySet()) {
                List<String> next = new ArrayList<>();
                for (String f : filled) {
                    for (String v : e.getValue()) {
                        next.add(f.replace("{" + e.getKey() + "}", v));
                    }
                }
                filled = next;
            }
            List<List<String>> out = new ArrayList<>();
            for (String v : values) {
                out.add(filled.stream().map(f -> f.replace("{value}", v)).toList());
            }
            return out;
        }
    }

    /** What the image h and the prompt H are centred on before the cosine. */
    public enum Centre {
        /** Both on the family's value prompts' mean H (the image then lives in prompt space). */
        PROMPTS,
        /** Image h on the images' mean h, value H on the values' mean H (each space on its own mean). */
        IMAGES;

        /** Parses {@code prompts} or {@code images}; throws listing the valid names. */
        public static Centre lookup(String name) {
            for (Centre c : values()) {
                if (c.name().equalsIgnoreCase(name)) {
                    return c;
                }
            }
            throw new IllegalArgumentException("unknown centre '" + name + "'; valid: prompts, images");
        }
    }

    /** How an image's h is scored against the values' H. */
    public enum Score {
        /** Cosine of the centred h to each centred value H. */
        COSINE,
        /**
         * Linear discriminant: the values' H with the covariance of the value prompts' seed samples
         * around them (shrunk, Ledoit-Wolf), so directions the samples of one value vary along
         * (other attributes, position, noise) count less.
         */
        DISCRIMINANT;

        /** Parses {@code cosine} or {@code discriminant}; throws listing the valid names. */
        public static Score lookup(String name) {
            for (Score s : values()) {
                if (s.name().equalsIgnoreCase(name)) {
                    return s;
                }
            }
            throw new IllegalArgumentException("unknown score '" + name + "'; valid: discriminant, cosine");
        }
    }

    /**
     * The settings of one conditioning run.
     *
     * @param name the analysis name
     * @param families the attribute families read
     * @param sampler schedule (scheduler, steps), guidance and size of the value-prompt extraction
     * @param step the 0-based step the images are read at, and the value prompts captured at
     * @param mode noise or invert
     * @param pooling none or spatial-mean
     * @param prompt the prompt the images' h is read with ("" for none)
     * @param promptSeeds seeds of the value-prompt extraction
     * @param imageSeed noise seed of image i is imageSeed + i (noise mode); of its draw k, imageSeed + k N + i for N images
     * @param noiseDraws noise draws per image (noise mode; 1 when inverting): its h is their mean, as a
     *     prompt's H is the mean over its seeds
     * @param centre what the vectors are centred on
     * @param valueBranch the CFG branch the value prompts' h comes from: uncond (the sampled
     *     latents read with the sampler's negative prompt, as the images are read with
     *     {@code prompt}) or cond (read with the value prompt itself)
     * @param score how images are scored against the values
     */
    public record Spec(String name, List<Family> families, Sampler sampler, int step, ConditionMode mode, Pooling pooling,
            String prompt, List<Long> promptSeeds, long imageSeed, int noiseDraws, Centre centre, Branch valueBranch, Score score) {
        public Spec {
            if (noiseDraws < 1) {
                throw new IllegalArgumentException("condition '" + name + "': noise_draws must be at least 1, got " + noiseDraws);
            }
            if (noiseDraws > 1 && mode == ConditionMode.INVERT) {
                throw new IllegalArgumentException("condition '" + name + "': noise_draws " + noiseDraws
                        + " with mode invert: DDIM inversion draws no noise, so every draw would be the same; use 1 or mode noise");
            }
            if (valueBranch == Branch.BOTH) {
                throw new IllegalArgumentException("condition '" + name + "': the value branch is cond or uncond, not both");
            }
            if (families == null || families.isEmpty()) {
                throw new IllegalArgumentException("condition '" + name + "': no families to read");
            }
            if (step < 0 || step >= sampler.steps()) {
                throw new IllegalArgumentException("condition '" + name + "': step " + step + " is outside the "
                        + sampler.steps() + " steps (0-based)");
            }
            if (promptSeeds == null || promptSeeds.isEmpty()) {
                throw new IllegalArgumentException("condition '" + name + "': no seeds for the value prompts");
            }
            families = List.copyOf(families);
            prompt = prompt == null ? "" : prompt;
        }
    }

    /**
     * One family's reading of the images.
     *
     * @param family the family name
     * @param values its values
     * @param predicted the value assigned to each image
     * @param score each image's score for each value (cosine or discriminant, see {@link Score}), [images][values]
     * @param shrinkage the discriminant's covariance shrinkage (NaN for the cosine)
     * @param truth each image's true value (null where unknown), or null without labels
     * @param accuracy share of labelled images read right, with a bootstrap interval over images; null without labels
     * @param labelled how many images have a true value in the family's values
     * @param confusion [true value][predicted value] counts, or null without labels
     */
    public record FamilyResult(String family, List<String> values, List<String> predicted, double[][] score, double shrinkage,
            List<String> truth, Estimate accuracy, int labelled, int[][] confusion) {}

    /**
     * The whole reading.
     *
     * @param name the analysis name
     * @param spec the settings
     * @param files the images, in order
     * @param skipped files skipped as non-images
     * @param resized how many images were resized
     * @param timestep the scheduler timestep of the step read
     * @param families one result per family
     */
    public record Result(String name, Spec spec, List<String> files, List<String> skipped, int resized, float timestep,
            List<FamilyResult> families) {
        /** The family named {@code name}, or null. */
        public FamilyResult family(String name) {
            return families.stream().filter(f -> f.family().equals(name)).findFirst().orElse(null);
        }
    }

    /**
     * The items a run of {@code spec} on {@code images} images has the engine compute, what its
     * progress counts to: every image read (once per noise draw), then the value prompts x seeds (a
     * prompt that several families share, as full captions do, is extracted once).
     */
    public static long items(Spec spec, int images) {
        return (long) images * spec.noiseDraws() + (long) valuePrompts(spec).size() * spec.promptSeeds().size();
    }

    /** Every family's value prompts, each once, in first-seen order. */
    private static List<String> valuePrompts(Spec spec) {
        Set<String> unique = new LinkedHashSet<>();
        for (Family f : spec.families()) {
            f.prompts().forEach(unique::addAll);
        }
        return new ArrayList<>(unique);
    }

    /**
     * The images' h: each image VAE-encoded and read at the spec's step, in noise mode the mean over
     * {@code spec.noiseDraws()} draws (draw k of image i seeded {@code imageSeed + k N + i}).
     *
     * @param itemsDone told the images read so far (N per draw) after each engine call
     */
    static ImageReading imageH(Engine engine, ClipTokenizer tokenizer, Spec spec, ImageFolder images, LongConsumer itemsDone) {
        int n = images.files().size();
        int[] promptIds = tokenizer.encode(spec.prompt(), true);
        float[][] h = null;
        float timestep = Float.NaN;
        for (int k = 0; k < spec.noiseDraws(); k++) {
            long[] seeds = new long[n];
            for (int i = 0; i < n; i++) {
                seeds[i] = spec.imageSeed() + (long) k * n + i;
            }
            ConditionRequest request = ConditionRequest.builder(images.pixels(), promptIds)
                    .scheduler(spec.sampler().scheduler()).steps(spec.sampler().steps(), spec.step()).mode(spec.mode())
                    .seeds(seeds).pooling(spec.pooling()).build();
            ConditionResult cond = engine.condition(request);
            timestep = cond.timestep();
            float[][] draw = rows(cond.h().data(), n);
            if (h == null) {
                h = draw;
            } else {
                for (int i = 0; i < n; i++) {
                    for (int d = 0; d < h[i].length; d++) {
                        h[i][d] += draw[i][d];
                    }
                }
            }
            itemsDone.accept((long) n * (k + 1));
        }
        if (spec.noiseDraws() > 1) {
            for (float[] row : h) {
                for (int d = 0; d < row.length; d++) {
                    row[d] /= spec.noiseDraws();
                }
            }
        }
        return new ImageReading(h, timestep);
    }

    /**
     * The images' h as {@link #imageH} reads it.
     *
     * @param h [N][h values]
     * @param timestep the scheduler timestep read at
     */
    record ImageReading(float[][] h, float timestep) {}

    /**
     * Runs the reading on an opened engine.
     *
     * @param labels per image its true attributes (family name to value), or null
     * @param batchSize value-prompt items per U-Net batch, 0 for all at once
     * @param itemsDone told the items done so far (of {@link #items}) after each engine call
     */
    public static Result run(Engine engine, ClipTokenizer tokenizer, Spec spec, ImageFolder images, List<Map<String, String>> labels,
            Stats stats, Projections projections, int batchSize, LongConsumer itemsDone) {
        if (labels != null && labels.size() != images.files().size()) {
            throw new IllegalArgumentException(labels.size() + " labels for " + images.files().size() + " images");
        }
        int n = images.files().size();
        ImageReading read = imageH(engine, tokenizer, spec, images, itemsDone);
        float[][] h = read.h();
        long imageItems = (long) n * spec.noiseDraws();
        List<String> unique = valuePrompts(spec);
        PromptVectors pv = PromptVectors.extract(engine, tokenizer, spec.sampler(), unique, spec.promptSeeds(),
                new int[] {spec.step()}, spec.valueBranch(), spec.pooling(), batchSize, k -> itemsDone.accept(imageItems + k));
        int seedCount = spec.promptSeeds().size();
        Map<String, Integer> index = new HashMap<>();
        for (int u = 0; u < unique.size(); u++) {
            index.put(unique.get(u), u);
        }
        List<FamilyResult> out = new ArrayList<>();
        for (Family f : spec.families()) {
            List<List<String>> byValue = f.prompts();
            List<String> all = byValue.stream().flatMap(List::stream).toList();
            float[][] promptMeans = new float[all.size()][];
            float[][] samples = new float[all.size() * seedCount][];
            for (int p = 0; p < all.size(); p++) {
                int u = index.get(all.get(p));
                promptMeans[p] = pv.mean()[u];
                System.arraycopy(pv.items(), u * seedCount, samples, p * seedCount, seedCount);
            }
            int per = byValue.get(0).size();
            float[][] valueH = new float[f.values().size()][];
            for (int v = 0; v < valueH.length; v++) {
                valueH[v] = mean(java.util.Arrays.copyOfRange(promptMeans, v * per, (v + 1) * per));
            }
            double shrinkage = Double.NaN;
            double[][] score;
            if (spec.score() == Score.COSINE) {
                score = scores(h, valueH, spec.centre(), projections);
            } else {
                LinearDiscriminant.Reading reading = LinearDiscriminant.read(centred(h, valueH, spec.centre()),
                        minus(valueH, mean(valueH)), residuals(samples, valueH), projections);
                score = reading.scores();
                shrinkage = reading.shrinkage();
            }
            int[] pred = argmax(score);
            List<String> predicted = new ArrayList<>(n);
            for (int p : pred) {
                predicted.add(f.values().get(p));
            }
            if (labels == null) {
                out.add(new FamilyResult(f.name(), f.values(), predicted, score, shrinkage, null, null, 0, null));
                continue;
            }
            List<String> truth = new ArrayList<>(n);
            int[] truthIndex = new int[n];
            for (int i = 0; i < n; i++) {
                Map<String, String> l = labels.get(i);
                String t = l == null ? null : l.get(f.name());
                truth.add(t);
                truthIndex[i] = t == null ? -1 : f.values().indexOf(t.toLowerCase(Locale.ROOT));
            }
            int labelled = 0;
            for (int t : truthIndex) {
                labelled += t >= 0 ? 1 : 0;
            }
            Estimate acc = labelled == 0 ? null : accuracy(pred, truthIndex, stats);
            out.add(new FamilyResult(f.name(), f.values(), predicted, score, shrinkage, truth, acc, labelled,
                    confusion(pred, truthIndex, f.values().size())));
        }
        return new Result(spec.name(), spec, images.files().stream().map(Path::toString).toList(),
                images.skipped().stream().map(Path::toString).toList(), images.resized(), read.timestep(), out);
    }

    /**
     * Cosine of each image's h to each value's H after centring (see {@link Centre}).
     *
     * @param images [images][D]
     * @param values [values][D]
     * @return [images][values]
     */
    public static double[][] scores(float[][] images, float[][] values, Centre centre, Projections projections) {
        return projections.cosineMatrix(centred(images, values, centre), minus(values, mean(values)));
    }

    /** Each value-prompt sample minus its value's H; the samples are value-major, equally many per value. */
    static float[][] residuals(float[][] samples, float[][] valueH) {
        int per = samples.length / valueH.length;
        float[][] out = new float[samples.length][];
        for (int i = 0; i < samples.length; i++) {
            float[] r = samples[i].clone();
            float[] m = valueH[i / per];
            for (int j = 0; j < r.length; j++) {
                r[j] -= m[j];
            }
            out[i] = r;
        }
        return out;
    }

    /** The images' h centred as {@code centre} says: on their own mean or on the values' mean. */
    static float[][] centred(float[][] images, float[][] values, Centre centre) {
        return minus(images, mean(centre == Centre.IMAGES ? images : values));
    }

    /** Per row the index of its largest value (the first on ties). */
    public static int[] argmax(double[][] scores) {
        int[] out = new int[scores.length];
        for (int i = 0; i < scores.length; i++) {
            for (int j = 1; j < scores[i].length; j++) {
                if (scores[i][j] > scores[i][out[i]]) {
                    out[i] = j;
                }
            }
        }
        return out;
    }

    /**
     * Share of the images with a known truth ({@code truth[i] >= 0}) whose prediction equals it,
     * with a percentile bootstrap interval over those images.
     */
    public static Estimate accuracy(int[] predicted, int[] truth, Stats stats) {
        List<Boolean> hits = new ArrayList<>();
        for (int i = 0; i < predicted.length; i++) {
            if (truth[i] >= 0) {
                hits.add(predicted[i] == truth[i]);
            }
        }
        boolean[] h = new boolean[hits.size()];
        for (int i = 0; i < h.length; i++) {
            h[i] = hits.get(i);
        }
        return proportion(h, stats);
    }

    /**
     * The share of true values with a percentile bootstrap interval (level 1 - stats.alpha)
     * over the entries; all three NaN when there are none.
     */
    public static Estimate proportion(boolean[] hits, Stats stats) {
        int n = hits.length;
        if (n == 0) {
            return new Estimate(Double.NaN, Double.NaN, Double.NaN);
        }
        int count = 0;
        for (boolean b : hits) {
            count += b ? 1 : 0;
        }
        SplittableRandom rng = new SplittableRandom(stats.seed());
        double[] reps = new double[stats.bootstrap()];
        for (int r = 0; r < reps.length; r++) {
            int c = 0;
            for (int i = 0; i < n; i++) {
                c += hits[rng.nextInt(n)] ? 1 : 0;
            }
            reps[r] = (double) c / n;
        }
        Resampling.Interval ci = Resampling.percentile(reps, 1 - stats.alpha());
        return new Estimate((double) count / n, ci.low(), ci.high());
    }

    /** [true][predicted] counts over the images with a known truth. */
    public static int[][] confusion(int[] predicted, int[] truth, int k) {
        int[][] c = new int[k][k];
        for (int i = 0; i < predicted.length; i++) {
            if (truth[i] >= 0) {
                c[truth[i]][predicted[i]]++;
            }
        }
        return c;
    }

    static float[][] rows(float[] flat, int n) {
        int d = flat.length / n;
        float[][] out = new float[n][];
        for (int i = 0; i < n; i++) {
            out[i] = java.util.Arrays.copyOfRange(flat, i * d, (i + 1) * d);
        }
        return out;
    }

    static float[] mean(float[][] rows) {
        float[] m = new float[rows[0].length];
        double[] acc = new double[m.length];
        for (float[] r : rows) {
            for (int j = 0; j < m.length; j++) {
                acc[j] += r[j];
            }
        }
        for (int j = 0; j < m.length; j++) {
            m[j] = (float) (acc[j] / rows.length);
        }
        return m;
    }

    static float[][] minus(float[][] rows, float[] m) {
        float[][] out = new float[rows.length][m.length];
        for (int i = 0; i < rows.length; i++) {
            for (int j = 0; j < m.length; j++) {
                out[i][j] = rows[i][j] - m[j];
            }
        }
        return out;
    }
}

package io.hspace.analysis;

import io.hspace.caption.CaptionWords;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Caption-driven discovery (docs/METHOD.md, "Discovery"): for one prompt over many seeds, each
 * seed's image captioned, and for every caption word w the direction mean h(with w) - mean
 * h(without w). Each seed is projected on the direction computed without its fold ({@link #FOLDS}
 * stratified folds, cross-fitted, so no seed scores a direction it helped make); on those projections: Cohen's d, the AUC, the
 * t statistic {@code d * sqrt(n1 n0 / n)} the words are ranked by, a one-sided permutation
 * p-value (labels shuffled, the leave-one-out projections recomputed) and Benjamini-Hochberg
 * q-values over the prompt's words. Every inner product comes from one Gram matrix of the seed
 * vectors computed by {@link Projections}. Words (nearly) every caption has, which the prompt does
 * not state, cannot be contrasted (too few captions lack them); they are the prompt's plainest
 * silent defaults and lead the ranking as its constant words.
 */
public final class DiscoverAnalysis {
    /** Folds of the cross-fitting. */
    public static final int FOLDS = 5;

    private DiscoverAnalysis() {}

    /**
     * One caption word.
     *
     * @param word the word
     * @param with seeds whose caption has it
     * @param without seeds whose caption lacks it
     * @param d Cohen's d of the cross-fitted projections (with minus without, pooled SD)
     * @param dLow lower end of the 95% bootstrap interval of d
     * @param dHigh upper end
     * @param auc probability that a seed with the word projects above one without (ties half)
     * @param aucLow lower end of the 95% bootstrap interval of the AUC
     * @param aucHigh upper end
     * @param t {@code d * sqrt(with * without / seeds)}, the ranking key
     * @param p one-sided permutation p-value of t
     * @param q Benjamini-Hochberg q-value over the prompt's tested words
     * @param textPrompt the prompt of the word's text direction
     * @param textCosine cos(caption direction, H(textPrompt) - H(prompt)) from all seeds; null when
     *     the text prompt was not extracted
     */
    public record WordResult(String word, int with, int without, double d, double dLow, double dHigh, double auc,
            double aucLow, double aucHigh, double t, double p, double q, String textPrompt, Double textCosine) {}

    /**
     * A word in all but fewer than {@code min_count} captions that the prompt does not state.
     *
     * @param word the word
     * @param with seeds whose caption has it
     */
    public record ConstantWord(String word, int with) {}

    /**
     * One prompt's words, best first.
     *
     * @param cell the cell
     * @param captioner the captioner's name
     * @param seeds the seeds, in order
     * @param captions each seed's caption
     * @param constant its constant words, most frequent first (none in results written before they existed)
     * @param ranked tested words, highest t first
     */
    public record CellResult(DiscoverCell cell, String captioner, List<Long> seeds, List<String> captions,
            List<ConstantWord> constant, List<WordResult> ranked) {
        public CellResult {
            constant = constant == null ? List.of() : List.copyOf(constant);
        }

        /** The discovered words, best first: the constant words, then the tested words by t. */
        public List<String> words() {
            List<String> out = new ArrayList<>(constant.stream().map(ConstantWord::word).toList());
            ranked.forEach(r -> out.add(r.word()));
            return out;
        }
    }

    /**
     * The words of {@code captions} worth testing: in at least {@code minCount} captions and
     * missing from at least {@code minCount}, in order of first appearance.
     */
    public static List<String> candidateWords(List<String> captions, int minCount) {
        List<String> out = new ArrayList<>();
        wordCounts(captions).forEach((w, k) -> {
            if (k >= minCount && captions.size() - k >= minCount) {
                out.add(w);
            }
        });
        return out;
    }

    /**
     * The words too common in {@code captions} to contrast: in at least {@code minCount} captions
     * and missing from fewer than {@code minCount}, most frequent first (ties in order of first
     * appearance), each with its count.
     */
    public static Map<String, Integer> nearlyConstantWords(List<String> captions, int minCount) {
        List<Map.Entry<String, Integer>> common = new ArrayList<>();
        wordCounts(captions).entrySet().stream()
                .filter(e -> e.getValue() >= minCount && captions.size() - e.getValue() < minCount).forEach(common::add);
        common.sort(Map.Entry.<String, Integer>comparingByValue().reversed());
        Map<String, Integer> out = new LinkedHashMap<>();
        common.forEach(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }

    /**
     * The constant words of a cell: its nearly constant words less the prompt's own words and
     * {@code shared}, the words nearly constant in every prompt of its analysis (the captioner's
     * grammar, e.g. "on" and "background" in "a red circle on a white background", which tell
     * no prompt's default apart; empty for an analysis of one prompt).
     */
    public static List<ConstantWord> constantWords(String prompt, List<String> captions, int minCount, Set<String> shared) {
        Set<String> stated = CaptionWords.words(prompt);
        List<ConstantWord> out = new ArrayList<>();
        nearlyConstantWords(captions, minCount).forEach((w, k) -> {
            if (!stated.contains(w) && !shared.contains(w)) {
                out.add(new ConstantWord(w, k));
            }
        });
        return out;
    }

    /**
     * The words nearly constant (see {@link #nearlyConstantWords}) in every one of two or more
     * prompts' captions; empty for one prompt, where a default and the grammar look alike.
     */
    public static Set<String> sharedConstantWords(List<List<String>> captionsPerPrompt, int minCount) {
        if (captionsPerPrompt.size() < 2) {
            return Set.of();
        }
        Set<String> shared = new java.util.LinkedHashSet<>(nearlyConstantWords(captionsPerPrompt.get(0), minCount).keySet());
        for (List<String> captions : captionsPerPrompt.subList(1, captionsPerPrompt.size())) {
            shared.retainAll(nearlyConstantWords(captions, minCount).keySet());
        }
        return shared;
    }

    private static Map<String, Integer> wordCounts(List<String> captions) {
        Map<String, Integer> count = new LinkedHashMap<>();
        for (String c : captions) {
            for (String w : CaptionWords.words(c)) {
                count.merge(w, 1, Integer::sum);
            }
        }
        return count;
    }

    /**
     * Runs one cell.
     *
     * @param x the prompt's vectors, one per seed
     * @param captions one caption per seed
     * @param base H(prompt): the mean of {@code x} (passed so the caller can reuse it)
     * @param text the H of each candidate word's text prompt; a word absent here gets no text cosine
     * @param shared words nearly constant in every prompt of the analysis ({@link #sharedConstantWords})
     */
    public static CellResult compute(DiscoverCell cell, String captioner, List<Long> seeds, float[][] x, List<String> captions,
            Map<String, float[]> text, Set<String> shared, Stats stats, Projections projections) {
        int n = x.length;
        if (captions.size() != n || seeds.size() != n) {
            throw new IllegalArgumentException(n + " vectors, " + captions.size() + " captions, " + seeds.size() + " seeds");
        }
        double[][] g = projections.gram(x, x);
        List<String> words = candidateWords(captions, cell.minCount());
        List<Set<String>> sets = captions.stream().map(CaptionWords::words).toList();
        float[] base = mean(x, null, true);
        List<float[]> captionDirs = new ArrayList<>();
        List<float[]> textDirs = new ArrayList<>();
        List<Integer> withText = new ArrayList<>();
        double[] t = new double[words.size()];
        double[] p = new double[words.size()];
        List<double[]> partial = new ArrayList<>();
        for (int k = 0; k < words.size(); k++) {
            String w = words.get(k);
            boolean[] y = new boolean[n];
            for (int s = 0; s < n; s++) {
                y[s] = sets.get(s).contains(w);
            }
            SplittableRandom rng = new SplittableRandom(stats.seed() ^ (cell.prompt() + "|" + w).hashCode());
            double[] proj = crossFitProjections(g, y, folds(y, FOLDS, rng), FOLDS);
            double[] observed = effect(proj, y);
            t[k] = observed[2];
            int atLeast = 0;
            boolean[] perm = y.clone();
            for (int r = 0; r < stats.permutations(); r++) {
                shuffle(perm, rng);
                if (effect(crossFitProjections(g, perm, folds(perm, FOLDS, rng), FOLDS), perm)[2] >= t[k]) {
                    atLeast++;
                }
            }
            p[k] = (1.0 + atLeast) / (1.0 + stats.permutations());
            double[] dReps = new double[stats.bootstrap()];
            double[] aucReps = new double[stats.bootstrap()];
            for (int r = 0; r < stats.bootstrap(); r++) {
                double[] bp = new double[n];
                boolean[] by = new boolean[n];
                for (int i = 0; i < n; i++) {
                    int j = rng.nextInt(n);
                    bp[i] = proj[j];
                    by[i] = y[j];
                }
                double[] e = effect(bp, by);
                dReps[r] = e[0];
                aucReps[r] = e[1];
            }
            Resampling.Interval dCi = Resampling.percentile(finite(dReps), 0.95);
            Resampling.Interval aucCi = Resampling.percentile(finite(aucReps), 0.95);
            partial.add(new double[] {observed[0], dCi.low(), dCi.high(), observed[1], aucCi.low(), aucCi.high(),
                count(y)});
            if (text.containsKey(w)) {
                float[] with = mean(x, y, true);
                float[] without = mean(x, y, false);
                float[] dc = new float[with.length];
                float[] dt = new float[with.length];
                float[] h = text.get(w);
                for (int i = 0; i < dc.length; i++) {
                    dc[i] = with[i] - without[i];
                    dt[i] = h[i] - base[i];
                }
                captionDirs.add(dc);
                textDirs.add(dt);
                withText.add(k);
            }
        }
        Double[] cosines = new Double[words.size()];
        if (!withText.isEmpty()) {
            double[][] c = projections.cosineMatrix(captionDirs.toArray(float[][]::new), textDirs.toArray(float[][]::new));
            for (int i = 0; i < withText.size(); i++) {
                cosines[withText.get(i)] = c[i][i];
            }
        }
        double[] q = Resampling.benjaminiHochberg(p);
        List<WordResult> ranked = new ArrayList<>();
        for (int k = 0; k < words.size(); k++) {
            double[] v = partial.get(k);
            int with = (int) v[6];
            ranked.add(new WordResult(words.get(k), with, n - with, v[0], v[1], v[2], v[3], v[4], v[5], t[k], p[k], q[k],
                    cell.textPrompt(words.get(k)), cosines[k]));
        }
        ranked.sort(Comparator.comparingDouble(WordResult::t).reversed());
        return new CellResult(cell, captioner, List.copyOf(seeds), List.copyOf(captions),
                constantWords(cell.prompt(), captions, cell.minCount(), shared), ranked);
    }

    /**
     * Stratified fold of each seed: each group's seeds, shuffled, dealt round-robin into
     * {@code k} folds (so a group of at least two seeds is never wholly held out).
     */
    static int[] folds(boolean[] y, int k, SplittableRandom rng) {
        int n = y.length;
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int tmp = order[i];
            order[i] = order[j];
            order[j] = tmp;
        }
        int[] fold = new int[n];
        int a = 0;
        int b = 0;
        for (int i : order) {
            fold[i] = y[i] ? a++ % k : (k - 1) - b++ % k;
        }
        return fold;
    }

    /**
     * Cross-fitted projections: seed s, in fold f, on the unit direction mean(with) - mean(without)
     * of the seeds outside f, measured from the midpoint of those two means. Seeds of one fold
     * share one direction, so under no effect both groups' projections have the same
     * distribution (a per-seed leave-one-out direction would bias them apart). All from the Gram
     * matrix {@code g}.
     */
    static double[] crossFitProjections(double[][] g, boolean[] y, int[] fold, int k) {
        int n = y.length;
        double[] out = new double[n];
        for (int f = 0; f < k; f++) {
            List<Integer> a = new ArrayList<>();
            List<Integer> b = new ArrayList<>();
            boolean any = false;
            for (int i = 0; i < n; i++) {
                if (fold[i] != f) {
                    (y[i] ? a : b).add(i);
                } else {
                    any = true;
                }
            }
            if (!any) {
                continue;
            }
            double aa = block(g, a, a);
            double bb = block(g, b, b);
            double ab = block(g, a, b);
            double norm = Math.sqrt(Math.max(0, aa - 2 * ab + bb));
            double mid = (aa - bb) / 2;  // <(mA + mB) / 2, mA - mB>
            for (int s = 0; s < n; s++) {
                if (fold[s] != f) {
                    continue;
                }
                double dot = rowMean(g[s], a) - rowMean(g[s], b);
                out[s] = norm > 0 ? (dot - mid) / norm : 0;
            }
        }
        return out;
    }

    private static double block(double[][] g, List<Integer> r, List<Integer> c) {
        double sum = 0;
        for (int i : r) {
            for (int j : c) {
                sum += g[i][j];
            }
        }
        return sum / ((double) r.size() * c.size());
    }

    private static double rowMean(double[] row, List<Integer> c) {
        double sum = 0;
        for (int j : c) {
            sum += row[j];
        }
        return sum / c.size();
    }

    /** {Cohen's d, AUC, t} of values split by y (NaN when a group has fewer than two values). */
    static double[] effect(double[] v, boolean[] y) {
        int nA = 0;
        double mA = 0;
        double mB = 0;
        for (int i = 0; i < v.length; i++) {
            if (y[i]) {
                nA++;
                mA += v[i];
            } else {
                mB += v[i];
            }
        }
        int nB = v.length - nA;
        if (nA < 2 || nB < 2) {
            return new double[] {Double.NaN, Double.NaN, Double.NaN};
        }
        mA /= nA;
        mB /= nB;
        double ss = 0;
        double wins = 0;
        for (int i = 0; i < v.length; i++) {
            double m = y[i] ? mA : mB;
            ss += (v[i] - m) * (v[i] - m);
            if (y[i]) {
                for (int j = 0; j < v.length; j++) {
                    if (!y[j]) {
                        wins += v[i] > v[j] ? 1 : v[i] == v[j] ? 0.5 : 0;
                    }
                }
            }
        }
        double sd = Math.sqrt(ss / (v.length - 2));
        double d = sd > 0 ? (mA - mB) / sd : 0;
        return new double[] {d, wins / ((double) nA * nB), d * Math.sqrt((double) nA * nB / v.length)};
    }

    private static void shuffle(boolean[] y, SplittableRandom rng) {
        for (int i = y.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            boolean tmp = y[i];
            y[i] = y[j];
            y[j] = tmp;
        }
    }

    private static double[] finite(double[] v) {
        double[] f = Arrays.stream(v).filter(Double::isFinite).toArray();
        return f.length == 0 ? new double[] {Double.NaN} : f;
    }

    private static int count(boolean[] y) {
        int k = 0;
        for (boolean b : y) {
            k += b ? 1 : 0;
        }
        return k;
    }

    /** The mean of the rows of x where {@code y[s] == side} (all rows when y is null). */
    public static float[] mean(float[][] x, boolean[] y, boolean side) {
        double[] acc = new double[x[0].length];
        int k = 0;
        for (int s = 0; s < x.length; s++) {
            if (y == null || y[s] == side) {
                k++;
                for (int i = 0; i < acc.length; i++) {
                    acc[i] += x[s][i];
                }
            }
        }
        float[] out = new float[acc.length];
        for (int i = 0; i < acc.length; i++) {
            out[i] = (float) (acc[i] / k);
        }
        return out;
    }
}

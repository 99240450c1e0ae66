package io.hspace.analysis;

import io.hspace.atlas.Atlas;
import io.hspace.atlas.HStore;
import io.hspace.atlas.PromptTag;
import io.hspace.atlas.TaggedPrompt;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Clusters concept vectors v(p) = H(p) - mu on cosine distance 1 - cos (docs/METHOD.md,
 * "Clustering"): agglomerative average linkage cut at k clusters and spherical k-means (best of
 * 20 k-means++ starts); a 2-D PCA map of the unit-normalised v(p); mean silhouette; each cluster
 * labelled by the tokens and slot values most over-represented in it.
 */
public final class ClusterAnalysis {
    private ClusterAnalysis() {}

    /**
     * One clustering.
     *
     * @param method agglomerative or kmeans
     * @param assignment cluster index per prompt, clusters numbered by first appearance
     * @param silhouette mean silhouette over prompts (cosine distance)
     * @param labels per cluster, its most telling features ("shape=circle", "red")
     */
    public record Clustering(ClusterMethod method, int[] assignment, double silhouette, List<List<String>> labels) {}

    /**
     * One entry under one step selection.
     *
     * @param spec the entry
     * @param steps the step selection
     * @param cosine cosine similarity of v(p), v(q)
     * @param map 2-D PCA coordinates per prompt
     * @param explained fraction of variance of the two map axes
     * @param clusterings one per method asked for
     */
    public record SetResult(ClusterSpec spec, StepSelection steps, double[][] cosine, double[][] map, double[] explained,
            List<Clustering> clusterings) {}

    /**
     * An entry, pooled and per captured step.
     *
     * @param pooled over the mean of all captured steps
     * @param perStep per captured step (empty when one step is captured)
     */
    public record Result(SetResult pooled, List<SetResult> perStep) {}

    /** Runs one entry on the atlas. */
    public static Result run(HStore store, ClusterSpec spec, List<Long> seeds, Stats stats, Projections projections) {
        SetResult pooled = runAt(store, spec, seeds, stats, projections, StepSelection.ALL);
        List<SetResult> perStep = new ArrayList<>();
        if (store.steps() > 1) {
            for (int t = 0; t < store.steps(); t++) {
                perStep.add(runAt(store, spec, seeds, stats, projections, new StepSelection(t)));
            }
        }
        return new Result(pooled, perStep);
    }

    private static SetResult runAt(HStore store, ClusterSpec spec, List<Long> seeds, Stats stats, Projections projections,
            StepSelection steps) {
        List<String> prompts = new ArrayList<>(spec.prompts());
        if (spec.base() != null) {
            prompts.add(spec.base());
        }
        SeedGram g = new SeedGram(SeedVectors.of(store, prompts, seeds, steps), projections);
        return compute(spec, steps, g.means(g.uniform()), features(store.atlas(), spec.prompts()), stats.seed());
    }

    /**
     * The entry from the inner products of the prompts' mean vectors ({@code means[p][q] = <H_p, H_q>},
     * the base prompt last when the entry names one) and each prompt's features (for labels).
     */
    public static SetResult compute(ClusterSpec spec, StepSelection steps, double[][] means, List<Set<String>> features, long seed) {
        int n = spec.prompts().size();
        int all = means.length;
        double[] mu = new double[all];
        if (spec.base() != null) {
            mu[all - 1] = 1;
        } else {
            Arrays.fill(mu, 1.0 / n);
        }
        double[][] cos = new double[n][n];
        double[][] inner = new double[n][n];
        for (int p = 0; p < n; p++) {
            for (int q = 0; q < n; q++) {
                double[] u = neg(mu);
                u[p] += 1;
                double[] v = neg(mu);
                v[q] += 1;
                inner[p][q] = SeedGram.form(u, means, v);
            }
        }
        for (int p = 0; p < n; p++) {
            for (int q = 0; q < n; q++) {
                double d = Math.sqrt(inner[p][p] * inner[q][q]);
                cos[p][q] = d <= 0 ? 0 : inner[p][q] / d;
            }
        }
        double[][] dist = new double[n][n];
        for (int p = 0; p < n; p++) {
            for (int q = 0; q < n; q++) {
                dist[p][q] = p == q ? 0 : Math.max(0, 1 - cos[p][q]);
            }
        }
        List<Clustering> cl = new ArrayList<>();
        if (spec.method() != ClusterMethod.KMEANS) {
            int[] a = canonical(averageLinkage(dist, spec.k()));
            cl.add(new Clustering(ClusterMethod.AGGLOMERATIVE, a, silhouette(dist, a), labels(a, features)));
        }
        if (spec.method() != ClusterMethod.AGGLOMERATIVE) {
            int[] a = canonical(sphericalKMeans(cos, spec.k(), 20, seed));
            cl.add(new Clustering(ClusterMethod.KMEANS, a, silhouette(dist, a), labels(a, features)));
        }
        double[][] map = new double[n][2];
        double[] explained = pca2(cos, map);
        return new SetResult(spec, steps, cos, map, explained, cl);
    }

    private static double[] neg(double[] mu) {
        double[] u = new double[mu.length];
        for (int i = 0; i < mu.length; i++) {
            u[i] = -mu[i];
        }
        return u;
    }

    /** Agglomerative clustering, average linkage (UPGMA), merged until k clusters remain. */
    public static int[] averageLinkage(double[][] dist, int k) {
        int n = dist.length;
        List<List<Integer>> clusters = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            clusters.add(new ArrayList<>(List.of(i)));
        }
        while (clusters.size() > k) {
            int ba = 0;
            int bb = 1;
            double best = Double.POSITIVE_INFINITY;
            for (int a = 0; a < clusters.size(); a++) {
                for (int b = a + 1; b < clusters.size(); b++) {
                    double s = 0;
                    for (int i : clusters.get(a)) {
                        for (int j : clusters.get(b)) {
                            s += dist[i][j];
                        }
                    }
                    s /= clusters.get(a).size() * clusters.get(b).size();
                    if (s < best) {
                        best = s;
                        ba = a;
                        bb = b;
                    }
                }
            }
            clusters.get(ba).addAll(clusters.remove(bb));
        }
        int[] out = new int[n];
        for (int c = 0; c < clusters.size(); c++) {
            for (int i : clusters.get(c)) {
                out[i] = c;
            }
        }
        return out;
    }

    /**
     * Spherical k-means in kernel form on a cosine matrix: a point's similarity to a cluster's
     * unit centroid is sum_{q in C} cos(p,q) / sqrt(sum_{q,r in C} cos(q,r)). Best of
     * {@code restarts} k-means++ starts by total similarity.
     */
    public static int[] sphericalKMeans(double[][] cos, int k, int restarts, long seed) {
        int n = cos.length;
        SplittableRandom rng = new SplittableRandom(seed);
        int[] best = null;
        double bestObj = Double.NEGATIVE_INFINITY;
        for (int r = 0; r < restarts; r++) {
            int[] centers = new int[k];
            centers[0] = rng.nextInt(n);
            for (int c = 1; c < k; c++) {
                double[] d2 = new double[n];
                double total = 0;
                for (int i = 0; i < n; i++) {
                    double m = Double.POSITIVE_INFINITY;
                    for (int j = 0; j < c; j++) {
                        m = Math.min(m, Math.max(0, 1 - cos[i][centers[j]]));
                    }
                    d2[i] = m * m;
                    total += d2[i];
                }
                double u = rng.nextDouble() * total;
                int pick = 0;
                while (pick < n - 1 && u >= d2[pick]) {
                    u -= d2[pick];
                    pick++;
                }
                centers[c] = pick;
            }
            int[] a = new int[n];
            for (int i = 0; i < n; i++) {
                int bc = 0;
                for (int c = 1; c < k; c++) {
                    if (cos[i][centers[c]] > cos[i][centers[bc]]) {
                        bc = c;
                    }
                }
                a[i] = bc;
            }
            for (int iter = 0; iter < 100; iter++) {
                double[] norm = new double[k];
                for (int q = 0; q < n; q++) {
                    for (int rr = 0; rr < n; rr++) {
                        if (a[q] == a[rr]) {
                            norm[a[q]] += cos[q][rr];
                        }
                    }
                }
                int[] next = new int[n];
                for (int i = 0; i < n; i++) {
                    double[] sim = new double[k];
                    for (int q = 0; q < n; q++) {
                        sim[a[q]] += cos[i][q];
                    }
                    int bc = -1;
                    double bs = Double.NEGATIVE_INFINITY;
                    for (int c = 0; c < k; c++) {
                        if (norm[c] <= 0) {
                            continue;
                        }
                        double s = sim[c] / Math.sqrt(norm[c]);
                        if (s > bs) {
                            bs = s;
                            bc = c;
                        }
                    }
                    next[i] = bc;
                }
                if (Arrays.equals(next, a)) {
                    break;
                }
                a = next;
            }
            double obj = 0;
            double[] norm = new double[k];
            double[] within = new double[k];
            for (int q = 0; q < n; q++) {
                for (int rr = 0; rr < n; rr++) {
                    if (a[q] == a[rr]) {
                        norm[a[q]] += cos[q][rr];
                    }
                }
            }
            Set<Integer> used = new LinkedHashSet<>();
            for (int i = 0; i < n; i++) {
                used.add(a[i]);
                within[a[i]] = norm[a[i]];
            }
            for (int c : used) {
                obj += Math.sqrt(Math.max(0, within[c]));
            }
            if (used.size() == k && obj > bestObj) {
                bestObj = obj;
                best = a;
            }
        }
        if (best == null) {
            throw new IllegalStateException("k-means found no clustering with " + k + " non-empty clusters");
        }
        return best;
    }

    /** Mean silhouette: for each point (b - a) / max(a, b), a = mean distance within its cluster, b = to the nearest other. */
    public static double silhouette(double[][] dist, int[] a) {
        int n = dist.length;
        int k = Arrays.stream(a).max().orElse(0) + 1;
        double total = 0;
        for (int i = 0; i < n; i++) {
            double[] sum = new double[k];
            int[] count = new int[k];
            for (int j = 0; j < n; j++) {
                if (j != i) {
                    sum[a[j]] += dist[i][j];
                    count[a[j]]++;
                }
            }
            if (count[a[i]] == 0) {
                continue; // a singleton's silhouette is 0 by convention
            }
            double in = sum[a[i]] / count[a[i]];
            double out = Double.POSITIVE_INFINITY;
            for (int c = 0; c < k; c++) {
                if (c != a[i] && count[c] > 0) {
                    out = Math.min(out, sum[c] / count[c]);
                }
            }
            double m = Math.max(in, out);
            total += m == 0 ? 0 : (out - in) / m;
        }
        return total / n;
    }

    /** Adjusted Rand index of two partitions (Hubert and Arabie 1985). */
    public static double adjustedRand(int[] x, int[] y) {
        Map<Long, Integer> joint = new HashMap<>();
        Map<Integer, Integer> rows = new HashMap<>();
        Map<Integer, Integer> cols = new HashMap<>();
        for (int i = 0; i < x.length; i++) {
            joint.merge(((long) x[i] << 32) | (y[i] & 0xffffffffL), 1, Integer::sum);
            rows.merge(x[i], 1, Integer::sum);
            cols.merge(y[i], 1, Integer::sum);
        }
        double index = joint.values().stream().mapToDouble(ClusterAnalysis::pairs).sum();
        double a = rows.values().stream().mapToDouble(ClusterAnalysis::pairs).sum();
        double b = cols.values().stream().mapToDouble(ClusterAnalysis::pairs).sum();
        double expected = a * b / pairs(x.length);
        double max = (a + b) / 2;
        return max == expected ? 1.0 : (index - expected) / (max - expected);
    }

    private static double pairs(int n) {
        return n * (n - 1) / 2.0;
    }

    /** Per prompt: its words and its tags' "slot=value" pairs. */
    static List<Set<String>> features(Atlas atlas, List<String> prompts) {
        List<Set<String>> out = new ArrayList<>();
        for (String p : prompts) {
            Set<String> f = new LinkedHashSet<>();
            for (String w : p.toLowerCase().split("[^\\p{L}\\p{N}]+")) {
                if (!w.isEmpty()) {
                    f.add(w);
                }
            }
            TaggedPrompt row = atlas.prompts().get(atlas.requirePromptId(p));
            for (PromptTag t : row.tags()) {
                t.slots().forEach((k, v) -> f.add(k + "=" + v));
            }
            out.add(f);
        }
        return out;
    }

    /**
     * Up to three features held by at least half the cluster, with the largest positive
     * difference between their frequency inside the cluster and outside it (ties: more frequent
     * inside first).
     */
    static List<List<String>> labels(int[] a, List<Set<String>> features) {
        int k = Arrays.stream(a).max().orElse(0) + 1;
        List<List<String>> out = new ArrayList<>();
        for (int c = 0; c < k; c++) {
            Map<String, int[]> counts = new LinkedHashMap<>();
            int in = 0;
            for (int i = 0; i < a.length; i++) {
                if (a[i] == c) {
                    in++;
                }
                for (String f : features.get(i)) {
                    counts.computeIfAbsent(f, x -> new int[2])[a[i] == c ? 0 : 1]++;
                }
            }
            int inside = in;
            int outside = a.length - in;
            List<Map.Entry<String, int[]>> ranked = new ArrayList<>(counts.entrySet());
            ranked.sort((x, y) -> {
                double dx = x.getValue()[0] / (double) inside - (outside == 0 ? 0 : x.getValue()[1] / (double) outside);
                double dy = y.getValue()[0] / (double) inside - (outside == 0 ? 0 : y.getValue()[1] / (double) outside);
                return dx != dy ? Double.compare(dy, dx) : Integer.compare(y.getValue()[0], x.getValue()[0]);
            });
            List<String> top = new ArrayList<>();
            for (Map.Entry<String, int[]> e : ranked) {
                double lift = e.getValue()[0] / (double) inside - (outside == 0 ? 0 : e.getValue()[1] / (double) outside);
                if (lift > 0 && 2 * e.getValue()[0] >= inside && top.size() < 3) {
                    top.add(e.getKey());
                }
            }
            out.add(top);
        }
        return out;
    }

    /** Renumbers clusters by first appearance, so equal partitions compare equal. */
    static int[] canonical(int[] a) {
        Map<Integer, Integer> ids = new HashMap<>();
        int[] out = new int[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = ids.computeIfAbsent(a[i], x -> ids.size());
        }
        return out;
    }

    /**
     * PCA of unit vectors given their cosine matrix: the double-centred matrix's top two
     * eigenvectors scaled by sqrt(eigenvalue) are the coordinates (classical MDS, equal to PCA
     * of the vectors). Returns the fraction of variance of each axis.
     */
    static double[] pca2(double[][] cos, double[][] map) {
        int n = cos.length;
        double[] row = new double[n];
        double all = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                row[i] += cos[i][j] / n;
            }
            all += row[i] / n;
        }
        double[][] c = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                c[i][j] = cos[i][j] - row[i] - row[j] + all;
            }
        }
        double[][][] eig = Linear.symmetricEigen(c);
        double[] values = eig[0][0];
        double total = 0;
        for (double v : values) {
            total += Math.max(0, v);
        }
        double[] explained = new double[2];
        for (int axis = 0; axis < 2 && axis < n; axis++) {
            double l = Math.max(0, values[axis]);
            explained[axis] = total == 0 ? 0 : l / total;
            for (int i = 0; i < n; i++) {
                map[i][axis] = eig[1][i][axis] * Math.sqrt(l);
            }
        }
        return explained;
    }
}

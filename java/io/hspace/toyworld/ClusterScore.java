package io.hspace.toyworld;

import io.hspace.analysis.Agreement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Clusterings scored against the shape groups: the adjusted Rand index of each clustering
 * against the partition of its prompts by the shape they state (read with the caption
 * grammar; prompts stating no shape are left out of both partitions).
 * {@code cluster_ari} is the mean over every clustering, {@code cluster_ari_METHOD} the mean
 * over the clusterings of one method.
 */
public final class ClusterScore implements Scorecard.Section {

    /**
     * One clustering of the results.
     *
     * @param entry the cluster entry's name
     * @param method the clustering method ("agglomerative", "kmeans")
     * @param prompts the prompts clustered
     * @param assignment the cluster of each prompt
     */
    public record Clustering(String entry, String method, List<String> prompts, int[] assignment) {
        public Clustering {
            prompts = List.copyOf(prompts);
            if (prompts.size() != assignment.length) {
                throw new IllegalArgumentException("clustering '" + entry + "' (" + method + "): " + prompts.size()
                        + " prompts but " + assignment.length + " assignments");
            }
        }
    }

    private final List<Clustering> clusterings;

    /** Scores {@code clusterings}. */
    public ClusterScore(List<Clustering> clusterings) {
        this.clusterings = List.copyOf(clusterings);
    }

    /**
     * The adjusted Rand index of one clustering against the shape groups.
     *
     * @throws IllegalArgumentException naming a prompt that is not a Toy World caption, or when
     *     fewer than two prompts state a shape
     */
    public static double shapeAri(Clustering c) {
        List<Integer> truth = new ArrayList<>();
        List<Integer> found = new ArrayList<>();
        for (int i = 0; i < c.prompts().size(); i++) {
            Stated s;
            try {
                s = CaptionGrammar.parse(c.prompts().get(i));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("clustering '" + c.entry() + "': " + e.getMessage(), e);
            }
            if (s.shape() != null) {
                truth.add(s.shape().ordinal());
                found.add(c.assignment()[i]);
            }
        }
        if (truth.size() < 2) {
            throw new IllegalArgumentException("clustering '" + c.entry() + "': fewer than two of its prompts state a shape");
        }
        return Agreement.adjustedRand(truth.stream().mapToInt(Integer::intValue).toArray(),
                found.stream().mapToInt(Integer::intValue).toArray());
    }

    @Override
    public List<Scorecard.Line> lines() {
        List<Scorecard.Line> out = new ArrayList<>();
        Map<String, List<Double>> byMethod = new LinkedHashMap<>();
        List<Double> all = new ArrayList<>();
        for (Clustering c : clusterings) {
            double ari = shapeAri(c);
            all.add(ari);
            byMethod.computeIfAbsent(c.method(), m -> new ArrayList<>()).add(ari);
        }
        out.add(new Scorecard.Line("cluster_ari", mean(all)));
        byMethod.forEach((m, v) -> out.add(new Scorecard.Line("cluster_ari_" + m, mean(v))));
        return out;
    }

    @Override
    public String details() {
        StringBuilder b = new StringBuilder("clusterings against the shape groups\n");
        for (Clustering c : clusterings) {
            b.append(String.format(Locale.ROOT, "  %s (%s), %d prompts: ARI %.4f%n", c.entry(), c.method(),
                    c.prompts().size(), shapeAri(c)));
        }
        return b.toString();
    }

    private static double mean(List<Double> v) {
        return v.isEmpty() ? Double.NaN : v.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }
}

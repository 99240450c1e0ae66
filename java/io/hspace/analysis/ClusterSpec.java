package io.hspace.analysis;

import java.util.List;

/**
 * The cluster analysis of a list of prompts.
 *
 * @param name the entry's name
 * @param prompts the prompts clustered
 * @param k number of clusters
 * @param method agglomerative, k-means or both
 * @param base the prompt whose H is the origin mu, or null for the mean over the prompts
 */
public record ClusterSpec(String name, List<String> prompts, int k, ClusterMethod method, String base) {
    public ClusterSpec {
        prompts = List.copyOf(prompts);
        if (k < 2 || k >= prompts.size()) {
            throw new IllegalArgumentException("cluster entry '" + name + "': k must lie in [2, " + (prompts.size() - 1)
                    + "] for " + prompts.size() + " prompts, got " + k);
        }
    }
}

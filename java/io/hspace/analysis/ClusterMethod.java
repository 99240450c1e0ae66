package io.hspace.analysis;

import java.util.Arrays;
import java.util.stream.Collectors;

/** Clustering algorithm(s) of the cluster analysis. */
public enum ClusterMethod {
    AGGLOMERATIVE("agglomerative"),
    KMEANS("kmeans"),
    BOTH("both");

    private final String label;

    ClusterMethod(String label) {
        this.label = label;
    }

    /** The name used in study files. */
    public String label() {
        return label;
    }

    /** Parses a name; throws listing the valid names. */
    public static ClusterMethod lookup(String name) {
        for (ClusterMethod m : values()) {
            if (m.label.equalsIgnoreCase(name)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown cluster method '" + name + "'; valid: "
                + Arrays.stream(values()).map(ClusterMethod::label).collect(Collectors.joining(", ")));
    }

    @Override
    public String toString() {
        return label;
    }
}

package io.hspace.atlas;

import java.util.Arrays;
import java.util.stream.Collectors;

/** How the engine reduces the mid-block output before it is stored. */
public enum Pooling {
    /** The full C x H x W map, flattened by the analyses. */
    NONE("none"),
    /** The mean over H and W: C values. */
    SPATIAL_MEAN("spatial-mean");

    private final String label;

    Pooling(String label) {
        this.label = label;
    }

    /** The name used in files and on the command line. */
    public String label() {
        return label;
    }

    /** Parses a name ("spatial-mean"); throws listing the valid names. */
    public static Pooling lookup(String name) {
        for (Pooling p : values()) {
            if (p.label.equalsIgnoreCase(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown pooling '" + name + "'; valid: "
                + Arrays.stream(values()).map(Pooling::label).collect(Collectors.joining(", ")));
    }

    @Override
    public String toString() {
        return label;
    }
}

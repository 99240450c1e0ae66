package io.hspace.atlas;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The sampler's scheduler, as named in study files, the CLI and atlas manifests. */
public enum Scheduler {
    DDIM("ddim"),
    EULER("euler"),
    LCM("lcm");

    private final String label;

    Scheduler(String label) {
        this.label = label;
    }

    /** The name used in files and on the command line. */
    public String label() {
        return label;
    }

    /** Parses a name ("ddim"); throws listing the valid names. */
    public static Scheduler lookup(String name) {
        for (Scheduler s : values()) {
            if (s.label.equalsIgnoreCase(name)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown scheduler '" + name + "'; valid: "
                + Arrays.stream(values()).map(Scheduler::label).collect(Collectors.joining(", ")));
    }

    @Override
    public String toString() {
        return label;
    }
}

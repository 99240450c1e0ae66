package io.hspace.atlas;

import java.util.Arrays;
import java.util.stream.Collectors;

/** Which classifier-free-guidance branch the capture plan records. */
public enum Branch {
    /** The prompt-conditioned branch (the default: h of the prompt). */
    COND("cond"),
    /** The unconditional (negative prompt) branch. */
    UNCOND("uncond"),
    /** Both: {@code h} holds the conditional branch, {@code h_uncond} the unconditional one. */
    BOTH("both");

    private final String label;

    Branch(String label) {
        this.label = label;
    }

    /** The name used in files and on the command line. */
    public String label() {
        return label;
    }

    /** Parses a name ("cond"); throws listing the valid names. */
    public static Branch lookup(String name) {
        for (Branch b : values()) {
            if (b.label.equalsIgnoreCase(name)) {
                return b;
            }
        }
        throw new IllegalArgumentException("unknown branch '" + name + "'; valid: "
                + Arrays.stream(values()).map(Branch::label).collect(Collectors.joining(", ")));
    }

    @Override
    public String toString() {
        return label;
    }
}

package io.hspace.engine;

import java.util.Arrays;
import java.util.stream.Collectors;

/** An enum constant with the name users type; {@link #lookup} parses it. */
public interface Labeled {
    /** The name used on the command line and in output files. */
    String label();

    /**
     * The constant of {@code type} whose label is {@code name} (case-insensitive).
     *
     * @throws IllegalArgumentException listing the valid names
     */
    static <E extends Enum<E> & Labeled> E lookup(Class<E> type, String name, String what) {
        for (E e : type.getEnumConstants()) {
            if (e.label().equalsIgnoreCase(name)) {
                return e;
            }
        }
        throw new IllegalArgumentException("unknown " + what + " '" + name + "'; valid: "
                + Arrays.stream(type.getEnumConstants()).map(Labeled::label).collect(Collectors.joining(", ")));
    }
}

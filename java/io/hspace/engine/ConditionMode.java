package io.hspace.engine;

/** How {@link Engine#condition} brings an image's clean latent to the timestep h is read at. */
public enum ConditionMode implements Labeled {
    /** The scheduler's add_noise with seeded noise (one seed per image). */
    NOISE("noise", HspaceNative.HS_CONDITION_NOISE),
    /** DDIM inversion with the prompt, conditional branch only (guidance 1); deterministic. */
    INVERT("invert", HspaceNative.HS_CONDITION_INVERT);

    private final String label;
    final int code;

    ConditionMode(String label, int code) {
        this.label = label;
        this.code = code;
    }

    @Override
    public String label() {
        return label;
    }

    /** Parses a label; throws listing the valid names. */
    public static ConditionMode lookup(String name) {
        return Labeled.lookup(ConditionMode.class, name, "condition mode");
    }

    @Override
    public String toString() {
        return label;
    }
}

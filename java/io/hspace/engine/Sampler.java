package io.hspace.engine;

/** The denoising scheduler; MODEL is the one the model folder ships. */
public enum Sampler implements Labeled {
    MODEL("model", HspaceNative.HS_SCHEDULER_MODEL),
    DDIM("ddim", HspaceNative.HS_SCHEDULER_DDIM),
    EULER("euler", HspaceNative.HS_SCHEDULER_EULER),
    LCM("lcm", HspaceNative.HS_SCHEDULER_LCM);

    private final String label;
    final int code;

    Sampler(String label, int code) {
        this.label = label;
        this.code = code;
    }

    @Override
    public String label() {
        return label;
    }

    /** Parses a label; throws listing the valid names. */
    public static Sampler lookup(String name) {
        return Labeled.lookup(Sampler.class, name, "scheduler");
    }

    @Override
    public String toString() {
        return label;
    }
}

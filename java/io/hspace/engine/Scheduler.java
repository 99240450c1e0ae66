package io.hspace.engine;

/** The denoising scheduler; MODEL is the one the model folder ships. */
public enum Scheduler implements Labeled {
    MODEL("model", HspaceNative.HS_SCHEDULER_MODEL),
    DDIM("ddim", HspaceNative.HS_SCHEDULER_DDIM),
    EULER("euler", HspaceNative.HS_SCHEDULER_EULER),
    LCM("lcm", HspaceNative.HS_SCHEDULER_LCM);

    private final String label;
    final int code;

    Scheduler(String label, int code) {
        this.label = label;
        this.code = code;
    }

    @Override
    public String label() {
        return label;
    }

    /** Parses a label; throws listing the valid names. */
    public static Scheduler lookup(String name) {
        return Labeled.lookup(Scheduler.class, name, "scheduler");
    }

    @Override
    public String toString() {
        return label;
    }
}

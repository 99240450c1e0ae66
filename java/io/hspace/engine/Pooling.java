package io.hspace.engine;

/** How h is reduced before it is stored: flattened whole, or averaged over space. */
public enum Pooling implements Labeled {
    NONE("none", HspaceNative.HS_POOL_NONE),
    SPATIAL_MEAN("spatial-mean", HspaceNative.HS_POOL_SPATIAL_MEAN);

    private final String label;
    final int code;

    Pooling(String label, int code) {
        this.label = label;
        this.code = code;
    }

    @Override
    public String label() {
        return label;
    }

    /** Parses a label; throws listing the valid names. */
    public static Pooling lookup(String name) {
        return Labeled.lookup(Pooling.class, name, "pooling");
    }

    @Override
    public String toString() {
        return label;
    }
}

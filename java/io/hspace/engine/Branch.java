package io.hspace.engine;

/** Which classifier-free-guidance branch h is recorded from. */
public enum Branch implements Labeled {
    COND("cond", HspaceNative.HS_BRANCH_COND),
    UNCOND("uncond", HspaceNative.HS_BRANCH_UNCOND),
    BOTH("both", HspaceNative.HS_BRANCH_BOTH);

    private final String label;
    final int code;

    Branch(String label, int code) {
        this.label = label;
        this.code = code;
    }

    @Override
    public String label() {
        return label;
    }

    /** Parses a label; throws listing the valid names. */
    public static Branch lookup(String name) {
        return Labeled.lookup(Branch.class, name, "branch");
    }

    @Override
    public String toString() {
        return label;
    }
}

package io.hspace.engine;

/** Compute precision of the engine. */
public enum DType implements Labeled {
    /** fp32 on the CPU, fp16 on CUDA. */
    AUTO("auto", HspaceNative.HS_DTYPE_AUTO),
    FP32("fp32", HspaceNative.HS_DTYPE_F32),
    FP16("fp16", HspaceNative.HS_DTYPE_F16),
    BF16("bf16", HspaceNative.HS_DTYPE_BF16);

    private final String label;
    final int code;

    DType(String label, int code) {
        this.label = label;
        this.code = code;
    }

    @Override
    public String label() {
        return label;
    }

    /** Parses a label ("fp16"); throws listing the valid names. */
    public static DType lookup(String name) {
        return Labeled.lookup(DType.class, name, "dtype");
    }

    @Override
    public String toString() {
        return label;
    }
}

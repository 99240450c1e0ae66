package io.hspace.engine;

/**
 * How to open an engine.
 *
 * @param device -1 for the CPU, else a CUDA device index
 * @param dtype compute precision
 * @param threads CPU intra-op threads, 0 for LibTorch's default
 */
public record EngineOptions(int device, DType dtype, int threads) {
    public EngineOptions {
        if (device < -1) {
            throw new IllegalArgumentException("device must be -1 (CPU) or a CUDA index, got " + device);
        }
        if (threads < 0) {
            throw new IllegalArgumentException("threads must be >= 0, got " + threads);
        }
    }

    /** CPU, fp32, default threads. */
    public static EngineOptions cpu() {
        return new EngineOptions(-1, DType.AUTO, 0);
    }
}

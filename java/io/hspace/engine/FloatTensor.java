package io.hspace.engine;

import java.util.Arrays;

/**
 * A dense float32 tensor copied out of the engine, row-major.
 *
 * @param shape the sizes of each axis
 * @param data {@code product(shape)} values
 */
public record FloatTensor(long[] shape, float[] data) {
    public FloatTensor {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            n *= d;
        }
        if (n != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + n
                    + " values, data has " + data.length);
        }
    }

    /** The size of axis {@code axis}. */
    public long dim(int axis) {
        return shape[axis];
    }

    /** The value at a full index. */
    public float get(long... index) {
        if (index.length != shape.length) {
            throw new IllegalArgumentException("index of rank " + index.length + " for a tensor of rank " + shape.length);
        }
        long flat = 0;
        for (int i = 0; i < shape.length; i++) {
            if (index[i] < 0 || index[i] >= shape[i]) {
                throw new IndexOutOfBoundsException("index " + Arrays.toString(index) + " outside " + Arrays.toString(shape));
            }
            flat = flat * shape[i] + index[i];
        }
        return data[(int) flat];
    }
}

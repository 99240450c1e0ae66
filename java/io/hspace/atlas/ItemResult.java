package io.hspace.atlas;

import java.util.Arrays;

/**
 * What the extractor returns for one work item.
 *
 * @param shape the shape of one item's h: {@code [steps, C, H, W]} (pooling none) or {@code [steps, C]}
 * @param h the captured branch ({@code cond}, or {@code uncond} when only that was asked), row-major
 * @param hUncond the unconditional branch when the plan asks for both, else null
 * @param png the decoded image as PNG bytes when images were asked for, else null
 */
public record ItemResult(int[] shape, float[] h, float[] hUncond, byte[] png) {
    public ItemResult {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        if (h == null || h.length != n) {
            throw new IllegalArgumentException("item h has " + (h == null ? 0 : h.length) + " values, shape "
                    + Arrays.toString(shape) + " needs " + n);
        }
        if (hUncond != null && hUncond.length != n) {
            throw new IllegalArgumentException("item h_uncond has " + hUncond.length + " values, shape "
                    + Arrays.toString(shape) + " needs " + n);
        }
    }
}

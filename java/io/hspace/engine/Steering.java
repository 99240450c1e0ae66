package io.hspace.engine;

import java.util.Arrays;
import java.util.Objects;

/**
 * Asyrp-style steering for {@link ExtractRequest}: at each steered step the U-Net's mid-block
 * output h of item i becomes {@code h + alphas[i] * direction}, in the classifier-free guidance
 * branch(es) {@code branch} names, before the up path reads it. Captured h at a steered step is the
 * steered h. Shifting the conditional branch alone lets guidance scale the shift's effect on the
 * noise prediction (g times that of shifting both alike); without guidance the one branch is the
 * conditional one, and {@link Branch#UNCOND} is refused.
 *
 * @param direction d, row-major, of {@code shape}
 * @param shape [C, H', W'] (one item's h) or [C] (one value per channel, added at every position)
 * @param alphas one alpha per item, in the request's item order (prompt-major grid, or items);
 *     put several alphas on copies of one (prompt, seed) to sweep in one call
 * @param steps 0-based step indices to steer at; empty for every step
 * @param branch the CFG branch(es) whose h is shifted
 */
public record Steering(float[] direction, long[] shape, float[] alphas, int[] steps, Branch branch) {
    public Steering {
        Objects.requireNonNull(direction, "steering direction");
        Objects.requireNonNull(shape, "steering shape");
        Objects.requireNonNull(alphas, "steering alphas");
        Objects.requireNonNull(branch, "steering branch");
        steps = steps == null ? new int[0] : steps;
        if (shape.length != 1 && shape.length != 3) {
            throw new IllegalArgumentException("steering direction shape must be [C] or [C, H, W], got "
                    + Arrays.toString(shape));
        }
        long numel = 1;
        for (long d : shape) {
            if (d <= 0) {
                throw new IllegalArgumentException("steering direction shape " + Arrays.toString(shape) + " has a size <= 0");
            }
            numel *= d;
        }
        if (numel != direction.length) {
            throw new IllegalArgumentException("steering direction has " + direction.length + " values, its shape "
                    + Arrays.toString(shape) + " holds " + numel);
        }
        for (int i = 0; i < direction.length; i++) {
            if (!Float.isFinite(direction[i])) {
                throw new IllegalArgumentException("steering direction[" + i + "] is " + direction[i]);
            }
        }
        if (alphas.length == 0) {
            throw new IllegalArgumentException("steering alphas are empty: give one alpha per item");
        }
        for (int i = 0; i < alphas.length; i++) {
            if (!Float.isFinite(alphas[i])) {
                throw new IllegalArgumentException("steering alphas[" + i + "] is " + alphas[i]);
            }
        }
        for (int s : steps) {
            if (s < 0) {
                throw new IllegalArgumentException("steering step " + s + " is negative (steps are 0-based)");
            }
        }
    }

    /** Steering by one direction of C channels at every step, in {@code branch}. */
    public static Steering perChannel(float[] direction, float[] alphas, Branch branch) {
        return new Steering(direction, new long[] {direction.length}, alphas, new int[0], branch);
    }

    /** The same steering with other alphas (one per item of another request). */
    public Steering withAlphas(float[] values) {
        return new Steering(direction, shape, values, steps, branch);
    }
}

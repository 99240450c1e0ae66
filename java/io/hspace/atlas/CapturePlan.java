package io.hspace.atlas;

import io.hspace.engine.Pooling;
import io.hspace.engine.Branch;
import java.util.List;

/**
 * Which mid-block outputs the engine records for each item.
 *
 * @param steps 0-based indices of the sampling steps captured, strictly increasing
 * @param branch the guidance branch(es) recorded
 * @param pooling the reduction applied before storing
 */
public record CapturePlan(List<Integer> steps, Branch branch, Pooling pooling) {
    public CapturePlan {
        if (steps == null || steps.isEmpty()) {
            throw new IllegalArgumentException("capture.steps names no step");
        }
        steps = List.copyOf(steps);
        for (int i = 0; i < steps.size(); i++) {
            if (steps.get(i) < 0 || (i > 0 && steps.get(i) <= steps.get(i - 1))) {
                throw new IllegalArgumentException("capture.steps must be non-negative and strictly increasing, got " + steps);
            }
        }
        if (branch == null || pooling == null) {
            throw new IllegalArgumentException("capture plan needs a branch and a pooling");
        }
    }

    /** Checks that every captured step exists in a sampler of {@code samplerSteps} steps. */
    public void checkAgainst(int samplerSteps) {
        int last = steps.get(steps.size() - 1);
        if (last >= samplerSteps) {
            throw new IllegalArgumentException("capture.steps " + steps + " names step " + last
                    + " but the sampler runs only " + samplerSteps + " steps (0-" + (samplerSteps - 1) + ")");
        }
    }
}

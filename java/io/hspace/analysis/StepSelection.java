package io.hspace.analysis;

/**
 * Which captured steps an analysis averages: all of them (H of DESIGN.md) or one.
 *
 * @param step index into the capture plan, or -1 for the mean over every captured step
 */
public record StepSelection(int step) {
    /** The mean over every captured step. */
    public static final StepSelection ALL = new StepSelection(-1);

    /** The capture-plan indices this selection averages. */
    public int[] indices(int capturedSteps) {
        if (step < 0) {
            int[] all = new int[capturedSteps];
            for (int i = 0; i < capturedSteps; i++) {
                all[i] = i;
            }
            return all;
        }
        if (step >= capturedSteps) {
            throw new IllegalArgumentException("captured step " + step + " of " + capturedSteps);
        }
        return new int[] {step};
    }

    /** "all" or the step index. */
    public String label() {
        return step < 0 ? "all" : Integer.toString(step);
    }
}

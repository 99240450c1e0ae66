package io.hspace.analysis;

/**
 * Scorecard hooks of the validation analyses: plain functions from a result to one figure,
 * named as the scorecard prints them ({@code name: value}). NaN when the result cannot give it
 * (no labels, no such family, no image left to flip).
 */
public final class ValidationScores {
    private ValidationScores() {}

    /** Scorecard key of {@link #conditioningAccuracyColor}. */
    public static final String CONDITIONING_ACCURACY_COLOR = "conditioning_accuracy_color";
    /** Scorecard key of {@link #conditioningAccuracyShape}. */
    public static final String CONDITIONING_ACCURACY_SHAPE = "conditioning_accuracy_shape";
    /** Scorecard key of {@link #steeringFlipRate}. */
    public static final String STEERING_FLIP_RATE = "steering_flip_rate";
    /** Scorecard key of {@link #steeringSideEffects}. */
    public static final String STEERING_SIDE_EFFECTS = "steering_side_effects";
    /** Scorecard key of {@link #promptEditFlipRate}. */
    public static final String PROMPT_EDIT_FLIP_RATE = "steering_prompt_edit_flip_rate";
    /** Scorecard key of {@link #promptEditSideEffects}. */
    public static final String PROMPT_EDIT_SIDE_EFFECTS = "steering_prompt_edit_side_effects";

    /** Conditioning accuracy of the family named {@code family}; NaN without it or its labels. */
    public static double conditioningAccuracy(ConditionAnalysis.Result r, String family) {
        ConditionAnalysis.FamilyResult f = r.family(family);
        return f == null || f.accuracy() == null ? Double.NaN : f.accuracy().value();
    }

    /** conditioning_accuracy_color: accuracy of the {@code color} family. */
    public static double conditioningAccuracyColor(ConditionAnalysis.Result r) {
        return conditioningAccuracy(r, "color");
    }

    /** conditioning_accuracy_shape: accuracy of the {@code shape} family. */
    public static double conditioningAccuracyShape(ConditionAnalysis.Result r) {
        return conditioningAccuracy(r, "shape");
    }

    /** steering_flip_rate: the flip rate at the largest alpha. */
    public static double steeringFlipRate(SteerAnalysis.Result r) {
        return r.largest().flip().value();
    }

    /** steering_side_effects: the side-effect rate at the largest alpha. */
    public static double steeringSideEffects(SteerAnalysis.Result r) {
        return r.largest().sideEffects().value();
    }

    /** steering_prompt_edit_flip_rate: the flip rate of the to prompts' own images (the reference); NaN without it. */
    public static double promptEditFlipRate(SteerAnalysis.Result r) {
        return r.promptEdit() == null ? Double.NaN : r.promptEdit().flip().value();
    }

    /** steering_prompt_edit_side_effects: the side-effect rate of the to prompts' own images; NaN without it. */
    public static double promptEditSideEffects(SteerAnalysis.Result r) {
        return r.promptEdit() == null ? Double.NaN : r.promptEdit().sideEffects().value();
    }
}

package io.hspace.atlas;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Everything that decides what an item's h is, apart from its prompt and seed. An atlas holds
 * results of exactly one such setting.
 *
 * @param modelIdentity hash of the model's configs and weights (from the engine)
 * @param sampler the sampler
 * @param capture the capture plan
 * @param images whether images are decoded and stored next to h
 */
public record AtlasSettings(String modelIdentity, Sampler sampler, CapturePlan capture, boolean images) {
    public AtlasSettings {
        Objects.requireNonNull(modelIdentity, "modelIdentity");
        Objects.requireNonNull(sampler, "sampler");
        Objects.requireNonNull(capture, "capture");
        capture.checkAgainst(sampler.steps());
    }

    /**
     * The settings that differ between this atlas and {@code other}, one readable line each
     * ("sampler.steps: atlas has 4, this run asks for 8"); empty when the two may share an atlas.
     * Asking for images on an atlas made without them is a difference (its items have no image).
     */
    public List<String> differences(AtlasSettings other) {
        List<String> d = new ArrayList<>();
        diff(d, "model identity", modelIdentity, other.modelIdentity);
        diff(d, "sampler.scheduler", sampler.scheduler(), other.sampler.scheduler());
        diff(d, "sampler.steps", sampler.steps(), other.sampler.steps());
        diff(d, "sampler.guidance", sampler.guidance(), other.sampler.guidance());
        diff(d, "sampler.size", sampler.size(), other.sampler.size());
        diff(d, "sampler.negative_prompt", sampler.negativePrompt(), other.sampler.negativePrompt());
        diff(d, "capture.steps", capture.steps(), other.capture.steps());
        diff(d, "capture.branch", capture.branch(), other.capture.branch());
        diff(d, "capture.pooling", capture.pooling(), other.capture.pooling());
        if (!images && other.images) {
            d.add("images: atlas was made without images, this run asks for them");
        }
        return d;
    }

    private static void diff(List<String> out, String name, Object atlas, Object run) {
        if (!Objects.equals(atlas, run)) {
            out.add(name + ": atlas has " + quote(atlas) + ", this run asks for " + quote(run));
        }
    }

    private static String quote(Object o) {
        return o instanceof String ? "'" + o + "'" : String.valueOf(o);
    }
}

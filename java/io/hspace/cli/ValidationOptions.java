package io.hspace.cli;

import io.hspace.atlas.Sampler;
import io.hspace.engine.Engine;
import io.hspace.engine.Scheduler;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The options condition and steer share: the model (the Toy World one by default), a short
 * schedule to sample it with, the output folder and the batch size.
 */
final class ValidationOptions {
    @Option(names = "--model", description = "Diffusers model folder.", defaultValue = "models/toy")
    Path modelDir;

    @Option(names = "--scheduler", description = "model, ddim, euler or lcm.", defaultValue = "model")
    String scheduler;

    @Option(names = "--steps", description = "The schedule's number of steps.", defaultValue = "10")
    int steps;

    @Option(names = "--guidance", description = "Classifier-free guidance scale of the prompts sampled.", defaultValue = "7.5")
    double guidance;

    @Option(names = "--size", description = "WIDTHxHEIGHT in pixels; default: the model's training size.")
    String size;

    @Option(names = "--out", description = "Output folder.", required = true)
    Path out;

    @Option(names = "--batch", description = "Items per U-Net batch (0: all at once).", defaultValue = "64")
    int batch;

    /** The --batch value, refused when negative so a bad value fails before any model is opened. */
    int batchSize() {
        if (batch < 0) {
            throw new IllegalArgumentException("--batch must be 0 (all at once) or more items per U-Net batch, got " + batch);
        }
        return batch;
    }

    /** The sampler these options describe for the opened model, with {@code negativePrompt} as its unconditional prompt. */
    Sampler sampler(Engine engine, String negativePrompt) {
        int[] wh = SamplingOptions.imageSize(engine, size);
        return new Sampler(Scheduler.lookup(scheduler), steps, guidance, wh[0], wh[1], negativePrompt);
    }
}

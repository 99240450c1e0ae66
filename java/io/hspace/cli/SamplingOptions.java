package io.hspace.cli;

import io.hspace.atlas.AtlasSettings;
import io.hspace.atlas.CapturePlan;
import io.hspace.atlas.Sampler;
import io.hspace.engine.Branch;
import io.hspace.engine.Engine;
import io.hspace.engine.Pooling;
import io.hspace.engine.Scheduler;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Sampler and capture-plan options of extract and generate. */
final class SamplingOptions {
    @Mixin
    ScheduleOptions schedule;

    @Option(names = "--guidance", description = "Classifier-free guidance scale (LCM: its guidance embedding).", defaultValue = "7.5")
    double guidance;

    @Option(names = "--negative-prompt", description = "The unconditional branch's prompt.", defaultValue = "")
    String negativePrompt;

    @Option(names = "--size", description = "WIDTHxHEIGHT in pixels; default: the model's training size.")
    String size;

    @Option(names = "--capture", description = "Steps whose h is kept: all, last, or 0-based indices like 0,5,9.", defaultValue = "last")
    String capture;

    @Option(names = "--branch", description = "cond, uncond or both (CFG branches).", defaultValue = "cond")
    String branch;

    @Option(names = "--pool", description = "none (flattened C x H x W) or spatial-mean (C values).", defaultValue = "none")
    String pool;

    @Option(names = "--batch", description = "Items per engine batch.", defaultValue = "8")
    int batch;

    /** The atlas settings these options describe for the opened model. */
    AtlasSettings settings(Engine engine, String modelIdentity, boolean images) {
        int[] wh = imageSize(engine, size);
        Sampler sampler = new Sampler(Scheduler.lookup(schedule.scheduler), schedule.steps, guidance, wh[0], wh[1], negativePrompt);
        CapturePlan plan = new CapturePlan(captureSteps(capture, schedule.steps), Branch.lookup(branch), Pooling.lookup(pool));
        return new AtlasSettings(modelIdentity, sampler, plan, images);
    }

    /** Width and height from WIDTHxHEIGHT, or the model's training size when {@code size} is null. */
    static int[] imageSize(Engine engine, String size) {
        if (size == null) {
            int s = engine.defaultImageSize().orElseThrow(() -> new IllegalArgumentException(
                    engine.modelDir() + " does not say its image size; give --size WIDTHxHEIGHT"));
            return new int[] {s, s};
        }
        String[] parts = size.toLowerCase(java.util.Locale.ROOT).split("x");
        if (parts.length != 2) {
            throw new IllegalArgumentException("--size must look like 512x512, got '" + size + "'");
        }
        try {
            return new int[] {Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim())};
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--size must look like 512x512, got '" + size + "'");
        }
    }

    /** "all", "last" or a comma-separated list of 0-based step indices. */
    static List<Integer> captureSteps(String text, int steps) {
        List<Integer> out = new ArrayList<>();
        switch (text.trim()) {
            case "all" -> {
                for (int i = 0; i < steps; i++) {
                    out.add(i);
                }
            }
            case "last" -> out.add(steps - 1);
            default -> {
                for (String part : text.split(",")) {
                    try {
                        out.add(Integer.parseInt(part.trim()));
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("--capture: '" + part.trim() + "' is not a step index (use all, last or 0,5,9)");
                    }
                }
            }
        }
        return out;
    }
}

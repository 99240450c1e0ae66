package io.hspace.cli;

import picocli.CommandLine.Option;

/** The scheduler and number of denoising steps, as extract, generate and toyworld check take them. */
final class ScheduleOptions {
    @Option(names = "--scheduler", description = "model (the folder's own), ddim, euler or lcm.", defaultValue = "model")
    String scheduler;

    @Option(names = "--steps", description = "Denoising steps.", defaultValue = "25")
    int steps;
}

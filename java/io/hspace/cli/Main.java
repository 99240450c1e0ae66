package io.hspace.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code hspace} command line. */
@Command(name = "hspace", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Audits text-to-image diffusion models through their h-space (the U-Net mid-block output).",
        subcommands = {InfoCommand.class, TokenizeCommand.class, ExtractCommand.class, GenerateCommand.class, RunCommand.class,
            AnalysisCommand.Defaults.class, AnalysisCommand.Descriptors.class, AnalysisCommand.Cluster.class,
            AnalysisCommand.ReportCommand.class, DiscoverCommand.class, CompareCommand.class, ConditionCommand.class,
            SteerCommand.class, ExportCommand.class, ToyWorldCommand.class, ScorecardCommand.class, CommandLine.HelpCommand.class},
        footer = {"", "Example:", "  hspace info models/toy"})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Runs the command line and exits with its status. */
    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line, for tests and embedding. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler(new ErrorHandler());
        return cli;
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}

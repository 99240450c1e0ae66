package io.hspace.cli;

import picocli.CommandLine;

/**
 * Prints a failure as one readable message (the engine's message names the file or field)
 * instead of a stack trace; {@code HSPACE_DEBUG=1} adds the trace.
 */
final class ErrorHandler implements CommandLine.IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception e, CommandLine cli, CommandLine.ParseResult parsed) {
        cli.getErr().println("hspace " + cli.getCommandName() + ": error: " + e.getMessage());
        if (System.getenv("HSPACE_DEBUG") != null) {
            e.printStackTrace(cli.getErr());
        }
        return 1;
    }
}

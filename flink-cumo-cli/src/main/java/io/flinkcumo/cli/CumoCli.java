package io.flinkcumo.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code bin/cumo}: the command line of flink-cumo. */
@Command(
        name = "cumo",
        mixinStandardHelpOptions = true,
        version = "flink-cumo 0.1.0",
        description = "Run the CuMo vision-language model (on DJL/PyTorch) from the command line.",
        subcommands = {
            AnswerCommand.class, CaptionCommand.class, ModerateCommand.class, ImagesToParquetCommand.class,
            InitTinyCommand.class, BenchCommand.class, UpcycleCommand.class, MakeShapesCommand.class,
            TrainCommand.class, EvalCommand.class, ScoreCommand.class, BenchmarkCommand.class,
            CommandLine.HelpCommand.class
        })
public final class CumoCli {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns its exit code: 0 ok, 1 runtime error, 2 usage error. */
    public static int run(String... args) {
        // no picocli argument files: '--question @x' is the question "@x", never the options inside a file x
        CommandLine cli = new CommandLine(new CumoCli()).setCaseInsensitiveEnumValuesAllowed(true).setExpandAtFiles(false);
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("cumo " + cmd.getCommandName() + ": " + oneLine(e));
            if (Boolean.getBoolean("cumo.debug")) {
                e.printStackTrace(cmd.getErr());
            }
            return 1;
        });
        cli.setParameterExceptionHandler((e, a) -> {
            CommandLine cmd = e.getCommandLine();
            cmd.getErr().println("cumo " + cmd.getCommandName() + ": " + e.getMessage() + " (see: cumo " + cmd.getCommandName() + " --help)");
            return 2;
        });
        return cli.execute(args);
    }

    /** The most specific message of an exception chain, on one line. */
    static String oneLine(Throwable e) {
        Throwable t = e;
        // a failed Flink job ("Job execution failed.") wraps the reason: report the deepest cause
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof org.apache.flink.runtime.client.JobExecutionException) {
                Throwable root = c;
                while (root.getCause() != null) {
                    root = root.getCause();
                }
                return "the Flink job failed: " + oneLine(root);
            }
        }
        while (t.getCause() != null && (t.getMessage() == null || t instanceof java.io.UncheckedIOException)) {
            t = t.getCause();
        }
        String msg = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        if (t instanceof java.nio.file.NoSuchFileException) {
            msg = "no such file: " + msg;
        }
        return msg.replace('\n', ' ');
    }
}

package io.hspace.cli;

import io.hspace.analysis.NativeProjections;
import io.hspace.atlas.Atlas;
import io.hspace.study.Study;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The single-analysis commands (defaults, descriptors, cluster, report): they read a study's
 * existing atlas (made by {@code hspace run} or a previous command) and write their tables.
 */
abstract class AnalysisCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "STUDY", description = "Study file (YAML or JSON).")
    Path studyFile;

    @Option(names = "--out", description = "The run's output folder (holding atlas/); default out/<study name>.")
    Path out;

    @Option(names = "--device", description = "-1 for the CPU, else a CUDA device index for the projections.", defaultValue = "-1")
    int device;

    abstract StudyAnalyses.Only only();

    @Override
    public Integer call() throws Exception {
        Study study = Study.load(studyFile);
        Path dir = out != null ? out : Path.of("out", study.name());
        Atlas atlas = Atlas.open(dir.resolve("atlas"));
        StudyAnalyses results = StudyAnalyses.run(study, atlas, new NativeProjections(device), only());
        if (only() == StudyAnalyses.Only.ALL) {
            results.writeReport(study, atlas, dir.resolve("report.html"));
            System.out.println("report: " + dir.resolve("report.html"));
        } else {
            String name = only().name().toLowerCase(java.util.Locale.ROOT);
            results.writeTables(dir, name);
            System.out.println("wrote " + dir.resolve(name + ".json"));
        }
        return 0;
    }

    @picocli.CommandLine.Command(name = "defaults", mixinStandardHelpOptions = true, showDefaultValues = true,
            description = "Which attribute each neutral prompt defaults to, with bootstrap intervals and permutation p-values.",
            footer = {"", "Example:", "  hspace defaults examples/toyworld-study.yaml --out out/toyworld"})
    static final class Defaults extends AnalysisCommand {
        @Override
        StudyAnalyses.Only only() {
            return StudyAnalyses.Only.DEFAULTS;
        }
    }

    @picocli.CommandLine.Command(name = "descriptors", mixinStandardHelpOptions = true, showDefaultValues = true,
            description = "Each concept's descriptors ranked by alignment in h-space, with intervals.",
            footer = {"", "Example:", "  hspace descriptors examples/toyworld-study.yaml --out out/toyworld"})
    static final class Descriptors extends AnalysisCommand {
        @Override
        StudyAnalyses.Only only() {
            return StudyAnalyses.Only.DESCRIPTORS;
        }
    }

    @picocli.CommandLine.Command(name = "cluster", mixinStandardHelpOptions = true, showDefaultValues = true,
            description = "Agglomerative and k-means clustering of concepts on cosine distance, with a 2-D PCA map.",
            footer = {"", "Example:", "  hspace cluster examples/toyworld-study.yaml --out out/toyworld"})
    static final class Cluster extends AnalysisCommand {
        @Override
        StudyAnalyses.Only only() {
            return StudyAnalyses.Only.CLUSTER;
        }
    }

    @picocli.CommandLine.Command(name = "report", mixinStandardHelpOptions = true, showDefaultValues = true,
            description = "Runs every analysis of the study on its atlas and writes report.html.",
            footer = {"", "Example:", "  hspace report examples/toyworld-study.yaml --out out/toyworld"})
    static final class ReportCommand extends AnalysisCommand {
        @Override
        StudyAnalyses.Only only() {
            return StudyAnalyses.Only.ALL;
        }
    }
}

package io.hspace.cli;

import io.hspace.analysis.CompareAnalysis;
import io.hspace.analysis.NativeProjections;
import io.hspace.atlas.Atlas;
import io.hspace.atlas.HStore;
import io.hspace.study.Study;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code hspace compare}: the study's defaults and descriptors findings on two atlases (two models,
 * same prompts and seeds), with the difference B - A and its paired bootstrap interval.
 */
@Command(name = "compare", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = {"Compares two models' findings: every defaults score and weight and every descriptor alignment of the study",
            "on atlas A and atlas B, B - A with a 95% paired bootstrap interval over seeds; a finding moves when the interval",
            "excludes 0. Refuses atlases whose prompts differ. Writes OUT/compare.json, OUT/compare.csv and OUT/compare.html."},
        footer = {"", "Example:", "  hspace compare --a out/toy/atlas --b out/toy2/atlas --study study.yaml --out out/compare"})
final class CompareCommand implements Callable<Integer> {
    @Option(names = "--a", required = true, paramLabel = "DIR", description = "Atlas A (an atlas folder, or a run folder holding atlas/).")
    Path a;

    @Option(names = "--b", required = true, paramLabel = "DIR", description = "Atlas B.")
    Path b;

    @Option(names = "--study", required = true, paramLabel = "FILE", description = "The study whose analyses are compared.")
    Path studyFile;

    @Option(names = "--out", description = "Output folder.", defaultValue = "out/compare")
    Path out;

    @Option(names = "--device", description = "-1 for the CPU, else a CUDA device index for the projections.", defaultValue = "-1")
    int device;

    @Override
    public Integer call() throws Exception {
        Study study = Study.load(studyFile);
        HStore sa = HStore.open(open(a));
        HStore sb = HStore.open(open(b));
        List<CompareAnalysis.Finding> findings = CompareAnalysis.run(sa, sb, study.defaults(), study.descriptors(), study.seeds(),
                study.stats(), new NativeProjections(device));
        Files.createDirectories(out);
        StudyAnalyses.JSON.writeValue(out.resolve("compare.json").toFile(), findings);
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(out.resolve("compare.csv"), StandardCharsets.UTF_8))) {
            w.println("analysis,subject,item,metric,a,b,diff,low,high,moves");
            for (CompareAnalysis.Finding f : findings) {
                w.printf(Locale.ROOT, "%s,\"%s\",\"%s\",%s,%.6f,%.6f,%.6f,%.6f,%.6f,%b%n", f.analysis(), f.subject().replace("\"", "\"\""),
                        f.item().replace("\"", "\"\""), f.metric(), f.a(), f.b(), f.diff(), f.low(), f.high(), f.moves());
            }
        }
        io.hspace.report.Report.writeCompare("hspace compare: " + a + " vs " + b, findings, out.resolve("compare.html"));
        long moved = findings.stream().filter(CompareAnalysis.Finding::moves).count();
        System.out.printf("%d findings: %d agree, %d move; wrote %s%n", findings.size(), findings.size() - moved, moved,
                out.resolve("compare.csv"));
        return 0;
    }

    private static Atlas open(Path dir) {
        return Atlas.open(Files.isDirectory(dir.resolve("atlas")) ? dir.resolve("atlas") : dir);
    }
}

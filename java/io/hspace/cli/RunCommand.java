package io.hspace.cli;

import io.hspace.analysis.NativeProjections;
import io.hspace.atlas.Atlas;
import io.hspace.atlas.AtlasRunner;
import io.hspace.atlas.AtlasSettings;
import io.hspace.atlas.EngineExtractor;
import io.hspace.engine.Engine;
import io.hspace.study.Study;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code hspace run}: the main job. Extracts what the atlas lacks, runs the analyses, writes the report. */
@Command(name = "run", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = {"Runs a study: extracts what its atlas lacks (resuming an interrupted run), runs every analysis it names,",
            "and writes DIR/report.html, DIR/results.json and DIR/defaults.csv (atlas in DIR/atlas)."},
        footer = {"", "Example:", "  hspace run examples/toyworld-study.yaml --out out/toyworld"})
final class RunCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "STUDY", description = "Study file (YAML or JSON, see docs/STUDY.md).")
    Path studyFile;

    @Option(names = "--out", description = "Output folder; default out/<study name>.")
    Path out;

    @Mixin
    ModelOptions model;

    @Override
    public Integer call() throws Exception {
        Study study = Study.load(studyFile);
        study.warnings().forEach(w -> System.err.println("warning: " + w));
        Path dir = out != null ? out : Path.of("out", study.name());
        try (Engine engine = model.open(study.model())) {
            EngineExtractor extractor = EngineExtractor.of(engine, model.engineDescription());
            Atlas atlas = extract(study, dir, extractor);
            DiscoverStep.prepare(study, atlas, extractor, extractor.tokenizer()::encode, null, model.engineOptions());
            System.err.println("analysing ...");
            StudyAnalyses results = StudyAnalyses.run(study, atlas, new NativeProjections(model.device), StudyAnalyses.Only.ALL,
                    null, model.engineOptions());
            results.writeTables(dir, "results");
            results.writeReport(study, atlas, dir.resolve("report.html"), ValidationTables.runStudy(study, engine, dir, model.engineOptions()));
        }
        System.out.println("report: " + dir.resolve("report.html"));
        return 0;
    }

    /** Opens the study's atlas in {@code dir/atlas} and extracts every item it lacks, reporting progress. */
    static Atlas extract(Study study, Path dir, EngineExtractor extractor) throws Exception {
        AtlasSettings settings = study.settings(extractor.identity().modelIdentity());
        Atlas atlas = Atlas.openForWriting(dir.resolve("atlas"), settings, extractor.identity(),
                extractor.capturedTimesteps(settings));
        PromptFiles.warnTruncated(extractor.tokenizer(), study.prompts().stream().map(p -> p.text()).toList());
        ProgressBar bar = new ProgressBar("extract", (long) study.prompts().size() * study.seeds().size());
        AtlasRunner.Summary summary = AtlasRunner.run(atlas, extractor, study.prompts(), study.seeds(),
                extractor.tokenizer()::encode, study.batchSize(), p -> bar.update(p.done(), p.total()));
        summary.repairs().forEach(r -> System.err.println("atlas repaired: " + r));
        System.err.printf("extracted %d items, %d already in the atlas%n", summary.extracted(), summary.skipped());
        return atlas;
    }
}

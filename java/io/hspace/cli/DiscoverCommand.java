package io.hspace.cli;

import io.hspace.analysis.NativeProjections;
import io.hspace.atlas.Atlas;
import io.hspace.atlas.EngineExtractor;
import io.hspace.caption.Captioners;
import io.hspace.engine.Engine;
import io.hspace.engine.EngineOptions;
import io.hspace.study.Study;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code hspace discover}: extracts what the study's atlas lacks, captions the discover prompts'
 * images, extracts the text prompts of the words found, and writes DIR/discover.json and
 * DIR/discover.csv. Every step resumes.
 */
@Command(name = "discover", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = {"Caption-driven discovery: captions each discover prompt's images over the seeds and ranks the caption",
            "words by how well h separates seeds with the word from seeds without it (effect size, AUC, permutation p),",
            "with the alignment of each word's direction with its text direction. Writes DIR/discover.json and DIR/discover.csv."},
        footer = {"", "Example:", "  hspace discover study.yaml --out out/toy --captioner toyworld",
            "  hspace discover study.yaml --captioner 'command:python my_blip.py' --timeout 600",
            "  hspace discover study.yaml --captioner clip:models/clip --words words.txt"})
final class DiscoverCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "STUDY", description = "Study file with analyses.discover (see docs/STUDY.md).")
    Path studyFile;

    @Option(names = "--out", description = "Output folder (atlas in DIR/atlas); default out/<study name>.")
    Path out;

    @Option(names = "--captioner", paramLabel = "SPEC",
            description = "Replaces the study's captioner: toyworld | clip:DIR (with --words) | command:CMD.")
    String captioner;

    @Option(names = "--words", paramLabel = "FILE", description = "Word list of the clip: captioner, one word per line.")
    Path words;

    @Option(names = "--timeout", paramLabel = "SECONDS", description = "Time limit of one command: captioner call.",
            defaultValue = "600")
    long timeout;

    @Option(names = "--priors", paramLabel = "FILE",
            description = "A Toy World prior table: also print discovery_recall_at_3 of the results against it.")
    Path priors;

    @Mixin
    ModelOptions model;

    @Override
    public Integer call() throws Exception {
        Study study = Study.load(studyFile);
        study.warnings().forEach(w -> System.err.println("warning: " + w));
        if (study.discover().isEmpty()) {
            throw new IllegalArgumentException(studyFile + " has no analyses.discover entry");
        }
        Captioners.Spec spec = captioner == null ? null : new Captioners.Spec(captioner, words, Duration.ofSeconds(timeout));
        Path dir = out != null ? out : Path.of("out", study.name());
        EngineOptions options = model.engineOptions();
        try (Engine engine = model.open(study.model())) {
            EngineExtractor extractor = EngineExtractor.of(engine, model.engineDescription());
            Atlas atlas = RunCommand.extract(study, dir, extractor);
            DiscoverStep.prepare(study, atlas, extractor, extractor.tokenizer()::encode, spec, options);
            StudyAnalyses results = StudyAnalyses.run(study, atlas, new NativeProjections(model.device), StudyAnalyses.Only.DISCOVER,
                    spec, options);
            results.writeTables(dir, "discover");
            if (priors != null) {
                io.hspace.toyworld.DiscoveryScores.Recall r = io.hspace.toyworld.DiscoveryScores.recallAt3(results.discover(),
                        io.hspace.toyworld.PriorTable.load(priors));
                System.out.print(r.details());
                r.lines().forEach(l -> System.out.printf("%s (%d of %d)%n", l.format(), r.found(), r.targets().size()));
            }
        }
        System.out.println("wrote " + dir.resolve("discover.json") + " and " + dir.resolve("discover.csv"));
        return 0;
    }
}

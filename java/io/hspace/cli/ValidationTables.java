package io.hspace.cli;

import io.hspace.analysis.ConditionAnalysis;
import io.hspace.analysis.SteerAnalysis;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;

/** condition.json/csv and steer.json/csv: the validation analyses' tables, written atomically. */
final class ValidationTables {
    private ValidationTables() {}

    /** condition.json (everything) and condition.csv (one row per image and family). */
    static void writeCondition(Path dir, ConditionAnalysis.Result r) throws IOException {
        write(dir.resolve("condition.json"), w -> w.print(StudyAnalyses.JSON.writeValueAsString(r)));
        write(dir.resolve("condition.csv"), w -> {
            w.println("file,family,read,truth,score");
            for (ConditionAnalysis.FamilyResult f : r.families()) {
                for (int i = 0; i < r.files().size(); i++) {
                    int p = f.values().indexOf(f.predicted().get(i));
                    w.printf(Locale.ROOT, "%s,%s,%s,%s,%.6f%n", csv(r.files().get(i)), csv(f.family()), csv(f.predicted().get(i)),
                            f.truth() == null || f.truth().get(i) == null ? "" : csv(f.truth().get(i)), f.score()[i][p]);
                }
            }
        });
    }

    /** steer.json (everything) and steer.csv (one row per alpha, then the prompt edit's as alpha "prompt_edit"). */
    static void writeSteer(Path dir, SteerAnalysis.Result r) throws IOException {
        write(dir.resolve("steer.json"), w -> w.print(StudyAnalyses.JSON.writeValueAsString(r)));
        write(dir.resolve("steer.csv"), w -> {
            w.println("alpha,flip,flip_low,flip_high,target,target_low,target_high,side_effects,side_low,side_high");
            List<SteerAnalysis.AlphaResult> rows = r.rows();
            for (int i = 0; i < rows.size(); i++) {
                SteerAnalysis.AlphaResult a = rows.get(i);
                w.printf(Locale.ROOT, "%s,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f%n",
                        r.isPromptEdit(i) ? "prompt_edit" : String.format(Locale.ROOT, "%.6g", a.alpha()), a.flip().value(), a.flip().low(),
                        a.flip().high(), a.target().value(), a.target().low(), a.target().high(), a.sideEffects().value(),
                        a.sideEffects().low(), a.sideEffects().high());
            }
        });
    }

    /**
     * Runs the study's {@code analyses.condition} and {@code analyses.steer} entries on the opened
     * engine, writes condition-NAME.json/csv and steer-NAME.json/csv (images under
     * steer-NAME/) into {@code dir}, and returns their report sections.
     */
    static java.util.List<String> runStudy(io.hspace.study.Study study, io.hspace.engine.Engine engine, Path dir,
            io.hspace.engine.EngineOptions options)
            throws IOException {
        java.util.List<String> sections = new java.util.ArrayList<>();
        if (study.condition().isEmpty() && study.steer().isEmpty()) {
            return sections;
        }
        io.hspace.prompt.ClipTokenizer tokenizer = io.hspace.prompt.ClipTokenizer.load(engine.modelDir().resolve("tokenizer"));
        for (io.hspace.study.Study.Condition c : study.condition()) {
            io.hspace.analysis.ImageFolder folder = io.hspace.analysis.ImageFolder.read(c.images(), c.spec().sampler().width(),
                    c.spec().sampler().height());
            ConditionCommand.warnSkipped(folder);
            ProgressBar bar = new ProgressBar("condition " + c.spec().name(), ConditionAnalysis.items(c.spec(), folder.files().size()));
            bar.update(0);
            ConditionAnalysis.Result r = ConditionAnalysis.run(engine, tokenizer, c.spec(), folder,
                    c.labels() == null ? null : io.hspace.analysis.ImageLabels.read(c.labels(), folder.files()), study.stats(),
                    new io.hspace.analysis.NativeProjections(options.device()), study.batchSize(), bar::update);
            Path sub = dir.resolve("condition-" + c.spec().name());
            writeCondition(sub, r);
            sections.add(io.hspace.report.ValidationReport.condition(r));
        }
        for (io.hspace.study.Study.Steer s : study.steer()) {
            Path sub = dir.resolve("steer-" + s.spec().name());
            try (io.hspace.caption.Captioner captioner = io.hspace.caption.Captioners.open(s.captioner(), options)) {
                ProgressBar bar = new ProgressBar("steer " + s.spec().name(), SteerAnalysis.items(s.spec()));
                bar.update(0);
                SteerAnalysis.Result r = SteerAnalysis.run(engine, tokenizer, s.spec(), captioner, sub.resolve("images"), study.stats(),
                        study.batchSize(), bar::update);
                writeSteer(sub, r);
                sections.add(io.hspace.report.ValidationReport.steer(r));
            }
        }
        return sections;
    }

    private interface Body {
        void write(PrintWriter w) throws IOException;
    }

    private static void write(Path target, Body body) throws IOException {
        Files.createDirectories(target.toAbsolutePath().getParent());
        Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
        try (PrintWriter w = new PrintWriter(new OutputStreamWriter(Files.newOutputStream(tmp), StandardCharsets.UTF_8))) {
            body.write(w);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    static String csv(String s) {
        return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}

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
import java.util.Locale;

/** condition.json/csv and steer.json/csv: the validation analyses' tables, written atomically. */
final class ValidationTables {
    private ValidationTables() {}

    /** condition.json (everything) and condition.csv (one row per image and family). */
    static void writeCondition(Path dir, ConditionAnalysis.Result r) throws IOException {
        write(dir.resolve("condition.json"), w -> w.print(StudyAnalyses.JSON.writeValueAsString(r)));
        write(dir.resolve("condition.csv"), w -> {
            w.println("file,family,read,truth,cosine");
            for (ConditionAnalysis.FamilyResult f : r.families()) {
                for (int i = 0; i < r.files().size(); i++) {
                    int p = f.values().indexOf(f.predicted().get(i));
                    w.printf(Locale.ROOT, "%s,%s,%s,%s,%.6f%n", csv(r.files().get(i)), csv(f.family()), csv(f.predicted().get(i)),
                            f.truth() == null || f.truth().get(i) == null ? "" : csv(f.truth().get(i)), f.cosine()[i][p]);
                }
            }
        });
    }

    /** steer.json (everything) and steer.csv (one row per alpha). */
    static void writeSteer(Path dir, SteerAnalysis.Result r) throws IOException {
        write(dir.resolve("steer.json"), w -> w.print(StudyAnalyses.JSON.writeValueAsString(r)));
        write(dir.resolve("steer.csv"), w -> {
            w.println("alpha,flip,flip_low,flip_high,target,target_low,target_high,side_effects,side_low,side_high");
            for (SteerAnalysis.AlphaResult a : r.alphas()) {
                w.printf(Locale.ROOT, "%.6g,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f%n", a.alpha(), a.flip().value(), a.flip().low(),
                        a.flip().high(), a.target().value(), a.target().low(), a.target().high(), a.sideEffects().value(),
                        a.sideEffects().low(), a.sideEffects().high());
            }
        });
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

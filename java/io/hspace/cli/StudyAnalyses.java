package io.hspace.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.hspace.analysis.ClusterAnalysis;
import io.hspace.analysis.DefaultsAnalysis;
import io.hspace.analysis.DescriptorSet;
import io.hspace.analysis.DescriptorsAnalysis;
import io.hspace.analysis.ClusterSpec;
import io.hspace.analysis.Projections;
import io.hspace.atlas.Atlas;
import io.hspace.atlas.HStore;
import io.hspace.report.Report;
import io.hspace.study.Study;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The analyses a study names, run on its atlas, and their outputs: JSON and CSV tables and
 * the HTML report. Which analyses run is a parameter, so single-analysis commands share it.
 *
 * @param defaults the defaults analysis, or null
 * @param descriptors descriptor analyses
 * @param clusters cluster analyses
 * @param discover discover cells
 */
record StudyAnalyses(DefaultsAnalysis.Result defaults, List<DescriptorsAnalysis.Result> descriptors,
        List<ClusterAnalysis.Result> clusters, List<io.hspace.analysis.DiscoverAnalysis.CellResult> discover) {
    /** Which analyses to run. */
    enum Only { ALL, DEFAULTS, DESCRIPTORS, CLUSTER, DISCOVER }

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Runs the study's analyses (or one kind of them) on the atlas. */
    static StudyAnalyses run(Study study, Atlas atlas, Projections projections, Only only) throws IOException {
        return run(study, atlas, projections, only, null, io.hspace.engine.EngineOptions.cpu());
    }

    /** Like {@link #run(Study, Atlas, Projections, Only)}, the discover captioner replaced by {@code captioner} when not null. */
    static StudyAnalyses run(Study study, Atlas atlas, Projections projections, Only only,
            io.hspace.caption.Captioners.Spec captioner, io.hspace.engine.EngineOptions options) throws IOException {
        HStore store = HStore.open(atlas);
        DefaultsAnalysis.Result defaults = null;
        if ((only == Only.ALL || only == Only.DEFAULTS) && !study.defaults().isEmpty()) {
            defaults = DefaultsAnalysis.run(store, study.defaults(), study.seeds(), study.stats(), projections);
        }
        List<DescriptorsAnalysis.Result> descriptors = new ArrayList<>();
        if (only == Only.ALL || only == Only.DESCRIPTORS) {
            for (DescriptorSet set : study.descriptors()) {
                descriptors.add(DescriptorsAnalysis.run(store, set, study.seeds(), study.stats(), projections));
            }
        }
        List<ClusterAnalysis.Result> clusters = new ArrayList<>();
        if (only == Only.ALL || only == Only.CLUSTER) {
            for (ClusterSpec spec : study.clusters()) {
                clusters.add(ClusterAnalysis.run(store, spec, study.seeds(), study.stats(), projections));
            }
        }
        List<io.hspace.analysis.DiscoverAnalysis.CellResult> discover = List.of();
        if (only == Only.ALL || only == Only.DISCOVER) {
            discover = DiscoverStep.analyse(study, atlas, store, projections, captioner, options);
        }
        return new StudyAnalyses(defaults, descriptors, clusters, discover);
    }

    /** Writes results.json (everything) and defaults.csv (the sorted defaults table) into {@code dir}. */
    void writeTables(Path dir, String name) throws IOException {
        Files.createDirectories(dir);
        atomically(dir.resolve(name + ".json"), out -> JSON.writeValue(out, this));
        if (defaults != null) {
            atomically(dir.resolve("defaults.csv"), out -> {
                PrintWriter w = new PrintWriter(new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8));
                w.println("neutral,family,variant,score,score_low,score_high,weight,weight_low,weight_high,share,p,q");
                for (DefaultsAnalysis.CellResult c : defaults.pooled()) {
                    for (int i = 0; i < c.cell().labels().size(); i++) {
                        w.printf(Locale.ROOT, "%s,%s,%s,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6g,%.6g%n", csv(c.cell().neutral()),
                                csv(c.cell().family()), csv(c.cell().labels().get(i)), c.scores().get(i).value(),
                                c.scores().get(i).low(), c.scores().get(i).high(), c.weights().get(i).value(),
                                c.weights().get(i).low(), c.weights().get(i).high(), c.shares().get(i).value(), c.p(), c.q());
                    }
                }
                w.flush();
            });
        }
        if (!discover.isEmpty()) {
            atomically(dir.resolve("discover.csv"), out -> {
                PrintWriter w = new PrintWriter(new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8));
                // kind: constant (too common to contrast, no statistics) or tested; rank runs over both
                w.println("name,prompt,rank,word,kind,with,without,d,d_low,d_high,auc,auc_low,auc_high,t,p,q,text_prompt,text_cosine");
                for (io.hspace.analysis.DiscoverAnalysis.CellResult c : discover) {
                    int n = c.seeds().size();
                    for (int i = 0; i < c.constant().size(); i++) {
                        io.hspace.analysis.DiscoverAnalysis.ConstantWord k = c.constant().get(i);
                        w.printf(Locale.ROOT, "%s,%s,%d,%s,constant,%d,%d,,,,,,,,,,,%n", csv(c.cell().name()), csv(c.cell().prompt()), i + 1,
                                csv(k.word()), k.with(), n - k.with());
                    }
                    for (int i = 0; i < c.ranked().size(); i++) {
                        io.hspace.analysis.DiscoverAnalysis.WordResult r = c.ranked().get(i);
                        w.printf(Locale.ROOT, "%s,%s,%d,%s,tested,%d,%d,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6g,%.6g,%s,%s%n", csv(c.cell().name()),
                                csv(c.cell().prompt()), c.constant().size() + i + 1, csv(r.word()), r.with(), r.without(), r.d(), r.dLow(), r.dHigh(), r.auc(),
                                r.aucLow(), r.aucHigh(), r.t(), r.p(), r.q(), csv(r.textPrompt()),
                                r.textCosine() == null ? "" : String.format(Locale.ROOT, "%.6f", r.textCosine()));
                    }
                }
                w.flush();
            });
        }
    }

    /** Writes the HTML report of these results. */
    void writeReport(Study study, Atlas atlas, Path file) throws IOException {
        writeReport(study, atlas, file, List.of());
    }

    /** Writes the HTML report with further rendered sections (the validation analyses) after the clusters. */
    void writeReport(Study study, Atlas atlas, Path file, List<String> sections) throws IOException {
        Report.write(new Report.Input(study.name(), atlas, study.seeds(), defaults, descriptors, clusters, methodText(), discover, sections), file);
    }

    /** docs/METHOD.md, bundled into the jar. */
    static String methodText() throws IOException {
        try (InputStream in = StudyAnalyses.class.getResourceAsStream("/METHOD.md")) {
            if (in == null) {
                throw new IOException("METHOD.md is missing from the class path (the build copies docs/METHOD.md)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String csv(String s) {
        return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }

    private interface Writer {
        void write(java.io.OutputStream out) throws IOException;
    }

    private static void atomically(Path target, Writer writer) throws IOException {
        Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
        try (var out = Files.newOutputStream(tmp)) {
            writer.write(out);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}

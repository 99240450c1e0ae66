package io.hspace.report;

import com.fasterxml.jackson.databind.JsonNode;
import io.hspace.analysis.ClusterAnalysis;
import io.hspace.analysis.DefaultsAnalysis;
import io.hspace.analysis.DescriptorsAnalysis;
import io.hspace.atlas.Atlas;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The self-contained HTML report: settings and versions, each analysis with tables, inline-SVG
 * charts and image grids (images as data: URIs), and the method. No external resource is
 * referenced; every user text is escaped.
 */
public final class Report {
    private Report() {}

    /**
     * What the report shows.
     *
     * @param title the study name
     * @param atlas the atlas the analyses read (settings, versions, images)
     * @param seeds the seeds analysed
     * @param defaults the defaults analysis, or null when not run
     * @param descriptors descriptor analyses (may be empty)
     * @param clusters cluster analyses (may be empty)
     * @param method the method text (docs/METHOD.md), shown as preformatted text
     * @param discover discover cells (empty when the study has none)
     * @param sections further analysis sections, already rendered (e.g. {@link ValidationReport}), in order
     */
    public record Input(String title, Atlas atlas, List<Long> seeds, DefaultsAnalysis.Result defaults,
            List<DescriptorsAnalysis.Result> descriptors, List<ClusterAnalysis.Result> clusters, String method,
            List<io.hspace.analysis.DiscoverAnalysis.CellResult> discover, List<String> sections) {
        /** An input without discover cells or further sections. */
        public Input(String title, Atlas atlas, List<Long> seeds, DefaultsAnalysis.Result defaults,
                List<DescriptorsAnalysis.Result> descriptors, List<ClusterAnalysis.Result> clusters, String method) {
            this(title, atlas, seeds, defaults, descriptors, clusters, method, List.of(), List.of());
        }
    }

    private static final java.util.regex.Pattern SECTION_HEAD =
            java.util.regex.Pattern.compile("\\s*<section id=\"([^\"]+)\"[^>]*><h2>([^<]+)</h2>");

    /** Writes the report to {@code out} atomically (temporary file, then rename). */
    public static void write(Input in, Path out) throws IOException {
        writeAtomically(render(in), out);
    }

    private static void writeAtomically(String html, Path out) throws IOException {
        Path tmp = out.resolveSibling("." + out.getFileName() + ".tmp");
        Files.writeString(tmp, html, StandardCharsets.UTF_8);
        Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** The report as one HTML string. */
    public static String render(Input in) {
        StringBuilder b = new StringBuilder();
        b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">")
                .append("<title>").append(Html.escape("hspace report: " + in.title())).append("</title><style>").append(CSS).append("</style></head><body>\n");
        b.append("<h1>").append(Html.escape("hspace report: " + in.title())).append("</h1>\n");
        b.append("<nav><a href=\"#settings\">Settings</a>");
        if (in.defaults() != null) {
            b.append(" · <a href=\"#defaults\">Defaults</a>");
        }
        if (!in.descriptors().isEmpty()) {
            b.append(" · <a href=\"#descriptors\">Descriptors</a>");
        }
        if (!in.clusters().isEmpty()) {
            b.append(" · <a href=\"#clusters\">Clusters</a>");
        }
        if (!in.discover().isEmpty()) {
            b.append(" · <a href=\"#discover\">Discovery</a>");
        }
        for (String section : in.sections()) {
            // the id and heading of a rendered section, both already escaped where it was rendered
            java.util.regex.Matcher m = SECTION_HEAD.matcher(section);
            if (m.lookingAt()) {
                b.append(" · <a href=\"#").append(m.group(1)).append("\">").append(m.group(2)).append("</a>");
            }
        }
        b.append(" · <a href=\"#method\">Method</a></nav>\n");
        settings(b, in);
        if (in.defaults() != null) {
            defaults(b, in);
        }
        if (!in.descriptors().isEmpty()) {
            descriptors(b, in);
        }
        if (!in.clusters().isEmpty()) {
            clusters(b, in);
        }
        if (!in.discover().isEmpty()) {
            discover(b, in);
        }
        in.sections().forEach(b::append);
        b.append("<section id=\"method\" class=\"analysis\"><h2>Method</h2><pre class=\"method\">").append(Html.escape(in.method()))
                .append("</pre></section>\n");
        b.append("<script>").append(JS).append("</script>\n</body></html>\n");
        return b.toString();
    }

    private static void settings(StringBuilder b, Input in) {
        JsonNode m = in.atlas().manifest();
        b.append("<section id=\"settings\"><h2>Settings and versions</h2><table class=\"kv\">");
        row(b, "atlas", in.atlas().dir().toString());
        flatten(b, "", m);
        row(b, "seeds", in.seeds().toString());
        row(b, "prompts in atlas", Integer.toString(in.atlas().prompts().size()));
        b.append("</table></section>\n");
    }

    private static void flatten(StringBuilder b, String prefix, JsonNode n) {
        if (n.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                flatten(b, prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), e.getValue());
            }
        } else {
            row(b, prefix, n.isTextual() ? n.asText() : n.toString());
        }
    }

    private static void row(StringBuilder b, String k, String v) {
        b.append("<tr><th>").append(Html.escape(k)).append("</th><td>").append(Html.escape(v)).append("</td></tr>");
    }

    private static void defaults(StringBuilder b, Input in) {
        DefaultsAnalysis.Result r = in.defaults();
        b.append("<section id=\"defaults\" class=\"analysis\"><h2>Defaults</h2>");
        b.append("<p>Per neutral prompt and attribute family, sorted by strength (top score minus runner-up). p: permutation test; q: Benjamini-Hochberg over ")
                .append(r.pooled().size()).append(" cells at FDR ").append(Html.num(r.stats().alpha())).append(". Intervals: 95% bootstrap over seeds (")
                .append(r.stats().bootstrap()).append(" resamples).</p>");
        b.append("<table class=\"sortable\"><thead><tr><th>neutral prompt</th><th>family</th><th>top</th><th>strength</th><th>score [95% CI]</th>")
                .append("<th>mixture weight</th><th>nearest share</th><th>position</th><th>p</th><th>q</th></tr></thead><tbody>");
        for (DefaultsAnalysis.CellResult c : r.pooled()) {
            int t = c.top();
            b.append("<tr").append(c.q() <= r.stats().alpha() ? " class=\"sig\"" : "").append("><td>").append(Html.escape(c.cell().neutral()))
                    .append("</td><td>").append(Html.escape(c.cell().family())).append("</td><td>").append(Html.escape(c.topLabel()))
                    .append("</td><td>").append(Html.num(c.strength())).append("</td><td>").append(est(c.scores().get(t)))
                    .append("</td><td>").append(est(c.weights().get(t))).append("</td><td>").append(est(c.shares().get(t)))
                    .append("</td><td>").append(c.position() == null ? "-" : Html.escape(c.cell().labels().get(0) + " -1 … +1 "
                            + c.cell().labels().get(1)) + ": " + est(c.position())).append("</td><td>").append(Html.num(c.p()))
                    .append("</td><td>").append(Html.num(c.q())).append("</td></tr>");
        }
        b.append("</tbody></table>");
        for (DefaultsAnalysis.CellResult c : r.pooled()) {
            int k = c.cell().labels().size();
            double[] v = new double[k];
            double[] lo = new double[k];
            double[] hi = new double[k];
            double[] w = new double[k];
            double[] wl = new double[k];
            double[] wh = new double[k];
            for (int i = 0; i < k; i++) {
                v[i] = c.scores().get(i).value();
                lo[i] = c.scores().get(i).low();
                hi[i] = c.scores().get(i).high();
                w[i] = c.weights().get(i).value();
                wl[i] = c.weights().get(i).low();
                wh[i] = c.weights().get(i).high();
            }
            b.append("<div class=\"cell\"><h3>").append(Html.escape(c.cell().neutral() + " — " + c.cell().family())).append("</h3>");
            b.append(Charts.bars("score per variant", c.cell().labels(), v, lo, hi, -1, 1));
            b.append(Charts.bars("mixture weight", c.cell().labels(), w, wl, wh, 0, 1));
            if (!r.perStep().isEmpty()) {
                double[][] series = new double[k][r.perStep().size()];
                for (int t = 0; t < r.perStep().size(); t++) {
                    for (DefaultsAnalysis.CellResult sc : r.perStep().get(t)) {
                        if (sc.cell().equals(c.cell())) {
                            for (int i = 0; i < k; i++) {
                                series[i][t] = sc.scores().get(i).value();
                            }
                        }
                    }
                }
                b.append(Charts.lines("score per captured step", c.cell().labels(), series, -1, 1));
            }
            images(b, in, c.cell().neutral());
            b.append("</div>");
        }
        b.append("</section>\n");
    }

    private static String est(DefaultsAnalysis.Estimate e) {
        return Html.num(e.value()) + " [" + Html.num(e.low()) + ", " + Html.num(e.high()) + "]";
    }

    private static void images(StringBuilder b, Input in, String prompt) {
        images(b, in, prompt, in.seeds());
    }

    private static void images(StringBuilder b, Input in, String prompt, List<Long> seeds) {
        Atlas a = in.atlas();
        int id = a.promptId(prompt);
        if (id < 0 || !a.settings().images()) {
            return;
        }
        List<String> cells = new ArrayList<>();
        for (long s : seeds) {
            Path p = a.imagePath(id, s);
            if (Files.exists(p)) {
                try {
                    cells.add("<figure><img alt=\"" + Html.escape(prompt + " seed " + s) + "\" src=\"data:image/png;base64,"
                            + Base64.getEncoder().encodeToString(Files.readAllBytes(p)) + "\"><figcaption>seed " + s + "</figcaption></figure>");
                } catch (IOException e) {
                    cells.add("<figure><figcaption>" + Html.escape("seed " + s + ": unreadable image " + e.getMessage()) + "</figcaption></figure>");
                }
            }
        }
        if (!cells.isEmpty()) {
            b.append("<div class=\"grid\">").append(String.join("", cells)).append("</div>");
        }
    }

    /**
     * Writes the self-contained HTML page of a model comparison: every finding on A and B, the
     * difference with its interval, whether it moves, and a chart of the differences.
     */
    public static void writeCompare(String title, List<io.hspace.analysis.CompareAnalysis.Finding> findings, Path out)
            throws IOException {
        StringBuilder b = new StringBuilder();
        b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">")
                .append("<title>").append(Html.escape(title)).append("</title><style>").append(CSS).append("</style></head><body>\n");
        b.append("<h1>").append(Html.escape(title)).append("</h1>\n<section id=\"compare\" class=\"analysis\"><h2>Comparison</h2>");
        long moved = findings.stream().filter(io.hspace.analysis.CompareAnalysis.Finding::moves).count();
        b.append("<p>").append(findings.size()).append(" findings: ").append(findings.size() - moved).append(" agree, ").append(moved)
                .append(" move (the 95% paired bootstrap interval of B &minus; A excludes 0).</p>");
        b.append("<table class=\"sortable\"><tr><th>analysis</th><th>subject</th><th>item</th><th>metric</th><th>A</th><th>B</th>"
                + "<th>B &minus; A [95%]</th><th>moves</th></tr>");
        List<String> labels = new ArrayList<>();
        int n = findings.size();
        double[] v = new double[n];
        double[] lo = new double[n];
        double[] hi = new double[n];
        double min = 0;
        double max = 0;
        for (int i = 0; i < n; i++) {
            io.hspace.analysis.CompareAnalysis.Finding f = findings.get(i);
            b.append("<tr><td>").append(Html.escape(f.analysis())).append("</td><td>").append(Html.escape(f.subject())).append("</td><td>")
                    .append(Html.escape(f.item())).append("</td><td>").append(f.metric()).append("</td><td>").append(Html.num(f.a()))
                    .append("</td><td>").append(Html.num(f.b())).append("</td><td>").append(Html.num(f.diff())).append(" [")
                    .append(Html.num(f.low())).append(", ").append(Html.num(f.high())).append("]</td><td>").append(f.moves() ? "moves" : "agrees")
                    .append("</td></tr>");
            labels.add(f.subject() + " " + f.item() + " " + f.metric());
            v[i] = f.diff();
            lo[i] = f.low();
            hi[i] = f.high();
            min = Math.min(min, lo[i]);
            max = Math.max(max, hi[i]);
        }
        b.append("</table>");
        if (n > 0) {
            b.append(Charts.bars("B - A (95% interval)", labels, v, lo, hi, min, max == min ? min + 1 : max));
        }
        b.append("</section><script>").append(JS).append("</script></body></html>\n");
        writeAtomically(b.toString(), out);
    }

    private static void discover(StringBuilder b, Input in) {
        b.append("<section id=\"discover\" class=\"analysis\"><h2>Discovery</h2>");
        b.append("<p>Caption words of each prompt's images, ranked by t = d &middot; sqrt(n<sub>with</sub> n<sub>without</sub> / n); "
                + "d and AUC from cross-fitted projections, 95% bootstrap intervals, one-sided permutation p, "
                + "Benjamini-Hochberg q over the prompt's words; text cos = alignment with H(text prompt) - H(prompt). "
                + "Constant words (in all but fewer than min_count captions, not in the prompt, and not nearly constant in every "
                + "prompt of the analysis) cannot be contrasted; they are the prompt's plainest silent defaults and lead its "
                + "ranking.</p>");
        for (io.hspace.analysis.DiscoverAnalysis.CellResult c : in.discover()) {
            b.append("<h3>").append(Html.escape(c.cell().prompt())).append("</h3><p>captioner: ").append(Html.escape(c.captioner()))
                    .append("</p>");
            if (!c.constant().isEmpty()) {
                b.append("<p>Constant words:");
                for (io.hspace.analysis.DiscoverAnalysis.ConstantWord w : c.constant()) {
                    b.append(" <b>").append(Html.escape(w.word())).append("</b> ").append(w.with()).append('/').append(c.seeds().size());
                }
                b.append("</p>");
            }
            if (c.ranked().isEmpty()) {
                b.append("<p>No caption word is in at least ").append(c.cell().minCount()).append(" and missing from at least ")
                        .append(c.cell().minCount()).append(" seeds' captions.</p>");
                continue;
            }
            b.append("<table class=\"sortable\"><tr><th>rank</th><th>word</th><th>with</th><th>without</th><th>d [95%]</th>"
                    + "<th>AUC [95%]</th><th>t</th><th>p</th><th>q</th><th>text cos</th></tr>");
            List<String> labels = new ArrayList<>();
            int n = c.ranked().size();
            double[] v = new double[n];
            double[] lo = new double[n];
            double[] hi = new double[n];
            double min = 0;
            double max = 0;
            for (int i = 0; i < n; i++) {
                io.hspace.analysis.DiscoverAnalysis.WordResult r = c.ranked().get(i);
                b.append("<tr><td>").append(i + 1).append("</td><td>").append(Html.escape(r.word())).append("</td><td>").append(r.with())
                        .append("</td><td>").append(r.without()).append("</td><td>").append(Html.num(r.d())).append(" [")
                        .append(Html.num(r.dLow())).append(", ").append(Html.num(r.dHigh())).append("]</td><td>").append(Html.num(r.auc()))
                        .append(" [").append(Html.num(r.aucLow())).append(", ").append(Html.num(r.aucHigh())).append("]</td><td>")
                        .append(Html.num(r.t())).append("</td><td>").append(Html.num(r.p())).append("</td><td>").append(Html.num(r.q()))
                        .append("</td><td>").append(r.textCosine() == null ? "" : Html.num(r.textCosine())).append("</td></tr>");
                labels.add(r.word());
                v[i] = r.d();
                lo[i] = Double.isFinite(r.dLow()) ? r.dLow() : r.d();
                hi[i] = Double.isFinite(r.dHigh()) ? r.dHigh() : r.d();
                min = Math.min(min, lo[i]);
                max = Math.max(max, hi[i]);
            }
            b.append("</table>");
            b.append(Charts.bars("Cohen's d of each word (95% interval)", labels, v, lo, hi, min, max == min ? min + 1 : max));
            String top = c.ranked().get(0).word();
            List<Long> with = new ArrayList<>();
            List<Long> without = new ArrayList<>();
            for (int s = 0; s < c.seeds().size(); s++) {
                (io.hspace.caption.CaptionWords.words(c.captions().get(s)).contains(top) ? with : without).add(c.seeds().get(s));
            }
            b.append("<p>Seeds whose caption has <b>").append(Html.escape(top)).append("</b>:</p>");
            images(b, in, c.cell().prompt(), with.subList(0, Math.min(16, with.size())));
            b.append("<p>Seeds whose caption lacks it:</p>");
            images(b, in, c.cell().prompt(), without.subList(0, Math.min(16, without.size())));
        }
        b.append("</section>\n");
    }

    private static void descriptors(StringBuilder b, Input in) {
        b.append("<section id=\"descriptors\" class=\"analysis\"><h2>Descriptors</h2>");
        for (DescriptorsAnalysis.Result r : in.descriptors()) {
            DescriptorsAnalysis.SetResult s = r.pooled();
            b.append("<h3>").append(Html.escape(s.set().name())).append("</h3>");
            List<String> ds = s.set().descriptors();
            double[][] v = new double[s.concepts().size()][ds.size()];
            for (int i = 0; i < s.concepts().size(); i++) {
                for (int j = 0; j < ds.size(); j++) {
                    v[i][j] = s.alignment(i, ds.get(j));
                }
            }
            b.append(Charts.heatmap("alignment cos(v(c), v(d))", s.set().concepts(), ds, v));
            b.append("<table class=\"sortable\"><thead><tr><th>concept</th><th>rank</th><th>descriptor</th><th>alignment [95% CI]</th></tr></thead><tbody>");
            for (DescriptorsAnalysis.ConceptResult c : s.concepts()) {
                int rank = 1;
                for (DescriptorsAnalysis.Alignment a : c.ranked()) {
                    b.append("<tr><td>").append(Html.escape(c.concept())).append("</td><td>").append(rank++).append("</td><td>")
                            .append(Html.escape(a.descriptor())).append("</td><td>").append(Html.num(a.alignment())).append(" [")
                            .append(Html.num(a.low())).append(", ").append(Html.num(a.high())).append("]</td></tr>");
                }
            }
            b.append("</tbody></table>");
        }
        b.append("</section>\n");
    }

    private static void clusters(StringBuilder b, Input in) {
        b.append("<section id=\"clusters\" class=\"analysis\"><h2>Clusters</h2>");
        for (ClusterAnalysis.Result r : in.clusters()) {
            ClusterAnalysis.SetResult s = r.pooled();
            b.append("<h3>").append(Html.escape(s.spec().name())).append("</h3>");
            for (ClusterAnalysis.Clustering c : s.clusterings()) {
                b.append("<h4>").append(Html.escape(c.method().label())).append(", k = ").append(s.spec().k()).append(", silhouette ")
                        .append(Html.num(c.silhouette())).append("</h4>");
                b.append(Charts.scatter("PCA map (" + Html.num(s.explained()[0]) + ", " + Html.num(s.explained()[1]) + " of variance)",
                        s.map(), c.assignment(), s.spec().prompts()));
                b.append("<table><thead><tr><th>cluster</th><th>label</th><th>prompts</th></tr></thead><tbody>");
                for (int k = 0; k < c.labels().size(); k++) {
                    List<String> members = new ArrayList<>();
                    for (int i = 0; i < c.assignment().length; i++) {
                        if (c.assignment()[i] == k) {
                            members.add(s.spec().prompts().get(i));
                        }
                    }
                    b.append("<tr><td>").append(k).append("</td><td>").append(Html.escape(String.join(", ", c.labels().get(k))))
                            .append("</td><td>").append(Html.escape(String.join(" | ", members))).append("</td></tr>");
                }
                b.append("</tbody></table>");
            }
        }
        b.append("</section>\n");
    }

    private static final String CSS = "body{font:14px/1.4 system-ui,sans-serif;margin:2em;max-width:1100px}"
            + "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ddd;padding:3px 6px;text-align:left}"
            + "tr.sig td{background:#fff4e0}th{background:#f4f4f4;cursor:pointer}.kv th{cursor:default}"
            + "svg.chart{display:block;margin:.5em 0;font-size:11px}.grid{display:flex;flex-wrap:wrap;gap:4px}"
            + "figure{margin:0}figure img{width:96px;height:96px;image-rendering:pixelated}figcaption{font-size:10px}"
            + "pre.method{white-space:pre-wrap;background:#fafafa;padding:1em}";

    /** Click a sortable table's header to sort by that column (numbers by value). */
    private static final String JS = "document.querySelectorAll('table.sortable th').forEach(function(th,col){"
            + "th.addEventListener('click',function(){var tb=th.closest('table').tBodies[0];var rows=Array.from(tb.rows);"
            + "var asc=th.dataset.asc!=='1';th.dataset.asc=asc?'1':'0';rows.sort(function(a,b){"
            + "var x=a.cells[col].textContent,y=b.cells[col].textContent,nx=parseFloat(x),ny=parseFloat(y);"
            + "var c=(!isNaN(nx)&&!isNaN(ny))?nx-ny:x.localeCompare(y);return asc?c:-c;});rows.forEach(function(r){tb.appendChild(r);});});});"
            + "document.body.setAttribute('data-ready','1');";
}

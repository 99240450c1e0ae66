package io.hspace.report;

import io.hspace.analysis.ConditionAnalysis;
import io.hspace.analysis.DefaultsAnalysis.Estimate;
import io.hspace.analysis.SteerAnalysis;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * Report sections of the validation analyses: conditioning (accuracy table, confusion tables)
 * and steering (rates table, flip-rate-vs-alpha chart, image grid of prompt x seed by alpha).
 * Every user text is escaped; images are inlined as data: URIs.
 */
public final class ValidationReport {
    private ValidationReport() {}

    private static final String CSS = "body{font:14px/1.4 system-ui,sans-serif;margin:2em;max-width:1100px}"
            + "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ddd;padding:3px 6px;text-align:left}"
            + "th{background:#f4f4f4}td.diag{background:#e6f4e6}svg.chart{display:block;margin:.5em 0;font-size:11px}"
            + "img.cell{width:64px;height:64px;image-rendering:pixelated}";

    /** Writes a standalone page with one section (the single-analysis commands' report). */
    public static void writePage(String title, String section, Path out) throws IOException {
        String html = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'\">"
                + "<title>" + Html.escape("hspace " + title) + "</title><style>" + CSS + "</style></head><body>\n" + section
                + "</body></html>\n";
        Path tmp = out.resolveSibling("." + out.getFileName() + ".tmp");
        Files.writeString(tmp, html, StandardCharsets.UTF_8);
        Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** The conditioning section: settings, accuracy per family, a confusion table per labelled family. */
    public static String condition(ConditionAnalysis.Result r) {
        ConditionAnalysis.Spec s = r.spec();
        StringBuilder b = new StringBuilder();
        b.append("<section id=\"condition-").append(Html.escape(r.name())).append("\" class=\"analysis\"><h2>Conditioning: ")
                .append(Html.escape(r.name())).append("</h2>");
        b.append("<p>").append(r.files().size()).append(" images (").append(r.resized()).append(" resized, ").append(r.skipped().size())
                .append(" non-image files skipped), mode ").append(Html.escape(s.mode().label())).append(", step ").append(s.step())
                .append(" of ").append(s.sampler().steps()).append(" (timestep ").append(Html.num(r.timestep())).append("), read with prompt \"")
                .append(Html.escape(s.prompt())).append("\", pooling ").append(Html.escape(s.pooling().label())).append(", centred on ")
                .append(Html.escape(s.centre().name().toLowerCase(Locale.ROOT))).append(", scored by the ")
                .append(s.score().name().toLowerCase(Locale.ROOT)).append(". Intervals: 95% bootstrap over images.</p>");
        b.append("<table><thead><tr><th>family</th><th>template</th><th>values</th><th>labelled images</th><th>accuracy [95% CI]</th><th>chance</th>"
                + "<th>covariance shrinkage</th></tr></thead><tbody>");
        for (int i = 0; i < r.families().size(); i++) {
            ConditionAnalysis.FamilyResult f = r.families().get(i);
            b.append("<tr><td>").append(Html.escape(f.family())).append("</td><td>").append(Html.escape(s.families().get(i).template()))
                    .append("</td><td>").append(Html.escape(String.join(", ", f.values()))).append("</td><td>").append(f.labelled())
                    .append("</td><td>").append(f.accuracy() == null ? "-" : est(f.accuracy())).append("</td><td>")
                    .append(Html.num(1.0 / f.values().size())).append("</td><td>")
                    .append(Double.isNaN(f.shrinkage()) ? "-" : Html.num(f.shrinkage())).append("</td></tr>");
        }
        b.append("</tbody></table>");
        for (ConditionAnalysis.FamilyResult f : r.families()) {
            if (f.confusion() == null) {
                continue;
            }
            b.append("<h3>Confusion: ").append(Html.escape(f.family())).append(" (rows: true, columns: read)</h3><table><thead><tr><th></th>");
            for (String v : f.values()) {
                b.append("<th>").append(Html.escape(v)).append("</th>");
            }
            b.append("</tr></thead><tbody>");
            for (int t = 0; t < f.values().size(); t++) {
                b.append("<tr><th>").append(Html.escape(f.values().get(t))).append("</th>");
                for (int p = 0; p < f.values().size(); p++) {
                    b.append(t == p ? "<td class=\"diag\">" : "<td>").append(f.confusion()[t][p]).append("</td>");
                }
                b.append("</tr>");
            }
            b.append("</tbody></table>");
        }
        return b.append("</section>\n").toString();
    }

    /** The steering section: settings, rates per alpha, the flip-rate chart and the image grid. */
    public static String steer(SteerAnalysis.Result r) throws IOException {
        SteerAnalysis.Spec s = r.spec();
        StringBuilder b = new StringBuilder();
        b.append("<section id=\"steer-").append(Html.escape(r.name())).append("\" class=\"analysis\"><h2>Steering: ")
                .append(Html.escape(r.name())).append("</h2>");
        b.append("<p>Direction from \"").append(Html.escape(s.from())).append("\" to \"").append(Html.escape(s.to()))
                .append("\" (").append(Html.escape(s.direction() == SteerAnalysis.Direction.PAIR ? "each pair's own direction" : "the pairs' mean direction"))
                .append(", ||d|| = ").append(Html.escape(r.directionNorms().stream().map(Html::num).toList().toString()))
                .append(", rescaled to the mean ||h|| = ").append(Html.escape(r.hNorms().stream().map(Html::num).toList().toString()))
                .append("), steered steps ").append(Html.escape(s.steps().isEmpty() ? "all" : s.steps().toString()))
                .append(", steered CFG branch ").append(Html.escape(s.branch().label())).append(", target ")
                .append(Html.escape(s.steered() + " = " + s.target())).append(", captioner ").append(Html.escape(r.captioner()))
                .append(". Flip: among images whose alpha-0 image does not read the target, the share that reads it; side effects: ")
                .append("share of images where a family not steered reads differently than at alpha 0. The prompt edit row is the reference: ")
                .append("each to prompt's own image against its from prompt's at the same seed. Intervals: 95% bootstrap over images.</p>");
        b.append("<table><thead><tr><th>alpha</th><th>flip rate</th><th>target share</th><th>side effects</th>");
        List<String> others = new ArrayList<>(r.alphas().get(0).perFamily().keySet());
        for (String f : others) {
            b.append("<th>").append(Html.escape(f)).append(" changed</th>");
        }
        b.append("</tr></thead><tbody>");
        List<SteerAnalysis.AlphaResult> rows = r.rows();
        for (int i = 0; i < rows.size(); i++) {
            SteerAnalysis.AlphaResult a = rows.get(i);
            b.append("<tr><td>").append(r.isPromptEdit(i) ? "prompt edit" : Html.num(a.alpha())).append("</td><td>").append(est(a.flip()))
                    .append("</td><td>").append(est(a.target())).append("</td><td>").append(est(a.sideEffects())).append("</td>");
            for (String f : others) {
                b.append("<td>").append(Html.num(a.perFamily().get(f))).append("</td>");
            }
            b.append("</tr>");
        }
        b.append("</tbody></table>");
        b.append(alphaChart("flip rate and side effects over alpha", r.alphas()));
        boolean edits = !r.promptEditItems().isEmpty();
        b.append("<h3>Images (rows: prompt and seed; columns: alpha").append(edits ? ", then the to prompt's own image" : "")
                .append("; hover: caption)</h3><table><thead><tr><th>prompt, seed</th>");
        for (double a : s.alphas()) {
            b.append("<th>").append(Html.num(a)).append("</th>");
        }
        if (edits) {
            b.append("<th>prompt edit</th>");
        }
        b.append("</tr></thead><tbody>");
        int nA = s.alphas().size();
        for (int g = 0; g < r.items().size() / nA; g++) {
            SteerAnalysis.Item first = r.items().get(g * nA);
            b.append("<tr><th>").append(Html.escape(first.prompt() + ", seed " + first.seed())).append("</th>");
            for (int a = 0; a < nA; a++) {
                imageCell(b, r.items().get(g * nA + a));
            }
            if (edits) {
                imageCell(b, r.promptEditItems().get(g));
            }
            b.append("</tr>");
        }
        return b.append("</tbody></table></section>\n").toString();
    }

    private static void imageCell(StringBuilder b, SteerAnalysis.Item it) throws IOException {
        String data = Base64.getEncoder().encodeToString(Files.readAllBytes(Path.of(it.image())));
        b.append("<td><img class=\"cell\" alt=\"").append(Html.escape(it.caption())).append("\" title=\"")
                .append(Html.escape(it.caption())).append("\" src=\"data:image/png;base64,").append(data).append("\"></td>");
    }

    /** Flip rate (with its interval as a band of whiskers) and side effects over alpha, both in [0, 1]. */
    static String alphaChart(String title, List<SteerAnalysis.AlphaResult> rows) {
        int w = 520;
        int h = 240;
        int left = 45;
        int bottom = 30;
        double min = rows.get(0).alpha();
        double max = rows.get(rows.size() - 1).alpha();
        StringBuilder sb = new StringBuilder();
        sb.append("<svg class=\"chart\" role=\"img\" width=\"").append(w).append("\" height=\"").append(h)
                .append("\" xmlns=\"http://www.w3.org/2000/svg\"><title>").append(Html.escape(title)).append("</title>");
        String[] colors = {"#1f77b4", "#d62728"};
        String[] names = {"flip rate", "side effects"};
        for (int series = 0; series < 2; series++) {
            StringBuilder pts = new StringBuilder();
            for (SteerAnalysis.AlphaResult a : rows) {
                Estimate e = series == 0 ? a.flip() : a.sideEffects();
                double x = left + (max > min ? (a.alpha() - min) / (max - min) : 0) * (w - left - 130);
                double v = Double.isNaN(e.value()) ? 0 : e.value();
                pts.append(fmt(x)).append(',').append(fmt(y(v, h, bottom))).append(' ');
                if (!Double.isNaN(e.low())) {
                    sb.append("<line stroke=\"").append(colors[series]).append("\" x1=\"").append(fmt(x)).append("\" x2=\"").append(fmt(x))
                            .append("\" y1=\"").append(fmt(y(e.low(), h, bottom))).append("\" y2=\"").append(fmt(y(e.high(), h, bottom))).append("\"/>");
                }
            }
            sb.append("<polyline fill=\"none\" stroke-width=\"2\" stroke=\"").append(colors[series]).append("\" points=\"")
                    .append(pts.toString().trim()).append("\"/><text x=\"").append(w - 120).append("\" y=\"").append(20 + 14 * series)
                    .append("\" fill=\"").append(colors[series]).append("\">").append(names[series]).append("</text>");
        }
        sb.append("<text x=\"2\" y=\"").append(fmt(y(1, h, bottom) + 4)).append("\">1</text><text x=\"2\" y=\"")
                .append(fmt(y(0, h, bottom))).append("\">0</text><text x=\"").append(left).append("\" y=\"").append(h - 5)
                .append("\">alpha ").append(Html.num(min)).append(" … ").append(Html.num(max)).append(" →</text>");
        return sb.append("</svg>").toString();
    }

    private static double y(double v, int h, int bottom) {
        return h - bottom - Math.max(0, Math.min(1, v)) * (h - bottom - 15);
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    private static String est(Estimate e) {
        return Html.num(e.value()) + " [" + Html.num(e.low()) + ", " + Html.num(e.high()) + "]";
    }
}

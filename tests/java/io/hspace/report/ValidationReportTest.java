package io.hspace.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hspace.analysis.ConditionAnalysis;
import io.hspace.analysis.DefaultsAnalysis.Estimate;
import io.hspace.analysis.SteerAnalysis;
import io.hspace.analysis.Stats;
import io.hspace.atlas.Sampler;
import io.hspace.engine.Branch;
import io.hspace.engine.ConditionMode;
import io.hspace.engine.Pooling;
import io.hspace.engine.Scheduler;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The validation report sections: tables, confusion, chart, image grid; user text escaped. */
class ValidationReportTest {
    static final Sampler SAMPLER = new Sampler(Scheduler.MODEL, 10, 7.5, 32, 32, "");

    @Test
    void conditionSectionEscapesAndShowsTheConfusionTable() {
        ConditionAnalysis.Family f = new ConditionAnalysis.Family("<script>", "a {value} <b>", List.of("red", "blue"));
        ConditionAnalysis.Spec spec = new ConditionAnalysis.Spec("c&d", List.of(f), SAMPLER, 8, ConditionMode.NOISE, Pooling.NONE, "",
                List.of(0L), 0, 1, ConditionAnalysis.Centre.IMAGES, Branch.UNCOND, ConditionAnalysis.Score.COSINE);
        ConditionAnalysis.FamilyResult fr = new ConditionAnalysis.FamilyResult("<script>", f.values(), List.of("red", "blue"),
                new double[][] {{1, 0}, {0, 1}}, Double.NaN, List.of("red", "red"), new Estimate(0.5, 0, 1), 2, new int[][] {{1, 1}, {0, 0}});
        String html = ValidationReport.condition(new ConditionAnalysis.Result("c&d", spec, List.of("a.png", "b.png"), List.of(), 0, 100f,
                List.of(fr)));
        assertFalse(html.contains("<script>") || html.contains("<b>"), html);
        assertTrue(html.contains("&lt;script&gt;") && html.contains("c&amp;d"));
        assertTrue(html.contains("<td class=\"diag\">1</td><td>1</td>"), html);
        assertTrue(html.contains("scored by the cosine") && html.contains("<th>covariance shrinkage</th>"), html);
    }

    @Test
    void steerSectionHasTheChartAndOneImagePerItem(@TempDir Path dir) throws IOException {
        Path png = dir.resolve("x.png");
        ImageIO.write(new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB), "png", png.toFile());
        Map<String, List<String>> families = new LinkedHashMap<>();
        families.put("color", List.of("red", "blue"));
        families.put("shape", List.of("circle", "square"));
        SteerAnalysis.Spec spec = new SteerAnalysis.Spec("s", "a {shape}", "a blue {shape}", Map.of("shape", List.of("circle")), families,
                "color", "blue", List.of(1.0), List.of(), Branch.COND, SteerAnalysis.Direction.PAIR, SAMPLER, List.of(0L, 1L));
        List<SteerAnalysis.Item> items = new ArrayList<>();
        for (int s = 0; s < 2; s++) {
            for (double a : spec.alphas()) {
                Map<String, String> r = new LinkedHashMap<>();
                r.put("color", a > 0 ? "blue" : "red");
                r.put("shape", "circle");
                items.add(new SteerAnalysis.Item("a circle", s, a, png.toString(), "<i>caption</i>", r));
            }
        }
        List<SteerAnalysis.Item> edits = List.of(items.get(1), items.get(3));
        SteerAnalysis.Result r = new SteerAnalysis.Result("s", spec, "toyworld-reader", List.of(1.0), List.of(2.0), SteerAnalysis.rates(spec, items, Stats.DEFAULT),
                items, SteerAnalysis.promptEdit(spec, items, edits, Stats.DEFAULT), edits);
        String html = ValidationReport.steer(r);
        assertFalse(html.contains("<i>"), html);
        assertTrue(html.contains("<svg class=\"chart\""));
        assertTrue(html.contains("<td>prompt edit</td>"), html);
        // the grid: per (prompt, seed) the alphas, then the prompt edit's image
        assertEquals(6, html.split("data:image/png;base64,", -1).length - 1);
    }
}

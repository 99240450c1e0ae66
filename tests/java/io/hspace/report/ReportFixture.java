package io.hspace.report;

import io.hspace.analysis.ClusterAnalysis;
import io.hspace.analysis.ClusterMethod;
import io.hspace.analysis.ClusterSpec;
import io.hspace.analysis.DefaultsAnalysis;
import io.hspace.analysis.DefaultsCell;
import io.hspace.analysis.DescriptorSet;
import io.hspace.analysis.DescriptorsAnalysis;
import io.hspace.analysis.Projections;
import io.hspace.analysis.Stats;
import io.hspace.atlas.Atlas;
import io.hspace.atlas.AtlasRunner;
import io.hspace.atlas.AtlasSettings;
import io.hspace.engine.Branch;
import io.hspace.atlas.CapturePlan;
import io.hspace.atlas.FakeExtractor;
import io.hspace.atlas.Fixtures;
import io.hspace.atlas.HStore;
import io.hspace.engine.Pooling;
import io.hspace.atlas.PromptTag;
import io.hspace.atlas.Sampler;
import io.hspace.engine.Scheduler;
import io.hspace.atlas.TaggedPrompt;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A small atlas from the fake extractor with every analysis run on it, and a hostile prompt. */
final class ReportFixture {
    static final String HOSTILE = "a <script>alert('x')</script> circle";

    private ReportFixture() {}

    static Report.Input build(Path dir) throws Exception {
        List<String> colors = List.of("red", "blue");
        FakeExtractor fake = new FakeExtractor(8, 2, 2, 0.5, 0).plant("circle", colors, new double[] {0.8, 0.2});
        AtlasSettings s = new AtlasSettings("fake-model-1", new Sampler(Scheduler.DDIM, 4, 7.5, 64, 64, ""),
                new CapturePlan(List.of(1, 3), Branch.COND, Pooling.NONE), true);
        Atlas atlas = Atlas.openForWriting(dir, s, fake.identity(), fake.capturedTimesteps(s));
        List<TaggedPrompt> prompts = new ArrayList<>();
        List<String> shapes = new ArrayList<>();
        for (String shape : List.of("circle", "square", "star")) {
            for (String c : colors) {
                String p = "a " + c + " " + shape;
                shapes.add(p);
                prompts.add(new TaggedPrompt(p, List.of(new PromptTag("shapes", "a {color} {shape}", Map.of("color", c, "shape", shape)))));
            }
        }
        shapes.add(HOSTILE);
        prompts.add(new TaggedPrompt(HOSTILE, List.of(new PromptTag("shapes", HOSTILE, Map.of()))));
        for (String p : List.of("a circle", "a square", "something round", "something sharp")) {
            prompts.add(new TaggedPrompt(p, List.of()));
        }
        List<Long> seeds = Fixtures.seeds(6);
        AtlasRunner.run(atlas, fake, prompts, seeds, Fixtures::tokens, 8, p -> {});
        HStore store = HStore.open(Atlas.open(dir));
        Stats stats = new Stats(100, 99, 0.05, 1);
        List<DefaultsCell> cells = List.of(
                new DefaultsCell("color", "a circle", "color", colors, List.of("a red circle", "a blue circle")),
                new DefaultsCell("color", HOSTILE, "color", colors, List.of("a red circle", "a blue circle")),
                new DefaultsCell("color", "a square", "color", colors, List.of("a red square", "a blue square")));
        DefaultsAnalysis.Result defaults = DefaultsAnalysis.run(store, cells, seeds, stats, Projections.JAVA);
        DescriptorsAnalysis.Result desc = DescriptorsAnalysis.run(store,
                new DescriptorSet("shapes", List.of("a circle", HOSTILE), List.of("something round", "something sharp"), null),
                seeds, stats, Projections.JAVA);
        ClusterAnalysis.Result cl = ClusterAnalysis.run(store, new ClusterSpec("shapes", shapes, 3, ClusterMethod.BOTH, null),
                seeds, stats, Projections.JAVA);
        return new Report.Input("test <study>", store.atlas(), seeds, defaults, List.of(desc), List.of(cl),
                "H(p) = mean ... <b>not bold</b>");
    }
}

package io.hspace.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hspace.atlas.Atlas;
import io.hspace.atlas.AtlasRunner;
import io.hspace.atlas.AtlasSettings;
import io.hspace.atlas.FakeExtractor;
import io.hspace.atlas.Fixtures;
import io.hspace.atlas.HStore;
import io.hspace.atlas.TaggedPrompt;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DefaultsAnalysisTest {
    @TempDir
    Path tmp;

    private static final DefaultsCell PAIR = new DefaultsCell("t", "n", "f", List.of("a", "b"), List.of("n a", "n b"));

    /** x[0] = neutral, x[1..K] = variants; neutral per seed = sum w_i * variant_i + noise. */
    private static float[][][] synthetic(SplittableRandom r, double[] mix, int seeds, int dim, double noise) {
        int k = mix.length;
        float[][] dirs = new float[k][dim];
        for (int i = 0; i < k; i++) {
            for (int d = 0; d < dim; d++) {
                dirs[i][d] = (float) r.nextGaussian();
            }
        }
        float[][][] x = new float[k + 1][seeds][dim];
        for (int s = 0; s < seeds; s++) {
            float[] seedDir = new float[dim];
            for (int d = 0; d < dim; d++) {
                seedDir[d] = (float) r.nextGaussian();
            }
            for (int d = 0; d < dim; d++) {
                double n = seedDir[d] + noise * r.nextGaussian();
                for (int i = 0; i < k; i++) {
                    x[i + 1][s][d] = (float) (seedDir[d] + dirs[i][d] + noise * r.nextGaussian());
                    n += mix[i] * dirs[i][d];
                }
                x[0][s][d] = (float) n;
            }
        }
        return x;
    }

    @Test
    void mixtureWeightsAndScoresRecoverAPlantedMixture() {
        SplittableRandom r = new SplittableRandom(5);
        DefaultsCell cell = new DefaultsCell("t", "n", "f", List.of("a", "b", "c"), List.of("n a", "n b", "n c"));
        SeedGram g = new SeedGram(SeedVectors.of(synthetic(r, new double[] {0.7, 0.2, 0.1}, 16, 400, 0.3)), Projections.JAVA);
        DefaultsAnalysis.CellResult res = DefaultsAnalysis.cell(cell, StepSelection.ALL, g, new Stats(300, 199, 0.05, 1));
        assertEquals(0, res.top());
        assertEquals(0.7, res.weights().get(0).value(), 0.05);
        assertEquals(0.2, res.weights().get(1).value(), 0.05);
        assertTrue(res.weights().get(0).low() <= res.weights().get(0).value() && res.weights().get(0).value() <= res.weights().get(0).high());
        assertTrue(res.p() < 0.01, "p " + res.p());
        assertEquals(1.0, res.shares().get(0).value(), 1e-12, "every seed sits nearest the 0.7 variant");
    }

    @Test
    void signedPositionIsMinusOneAtTheFirstVariantAndPlusOneAtTheSecond() {
        SplittableRandom r = new SplittableRandom(6);
        Stats st = new Stats(50, 19, 0.05, 1);
        for (double t : new double[] {0.0, 0.25, 1.0}) {
            SeedGram g = new SeedGram(SeedVectors.of(synthetic(r, new double[] {1 - t, t}, 8, 300, 0.0)), Projections.JAVA);
            assertEquals(2 * t - 1, DefaultsAnalysis.cell(PAIR, StepSelection.ALL, g, st).position().value(), 1e-6, "t=" + t);
        }
    }

    @Test
    void permutationPValueIsUniformUnderTheNull() {
        SplittableRandom r = new SplittableRandom(7);
        int runs = 300;
        int below05 = 0;
        int below50 = 0;
        for (int run = 0; run < runs; run++) {
            // the neutral prompt sits exactly midway: no default, only seed noise
            SeedGram g = new SeedGram(SeedVectors.of(synthetic(r, new double[] {0.5, 0.5}, 12, 60, 1.0)), Projections.JAVA);
            double p = DefaultsAnalysis.cell(PAIR, StepSelection.ALL, g, new Stats(10, 199, 0.05, run)).p();
            below05 += p <= 0.05 ? 1 : 0;
            below50 += p <= 0.5 ? 1 : 0;
        }
        assertTrue(below05 / (double) runs < 0.09 && below05 / (double) runs > 0.01, "P(p<=0.05) = " + below05 / (double) runs);
        assertTrue(Math.abs(below50 / (double) runs - 0.5) < 0.09, "P(p<=0.5) = " + below50 / (double) runs);
    }

    @Test
    void findsAPlantedDefaultInAnAtlasPerStepAndPooled() throws Exception {
        List<String> colors = List.of("red", "green", "blue");
        FakeExtractor fake = new FakeExtractor(16, 4, 4, 0.5, 0)
                .plant("circle", colors, new double[] {0.7, 0.15, 0.15})
                .plant("square", colors, new double[] {0.1, 0.1, 0.8});
        AtlasSettings s = Fixtures.settings("fake-model-1");
        Atlas atlas = Atlas.openForWriting(tmp, s, fake.identity(), fake.capturedTimesteps(s));
        List<DefaultsCell> cells = new ArrayList<>();
        List<TaggedPrompt> prompts = new ArrayList<>();
        for (String shape : List.of("circle", "square")) {
            List<String> variants = colors.stream().map(c -> "a " + c + " " + shape).toList();
            cells.add(new DefaultsCell("color", "a " + shape, "color", colors, variants));
            prompts.add(new TaggedPrompt("a " + shape, List.of()));
            variants.forEach(v -> prompts.add(new TaggedPrompt(v, List.of())));
        }
        List<Long> seeds = Fixtures.seeds(40);
        AtlasRunner.run(atlas, fake, prompts, seeds, Fixtures::tokens, 16, p -> {});
        DefaultsAnalysis.Result res = DefaultsAnalysis.run(HStore.open(Atlas.open(tmp)), cells, seeds, new Stats(200, 199, 0.05, 3),
                Projections.JAVA);
        assertEquals(2, res.pooled().size());
        assertEquals(2, res.perStep().size());
        for (DefaultsAnalysis.CellResult c : res.pooled()) {
            String want = c.cell().neutral().equals("a circle") ? "red" : "blue";
            double share = c.cell().neutral().equals("a circle") ? 0.7 : 0.8;
            assertEquals(want, c.topLabel(), c.cell().neutral());
            assertTrue(c.q() < 0.05, "q " + c.q());
            int i = c.cell().labels().indexOf(want);
            assertTrue(c.shares().get(i).low() - 0.1 <= share && share <= c.shares().get(i).high() + 0.1,
                    "share " + c.shares().get(i) + " vs planted " + share);
        }
        for (List<DefaultsAnalysis.CellResult> step : res.perStep()) {
            assertEquals("red", step.get(0).topLabel());
        }
        assertTrue(res.pooled().get(0).strength() >= res.pooled().get(1).strength(), "sorted by strength");
    }
}

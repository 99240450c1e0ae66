package io.hspace.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hspace.atlas.Atlas;
import io.hspace.atlas.AtlasException;
import io.hspace.atlas.FakeExtractor;
import io.hspace.atlas.Fixtures;
import io.hspace.atlas.PromptTag;
import io.hspace.atlas.TaggedPrompt;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two models side by side: a moved default is found with an interval excluding 0; an unchanged one agrees. */
class CompareAnalysisTest {
    static final Stats STATS = new Stats(300, 19, 0.05, 3);

    /** neutral = sum mix_i variant_i per seed; variants and seed noise the same for every mix (same generator seed). */
    static SeedVectors model(double[] mix) {
        SplittableRandom r = new SplittableRandom(11);
        int k = mix.length;
        int dim = 200;
        int seeds = 16;
        float[][] dirs = new float[k][dim];
        for (float[] d : dirs) {
            for (int i = 0; i < dim; i++) {
                d[i] = (float) r.nextGaussian();
            }
        }
        float[][][] x = new float[k + 1][seeds][dim];
        for (int s = 0; s < seeds; s++) {
            for (int i = 0; i < dim; i++) {
                double base = r.nextGaussian();
                double n = base + 0.2 * r.nextGaussian();
                for (int v = 0; v < k; v++) {
                    x[v + 1][s][i] = (float) (base + dirs[v][i] + 0.2 * r.nextGaussian());
                    n += mix[v] * dirs[v][i];
                }
                x[0][s][i] = (float) n;
            }
        }
        return SeedVectors.of(x);
    }

    @Test
    void aMovedMixtureMovesAndAnUnchangedOneAgrees() {
        List<CompareAnalysis.Finding> moved = CompareAnalysis.paired(model(new double[] {0.8, 0.2}), model(new double[] {0.2, 0.8}),
                STATS, Projections.JAVA, "n", DefaultsAnalysis::scoresAndWeights);
        // {scores a, scores b, weights a, weights b}
        CompareAnalysis.Finding weightA = moved.get(2);
        assertEquals(0.8, weightA.a(), 0.05);
        assertEquals(0.2, weightA.b(), 0.05);
        assertEquals(weightA.b() - weightA.a(), weightA.diff(), 1e-12);
        assertTrue(weightA.moves() && weightA.high() < 0, weightA.toString());
        List<CompareAnalysis.Finding> same = CompareAnalysis.paired(model(new double[] {0.6, 0.4}), model(new double[] {0.6, 0.4}),
                STATS, Projections.JAVA, "n", DefaultsAnalysis::scoresAndWeights);
        same.forEach(f -> assertFalse(f.moves(), f.toString()));
    }

    @Test
    void atlasesWithDifferentPromptsAreRefusedNamingTheDifference(@TempDir Path tmp) {
        FakeExtractor fake = new FakeExtractor(4, 2, 2, 0.1, 0);
        Atlas a = Atlas.openForWriting(tmp.resolve("a"), Fixtures.settings(fake.identity().modelIdentity()), fake.identity(), new long[] {1});
        Atlas b = Atlas.openForWriting(tmp.resolve("b"), Fixtures.settings(fake.identity().modelIdentity()), fake.identity(), new long[] {1});
        a.addPrompts(List.of(prompt("a circle"), prompt("a star")));
        b.addPrompts(List.of(prompt("a circle"), prompt("a ring")));
        AtlasException e = assertThrows(AtlasException.class, () -> CompareAnalysis.requireSamePrompts(a, b));
        assertTrue(e.getMessage().contains("'a star'") && e.getMessage().contains("'a ring'"), e.getMessage());
        Atlas c = Atlas.openForWriting(tmp.resolve("c"), Fixtures.settings(fake.identity().modelIdentity()), fake.identity(), new long[] {1});
        c.addPrompts(List.of(prompt("a star"), prompt("a circle")));
        CompareAnalysis.requireSamePrompts(a, c);
    }

    static TaggedPrompt prompt(String text) {
        return new TaggedPrompt(text, List.of(new PromptTag("t", text, Map.of())));
    }
}

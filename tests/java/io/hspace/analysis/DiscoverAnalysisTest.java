package io.hspace.analysis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Discovery on synthetic seed vectors: a word whose seeds are shifted along a hidden direction
 * must rank first with a large effect, a high AUC and a small p-value; a word assigned at random
 * must not; the leave-one-out projections must equal their brute-force definition.
 */
class DiscoverAnalysisTest {
    static final int DIM = 40;
    static final Stats STATS = new Stats(200, 199, 0.05, 7);

    /** Seeds of "a thing": "red" on 70% of seeds shifts h along e0; "shiny" is random noise. */
    record World(List<Long> seeds, float[][] x, List<String> captions, Map<String, float[]> text) {}

    static World world(int n, double shift, long seed) {
        Random r = new Random(seed);
        float[][] x = new float[n][DIM];
        List<String> captions = new ArrayList<>();
        List<Long> seeds = new ArrayList<>();
        for (int s = 0; s < n; s++) {
            boolean red = r.nextDouble() < 0.7;
            boolean shiny = r.nextBoolean();
            for (int i = 0; i < DIM; i++) {
                x[s][i] = (float) (r.nextGaussian() + 3);
            }
            if (red) {
                x[s][0] += shift;
            }
            captions.add("a " + (red ? "red" : "blue") + (shiny ? " shiny" : "") + " thing");
            seeds.add((long) s);
        }
        float[] base = DiscoverAnalysis.mean(x, null, true);
        Map<String, float[]> text = new HashMap<>();
        float[] redText = base.clone();
        redText[0] += 1;
        text.put("red", redText);
        return new World(seeds, x, captions, text);
    }

    static DiscoverAnalysis.CellResult run(World w) {
        DiscoverCell cell = new DiscoverCell("t", "a thing", "a {word} thing", 3, 0);
        return DiscoverAnalysis.compute(cell, "test", w.seeds(), w.x(), w.captions(), w.text(), java.util.Set.of(), STATS,
                Projections.JAVA);
    }

    static DiscoverAnalysis.WordResult word(DiscoverAnalysis.CellResult r, String w) {
        return r.ranked().stream().filter(x -> x.word().equals(w)).findFirst().orElseThrow();
    }

    @Test
    void plantedWordRanksFirstWithLargeEffect() {
        DiscoverAnalysis.CellResult r = run(world(60, 3.0, 1));
        assertEquals("red", r.ranked().get(0).word(), r.words().toString());
        DiscoverAnalysis.WordResult red = word(r, "red");
        assertTrue(red.d() > 1.5, "d " + red.d());
        assertTrue(red.auc() > 0.9, "auc " + red.auc());
        assertTrue(red.dLow() <= red.d() && red.d() <= red.dHigh());
        assertTrue(red.p() <= 0.01, "p " + red.p());
        assertTrue(red.textCosine() > 0.8, "the caption direction is the text direction e0: " + red.textCosine());
        // "blue" is the complement: its direction is red's reversed, about as separable
        assertEquals(red.auc(), word(r, "blue").auc(), 0.05);
    }

    @Test
    void wordsUnrelatedToHAreRarelySignificant() {
        // no planted shift: every word is null, so p <= 0.05 should happen in about 5% of worlds
        int significant = 0;
        int tests = 0;
        double aucSum = 0;
        for (long seed = 100; seed < 120; seed++) {
            for (DiscoverAnalysis.WordResult w : run(world(40, 0.0, seed)).ranked()) {
                tests++;
                significant += w.p() <= 0.05 ? 1 : 0;
                assertTrue(w.q() >= w.p() - 1e-12, "BH never lowers a p-value");
                aucSum += w.auc();
            }
        }
        assertTrue(significant <= Math.max(3, tests / 8), significant + " of " + tests + " null words significant");
        assertEquals(0.5, aucSum / tests, 0.1, "cross-fitted AUCs of null words centre on 0.5");
        assertNull(word(run(world(40, 0.0, 1)), "shiny").textCosine(), "no text prompt was extracted for shiny");
    }

    @Test
    void wordsInEveryOrNoCaptionAreNotTested() {
        DiscoverAnalysis.CellResult r = run(world(30, 3.0, 3));
        assertTrue(!r.words().contains("a") && !r.words().contains("thing"), r.words().toString());
        assertEquals(List.of("red", "shiny"), DiscoverAnalysis.candidateWords(List.of("red shiny", "red", "red", "shiny", "shiny",
                "x", "red shiny"), 3));
    }

    @Test
    void wordsInNearlyEveryCaptionAreConstantUnlessThePromptOrEveryPromptHasThem() {
        // min_count 3 over 10 captions: "glossy" lacks from 2 (constant), "matte" from 3 (tested),
        // "thing" is the prompt's, "on" is nearly constant in the other prompt's captions too
        List<String> one = new ArrayList<>();
        for (int s = 0; s < 10; s++) {
            one.add("a " + (s < 8 ? "glossy " : "") + (s < 7 ? "matte " : "") + (s < 9 ? "round " : "") + "thing on a table");
        }
        List<String> other = java.util.Collections.nCopies(10, "a box on a shelf");
        java.util.Set<String> shared = DiscoverAnalysis.sharedConstantWords(List.of(one, other), 3);
        assertEquals(java.util.Set.of("a", "on"), shared);
        List<DiscoverAnalysis.ConstantWord> constant = DiscoverAnalysis.constantWords("a thing", one, 3, shared);
        assertEquals(List.of(new DiscoverAnalysis.ConstantWord("table", 10), new DiscoverAnalysis.ConstantWord("round", 9),
                new DiscoverAnalysis.ConstantWord("glossy", 8)), constant);
        assertEquals(List.of("matte"), DiscoverAnalysis.candidateWords(one, 3));
        assertEquals(java.util.Set.of(), DiscoverAnalysis.sharedConstantWords(List.of(one), 3), "one prompt: nothing is grammar");
        // in a cell result the constant words come first
        World w = world(30, 3.0, 3);
        List<String> captions = new ArrayList<>(w.captions());
        captions.replaceAll(c -> c.replace("thing", "glossy thing"));
        DiscoverAnalysis.CellResult r = DiscoverAnalysis.compute(new DiscoverCell("t", "a thing", "a {word} thing", 3, 0), "test",
                w.seeds(), w.x(), captions, w.text(), java.util.Set.of(), STATS, Projections.JAVA);
        assertEquals(List.of(new DiscoverAnalysis.ConstantWord("glossy", 30)), r.constant());
        assertEquals("glossy", r.words().get(0));
        assertEquals(r.ranked().get(0).word(), r.words().get(1));
    }

    @Test
    void crossFittedProjectionsMatchTheirDefinition() {
        World w = world(12, 1.0, 4);
        boolean[] y = new boolean[12];
        for (int s = 0; s < 12; s++) {
            y[s] = w.captions().get(s).contains("red");
        }
        int[] fold = DiscoverAnalysis.folds(y, 3, new java.util.SplittableRandom(9));
        double[] fast = DiscoverAnalysis.crossFitProjections(Projections.JAVA.gram(w.x(), w.x()), y, fold, 3);
        double[] slow = new double[12];
        for (int s = 0; s < 12; s++) {
            double[] a = new double[DIM];
            double[] b = new double[DIM];
            int na = 0;
            int nb = 0;
            for (int t = 0; t < 12; t++) {
                if (fold[t] == fold[s]) {
                    continue;
                }
                for (int i = 0; i < DIM; i++) {
                    (y[t] ? a : b)[i] += w.x()[t][i];
                }
                na += y[t] ? 1 : 0;
                nb += y[t] ? 0 : 1;
            }
            double dot = 0;
            double norm = 0;
            for (int i = 0; i < DIM; i++) {
                double d = a[i] / na - b[i] / nb;
                dot += d * (w.x()[s][i] - (a[i] / na + b[i] / nb) / 2);
                norm += d * d;
            }
            slow[s] = dot / Math.sqrt(norm);
        }
        assertArrayEquals(slow, fast, 1e-6);
    }

    @Test
    void resultsAreReproducible() {
        assertEquals(run(world(30, 2.0, 5)), run(world(30, 2.0, 5)));
    }

    @Test
    void textTemplateNeedsTheWordPlaceholder() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new DiscoverCell("t", "a thing", "a thing", 3, 0));
        assertTrue(e.getMessage().contains("{word}"), e.getMessage());
    }
}

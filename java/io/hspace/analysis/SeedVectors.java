package io.hspace.analysis;

import io.hspace.atlas.HStore;
import java.util.List;

/**
 * The per-seed vectors an analysis works on: {@code x[p][s]}, the h of prompt p and seed s averaged
 * over the selected captured steps (DESIGN.md's h(p, s) before the mean over seeds).
 */
public interface SeedVectors {
    /** Number of prompts. */
    int prompts();

    /** Number of seeds (the same for every prompt: seeds are paired across prompts). */
    int seeds();

    /** The vector of prompt p, seed index s. */
    float[] vector(int p, int s);

    /** Vectors held in memory, {@code x[prompt][seed][dim]}. */
    static SeedVectors of(float[][][] x) {
        return new SeedVectors() {
            @Override
            public int prompts() {
                return x.length;
            }

            @Override
            public int seeds() {
                return x[0].length;
            }

            @Override
            public float[] vector(int p, int s) {
                return x[p][s];
            }
        };
    }

    /** The atlas's vectors of {@code prompts} x {@code seeds} under a step selection (read once, on demand). */
    static SeedVectors of(HStore store, List<String> prompts, List<Long> seeds, StepSelection steps) {
        int[] ids = prompts.stream().mapToInt(store.atlas()::requirePromptId).toArray();
        int[] idx = steps.indices(store.steps());
        return new SeedVectors() {
            @Override
            public int prompts() {
                return ids.length;
            }

            @Override
            public int seeds() {
                return seeds.size();
            }

            @Override
            public float[] vector(int p, int s) {
                return store.mean(ids[p], seeds.get(s), idx);
            }
        };
    }
}

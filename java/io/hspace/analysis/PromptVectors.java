package io.hspace.analysis;

import io.hspace.atlas.Sampler;
import io.hspace.engine.Branch;
import io.hspace.engine.Engine;
import io.hspace.engine.ExtractRequest;
import io.hspace.engine.ExtractResult;
import io.hspace.engine.FloatTensor;
import io.hspace.engine.Pooling;
import io.hspace.prompt.ClipTokenizer;
import java.util.List;

/**
 * H of prompts extracted directly from an engine (no atlas): for each prompt the mean over
 * seeds and the given steps of one CFG branch's h, and the mean norm of the per-item,
 * per-step h (the scale {@link SteerAnalysis} measures alpha in).
 *
 * @param mean [prompts][values] H per prompt
 * @param shape one h's shape ([C, H', W'] or [C])
 * @param meanNorm mean over prompts, seeds and steps of ||h(p, s, t)||
 */
public record PromptVectors(float[][] mean, long[] shape, double meanNorm) {

    /**
     * Extracts prompts x seeds and averages.
     *
     * @param steps 0-based steps to capture (ascending)
     * @param branch cond: h read with each prompt; uncond: h of the same sampled latents read with
     *     the sampler's negative prompt (the reading conditioning uses for external images)
     * @param batchSize items per U-Net batch, 0 for all at once
     */
    public static PromptVectors extract(Engine engine, ClipTokenizer tokenizer, Sampler sampler, List<String> prompts,
            List<Long> seeds, int[] steps, Branch branch, Pooling pooling, int batchSize) {
        // Explicit (prompt, seed) items, prompt-major, as the atlas extracts: results are [items, K, ...].
        int[] itemPrompts = new int[prompts.size() * seeds.size()];
        long[] itemSeeds = new long[itemPrompts.length];
        for (int p = 0, i = 0; p < prompts.size(); p++) {
            for (long s : seeds) {
                itemPrompts[i] = p;
                itemSeeds[i++] = s;
            }
        }
        ExtractRequest request = request(tokenizer, sampler, prompts, null, itemPrompts, itemSeeds, steps, branch, pooling, false,
                batchSize);
        ExtractResult r = engine.extract(request);
        FloatTensor t = branch == Branch.UNCOND ? r.hUncond() : r.h();
        float[] h = t.data();
        long[] full = t.shape();  // [items, K, ...]
        long[] shape = java.util.Arrays.copyOfRange(full, 2, full.length);
        int perPrompt = seeds.size() * (int) full[1];
        int d = h.length / (prompts.size() * perPrompt);
        float[][] mean = new float[prompts.size()][d];
        double norms = 0;
        for (int p = 0; p < prompts.size(); p++) {
            double[] acc = new double[d];
            for (int k = 0; k < perPrompt; k++) {
                int off = (p * perPrompt + k) * d;
                double sq = 0;
                for (int j = 0; j < d; j++) {
                    acc[j] += h[off + j];
                    sq += (double) h[off + j] * h[off + j];
                }
                norms += Math.sqrt(sq);
            }
            for (int j = 0; j < d; j++) {
                mean[p][j] = (float) (acc[j] / perPrompt);
            }
        }
        return new PromptVectors(mean, shape, norms / (prompts.size() * perPrompt));
    }

    /** The extraction request the analyses use: CFG with the sampler's negative prompt, conditional h. */
    static ExtractRequest request(ClipTokenizer tokenizer, Sampler sampler, List<String> prompts, long[] seeds,
            int[] itemPrompts, long[] itemSeeds, int[] steps, Branch branch, Pooling pooling, boolean images, int batchSize) {
        int[][] ids = new int[prompts.size()][];
        for (int p = 0; p < ids.length; p++) {
            ids[p] = tokenizer.encode(prompts.get(p), true);
        }
        return new ExtractRequest(ids, null, tokenizer.encode(sampler.negativePrompt(), true), null,
                sampler.negativePrompt().isEmpty(), seeds, itemPrompts, itemSeeds, sampler.steps(), (float) sampler.guidance(),
                sampler.width(), sampler.height(), sampler.scheduler(), steps, branch, pooling, images, batchSize);
    }
}

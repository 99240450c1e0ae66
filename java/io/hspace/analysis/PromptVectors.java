package io.hspace.analysis;

import io.hspace.atlas.Sampler;
import io.hspace.engine.Branch;
import io.hspace.engine.Engine;
import io.hspace.engine.ExtractRequest;
import io.hspace.engine.ExtractResult;
import io.hspace.engine.FloatTensor;
import io.hspace.engine.Pooling;
import io.hspace.engine.Steering;
import io.hspace.prompt.ClipTokenizer;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * H of prompts extracted directly from an engine (no atlas): for each prompt the mean over
 * seeds and the given steps of one CFG branch's h, each (prompt, seed) item's mean over the
 * steps, and the mean norm of the per-item, per-step h (the scale {@link SteerAnalysis}
 * measures alpha in).
 *
 * @param mean [prompts][values] H per prompt
 * @param items [prompts x seeds][values] h per item averaged over the steps, prompt-major
 * @param shape one h's shape ([C, H', W'] or [C])
 * @param norms per prompt, the mean over seeds and steps of ||h(p, s, t)||
 */
public record PromptVectors(float[][] mean, float[][] items, long[] shape, double[] norms) {
    /** The mean over prompts, seeds and steps of ||h(p, s, t)|| (every prompt has the same seeds). */
    public double meanNorm() {
        return Arrays.stream(norms).average().orElse(Double.NaN);
    }

    /**
     * Extracts prompts x seeds and averages.
     *
     * @param steps 0-based steps to capture (ascending)
     * @param branch cond: h read with each prompt; uncond: h of the same sampled latents read with
     *     the sampler's negative prompt (the reading conditioning uses for external images)
     * @param batchSize items per U-Net batch, 0 for all at once
     * @param itemsDone told the (prompt, seed) items extracted so far after each batch
     */
    public static PromptVectors extract(Engine engine, ClipTokenizer tokenizer, Sampler sampler, List<String> prompts,
            List<Long> seeds, int[] steps, Branch branch, Pooling pooling, int batchSize, LongConsumer itemsDone) {
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
        ExtractResult r = run(engine, request, itemsDone);
        FloatTensor t = branch == Branch.UNCOND ? r.hUncond() : r.h();
        float[] h = t.data();
        long[] full = t.shape();  // [items, K, ...]
        long[] shape = Arrays.copyOfRange(full, 2, full.length);
        int captured = (int) full[1];
        int d = h.length / (itemPrompts.length * captured);
        float[][] items = new float[itemPrompts.length][d];
        double[] norms = new double[prompts.size()];
        for (int i = 0; i < items.length; i++) {
            for (int k = 0; k < captured; k++) {
                int off = (i * captured + k) * d;
                double sq = 0;
                for (int j = 0; j < d; j++) {
                    items[i][j] += h[off + j] / captured;
                    sq += (double) h[off + j] * h[off + j];
                }
                norms[i / seeds.size()] += Math.sqrt(sq) / ((double) seeds.size() * captured);
            }
        }
        float[][] mean = new float[prompts.size()][];
        for (int p = 0; p < prompts.size(); p++) {
            mean[p] = ConditionAnalysis.mean(Arrays.copyOfRange(items, p * seeds.size(), (p + 1) * seeds.size()));
        }
        return new PromptVectors(mean, items, shape, norms);
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

    /**
     * Runs a request of explicit items one batch of its batch size at a time (all items at once
     * for 0), telling {@code itemsDone} the items done after each. Every call encodes all the
     * prompts and the engine would cut the same batches, so the result equals one call's.
     */
    static ExtractResult run(Engine engine, ExtractRequest request, LongConsumer itemsDone) {
        if (request.itemPrompts() == null) {
            throw new IllegalArgumentException("an extraction run in batches needs explicit items, not the prompts x seeds grid");
        }
        int items = request.itemCount();
        int batch = request.batchSize() > 0 ? Math.min(request.batchSize(), items) : items;
        FloatTensor h = null;
        FloatTensor hUncond = null;
        FloatTensor images = null;
        float[] timesteps = null;
        for (int begin = 0; begin < items; begin += batch) {
            int end = Math.min(items, begin + batch);
            ExtractResult part = engine.extract(slice(request, begin, end));
            h = place(h, part.h(), begin, items);
            hUncond = place(hUncond, part.hUncond(), begin, items);
            images = place(images, part.images(), begin, items);
            timesteps = part.timesteps();
            itemsDone.accept(end);
        }
        return new ExtractResult(h, hUncond, timesteps, images);
    }

    /** Items [begin, end) of a request of explicit items, with their steering alphas. */
    static ExtractRequest slice(ExtractRequest r, int begin, int end) {
        Steering s = r.steering();
        return new ExtractRequest(r.promptIds(), r.promptIds2(), r.negativeIds(), r.negativeIds2(), r.negativeIsEmpty(), r.seeds(),
                Arrays.copyOfRange(r.itemPrompts(), begin, end), Arrays.copyOfRange(r.itemSeeds(), begin, end), r.steps(),
                r.guidance(), r.width(), r.height(), r.scheduler(), r.captureSteps(), r.branch(), r.pooling(), r.images(),
                r.batchSize(), s == null ? null : s.withAlphas(Arrays.copyOfRange(s.alphas(), begin, end)));
    }

    /** {@code part} ([n, ...], the items from {@code begin}) copied into {@code whole} ([items, ...], made on the first part). */
    private static FloatTensor place(FloatTensor whole, FloatTensor part, int begin, int items) {
        if (part == null || part.dim(0) == items) {
            return part;
        }
        int perItem = part.data().length / (int) part.dim(0);
        if (whole == null) {
            long[] shape = part.shape().clone();
            shape[0] = items;
            whole = new FloatTensor(shape, new float[Math.multiplyExact(items, perItem)]);
        }
        System.arraycopy(part.data(), 0, whole.data(), begin * perItem, part.data().length);
        return whole;
    }
}

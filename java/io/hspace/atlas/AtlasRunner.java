package io.hspace.atlas;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** Extracts what an atlas lacks for a list of prompts and seeds, one shard per batch. */
public final class AtlasRunner {
    private AtlasRunner() {}

    /** Turns a prompt into CLIP token ids (the engine's tokenizer, a fake in tests). */
    @FunctionalInterface
    public interface Tokenizer {
        int[] encode(String prompt);
    }

    /**
     * Progress after each committed batch.
     *
     * @param done items extracted so far in this run
     * @param total items this run has to extract
     * @param itemsPerSecond rate since the run started
     */
    public record Progress(long done, long total, double itemsPerSecond) {
        /** Seconds left at the current rate (NaN before the first batch). */
        public double etaSeconds() {
            return itemsPerSecond > 0 ? (total - done) / itemsPerSecond : Double.NaN;
        }
    }

    /**
     * What a run did.
     *
     * @param extracted items computed and committed
     * @param skipped items already present
     * @param repairs what {@link Atlas#recover()} repaired before the run
     */
    public record Summary(long extracted, long skipped, List<String> repairs) {}

    /**
     * Adds {@code prompts} to the atlas's table, then extracts every (prompt, seed) item it lacks,
     * prompt-major, {@code batchSize} items per batch, committing each batch as one shard. Items
     * already present are skipped, so a rerun after a crash resumes where the last commit ended.
     */
    public static Summary run(Atlas atlas, HExtractor extractor, List<TaggedPrompt> prompts, List<Long> seeds,
            Tokenizer tokenizer, int batchSize, Consumer<Progress> progress) throws Exception {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
        List<String> repairs = atlas.recover();
        int[] ids = atlas.addPrompts(prompts);
        List<WorkItem> todo = new ArrayList<>();
        long skipped = 0;
        for (int i = 0; i < prompts.size(); i++) {
            int[] tokens = null;
            for (long seed : seeds) {
                if (atlas.has(ids[i], seed)) {
                    skipped++;
                    continue;
                }
                if (tokens == null) {
                    tokens = tokenizer.encode(prompts.get(i).text());
                }
                todo.add(new WorkItem(ids[i], prompts.get(i).text(), tokens, seed));
            }
        }
        long start = System.nanoTime();
        long done = 0;
        for (int from = 0; from < todo.size(); from += batchSize) {
            List<WorkItem> batch = todo.subList(from, Math.min(todo.size(), from + batchSize));
            List<ItemResult> results = extractor.extract(atlas.settings(), batch);
            if (results.size() != batch.size()) {
                throw new AtlasException("extractor returned " + results.size() + " results for " + batch.size() + " items");
            }
            atlas.writeShard(batch, results);
            done += batch.size();
            double secs = Math.max(1e-9, (System.nanoTime() - start) / 1e9);
            progress.accept(new Progress(done, todo.size(), done / secs));
        }
        return new Summary(done, skipped, repairs);
    }
}

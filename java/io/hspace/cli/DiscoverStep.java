package io.hspace.cli;

import io.hspace.analysis.DiscoverAnalysis;
import io.hspace.analysis.DiscoverCell;
import io.hspace.analysis.Projections;
import io.hspace.analysis.SeedVectors;
import io.hspace.analysis.StepSelection;
import io.hspace.atlas.Atlas;
import io.hspace.atlas.AtlasRunner;
import io.hspace.atlas.CaptionStore;
import io.hspace.atlas.HExtractor;
import io.hspace.atlas.HStore;
import io.hspace.atlas.ItemKey;
import io.hspace.atlas.PromptTag;
import io.hspace.atlas.TaggedPrompt;
import io.hspace.caption.AtlasCaptions;
import io.hspace.caption.Captioner;
import io.hspace.caption.Captioners;
import io.hspace.engine.EngineOptions;
import io.hspace.study.Study;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The discover analyses of a study, in two steps: {@link #prepare} captions the images that lack
 * captions and extracts the text prompts of the words found (both resumable), and
 * {@link #analyse} computes the results from the atlas alone.
 */
final class DiscoverStep {
    private DiscoverStep() {}

    /**
     * Captions every discover prompt's images the atlas has no caption for, then extracts the
     * text prompt {@code text_template(word)} of each candidate word over the study's seeds.
     *
     * @param override a captioner spec replacing the study's (from the command line), or null
     */
    static void prepare(Study study, Atlas atlas, HExtractor extractor, AtlasRunner.Tokenizer tokenizer,
            Captioners.Spec override, EngineOptions options) throws Exception {
        for (Study.Discover d : study.discover()) {
            Map<List<Long>, List<TaggedPrompt>> text = new LinkedHashMap<>();
            try (Captioner captioner = Captioners.open(override != null ? override : d.captioner(), options)) {
                for (DiscoverCell cell : d.cells()) {
                    List<ItemKey> items = items(study, atlas, cell);
                    ProgressBar bar = new ProgressBar("caption", items.size());
                    CaptionStore store = AtlasCaptions.captionMissing(atlas, captioner, items, bar::update);
                    List<String> captions = items.stream().map(store::get).toList();
                    for (String w : DiscoverAnalysis.candidateWords(captions, cell.minCount())) {
                        text.computeIfAbsent(cell.textSeeds(study.seeds()), k -> new ArrayList<>()).add(new TaggedPrompt(cell.textPrompt(w),
                                List.of(new PromptTag("discover:" + d.name(), cell.textTemplate(), Map.of("word", w)))));
                    }
                }
            }
            for (Map.Entry<List<Long>, List<TaggedPrompt>> e : text.entrySet()) {
                ProgressBar bar = new ProgressBar("extract text prompts", (long) e.getValue().size() * e.getKey().size());
                AtlasRunner.run(atlas, extractor, e.getValue(), e.getKey(), tokenizer, study.batchSize(), p -> bar.update(p.done(), p.total()));
            }
        }
    }

    /**
     * Runs every discover cell on the atlas. Words whose text prompt the atlas lacks get no text
     * cosine.
     *
     * @throws io.hspace.caption.CaptionException when an image has no caption yet (run prepare first)
     */
    static List<DiscoverAnalysis.CellResult> analyse(Study study, Atlas atlas, HStore store, Projections projections,
            Captioners.Spec override, EngineOptions options) throws IOException {
        List<DiscoverAnalysis.CellResult> out = new ArrayList<>();
        for (Study.Discover d : study.discover()) {
            String name;
            try (Captioner captioner = Captioners.open(override != null ? override : d.captioner(), options)) {
                name = captioner.name();
            }
            CaptionStore captions = CaptionStore.open(atlas, name);
            List<List<String>> perCell = new ArrayList<>();
            for (DiscoverCell cell : d.cells()) {
                List<ItemKey> items = items(study, atlas, cell);
                if (!captions.missing(items).isEmpty()) {
                    throw new io.hspace.caption.CaptionException(captions.missing(items).size() + " images of '" + cell.prompt()
                            + "' have no caption by " + name + "; run hspace discover (or hspace run) first");
                }
                perCell.add(items.stream().map(captions::get).toList());
            }
            Set<String> shared = d.cells().isEmpty() ? Set.of() : DiscoverAnalysis.sharedConstantWords(perCell, d.cells().get(0).minCount());
            for (int c = 0; c < d.cells().size(); c++) {
                DiscoverCell cell = d.cells().get(c);
                List<String> texts = perCell.get(c);
                float[][] vectors = rows(store, cell.prompt(), study.seeds());
                Map<String, float[]> text = new LinkedHashMap<>();
                for (String w : DiscoverAnalysis.candidateWords(texts, cell.minCount())) {
                    int id = atlas.promptId(cell.textPrompt(w));
                    List<Long> seeds = cell.textSeeds(study.seeds());
                    if (id >= 0 && seeds.stream().allMatch(s -> store.has(id, s))) {
                        text.put(w, DiscoverAnalysis.mean(rows(store, cell.textPrompt(w), seeds), null, true));
                    }
                }
                out.add(DiscoverAnalysis.compute(cell, name, study.seeds(), vectors, texts, text, shared, study.stats(), projections));
            }
        }
        return out;
    }

    private static List<ItemKey> items(Study study, Atlas atlas, DiscoverCell cell) {
        int id = atlas.requirePromptId(cell.prompt());
        return study.seeds().stream().map(s -> new ItemKey(id, s)).toList();
    }

    private static float[][] rows(HStore store, String prompt, List<Long> seeds) {
        SeedVectors x = SeedVectors.of(store, List.of(prompt), seeds, StepSelection.ALL);
        float[][] rows = new float[x.seeds()][];
        for (int s = 0; s < rows.length; s++) {
            rows[s] = x.vector(0, s);
        }
        return rows;
    }
}

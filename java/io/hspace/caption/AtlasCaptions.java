package io.hspace.caption;

import io.hspace.atlas.Atlas;
import io.hspace.atlas.CaptionStore;
import io.hspace.atlas.ItemKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.LongConsumer;

/** Captions the atlas's images with a captioner, storing the captions in the atlas. */
public final class AtlasCaptions {
    /** Images sent to the captioner per call (and appended per flush). */
    public static final int BATCH = 64;

    private AtlasCaptions() {}

    /**
     * Captions those of {@code items} that the captioner's store lacks, {@link #BATCH} at a time,
     * appending each batch to the store (a rerun captions only what is missing).
     *
     * @param progress told the number of items captioned so far in this call
     * @return the store, holding a caption for every item
     * @throws CaptionException when the atlas holds no image of an item (study {@code images: true})
     */
    public static CaptionStore captionMissing(Atlas atlas, Captioner captioner, Collection<ItemKey> items, LongConsumer progress)
            throws IOException {
        CaptionStore store = CaptionStore.open(atlas, captioner.name());
        List<ItemKey> todo = store.missing(items);
        for (ItemKey k : todo) {
            if (!Files.isRegularFile(atlas.imagePath(k.promptId(), k.seed()))) {
                throw new CaptionException("the atlas " + atlas.dir() + " has no image of prompt '"
                        + atlas.prompts().get(k.promptId()).text() + "' seed " + k.seed()
                        + (atlas.settings().images() ? "" : " (it stores no images: set images: true in the study and rerun)"));
            }
        }
        long done = 0;
        for (int from = 0; from < todo.size(); from += BATCH) {
            List<ItemKey> batch = todo.subList(from, Math.min(todo.size(), from + BATCH));
            List<Path> paths = new ArrayList<>();
            for (ItemKey k : batch) {
                paths.add(atlas.imagePath(k.promptId(), k.seed()));
            }
            List<String> captions = captioner.caption(paths);
            if (captions.size() != batch.size()) {
                throw new CaptionException("captioner " + captioner.name() + " gave " + captions.size() + " captions for "
                        + batch.size() + " images");
            }
            store.append(batch, captions);
            done += batch.size();
            progress.accept(done);
        }
        return store;
    }
}

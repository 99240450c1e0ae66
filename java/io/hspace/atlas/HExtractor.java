package io.hspace.atlas;

import java.util.List;

/**
 * Computes h for batches of work items. The native engine implements it; tests use a fake.
 * Implementations must be deterministic: the same settings and item always give the same h,
 * whatever batch the item arrives in.
 */
public interface HExtractor {
    /** The model and engine this extractor runs. */
    ExtractorIdentity identity();

    /**
     * The diffusion timesteps of the captured steps under {@code settings}, in capture order
     * (recorded in the manifest and in exports).
     */
    long[] capturedTimesteps(AtlasSettings settings);

    /**
     * h for each item of {@code batch}, in the same order, every result with the same shape.
     *
     * @throws Exception when the engine fails; the atlas is left as it was before the batch
     */
    List<ItemResult> extract(AtlasSettings settings, List<WorkItem> batch) throws Exception;
}

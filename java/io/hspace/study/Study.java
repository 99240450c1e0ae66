package io.hspace.study;

import io.hspace.analysis.ConditionAnalysis;
import io.hspace.analysis.SteerAnalysis;

import io.hspace.analysis.ClusterSpec;
import io.hspace.analysis.DefaultsCell;
import io.hspace.analysis.DescriptorSet;
import io.hspace.analysis.Stats;
import io.hspace.atlas.AtlasSettings;
import io.hspace.atlas.CapturePlan;
import io.hspace.atlas.Sampler;
import io.hspace.atlas.TaggedPrompt;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A study, resolved from its file: what to extract and which analyses to run.
 *
 * @param file the study file
 * @param name the study's name
 * @param model the model folder (relative paths resolved against the study file's folder)
 * @param sampler the sampler
 * @param capture the capture plan, with "all"/"last" resolved to step indices
 * @param images whether images are decoded and stored
 * @param batchSize items per extraction batch (one shard each)
 * @param seeds the seeds, in file order, without repeats
 * @param prompts every distinct prompt to extract (prompt sets first, then prompts the analyses name), with tags
 * @param promptSets prompt set name to its prompts, in expansion order
 * @param defaults cells of the defaults analysis
 * @param descriptors descriptor analyses
 * @param clusters cluster analyses
 * @param stats resampling settings
 * @param warnings things the loader accepted but a user should know (merged duplicates)
 * @param discover discover analyses (their text prompts depend on the captions, so they are extracted later)
 * @param condition conditioning analyses ({@code analyses.condition})
 * @param steer steering analyses ({@code analyses.steer})
 */
public record Study(Path file, String name, Path model, Sampler sampler, CapturePlan capture, boolean images, int batchSize,
        List<Long> seeds, List<TaggedPrompt> prompts, Map<String, List<String>> promptSets, List<DefaultsCell> defaults,
        List<DescriptorSet> descriptors, List<ClusterSpec> clusters, Stats stats, List<String> warnings,
        List<Discover> discover, List<Condition> condition, List<Steer> steer) {

    /**
     * One discover entry.
     *
     * @param name the entry's name
     * @param cells one per prompt
     * @param captioner the captioner that captions the prompts' images
     */
    public record Discover(String name, List<io.hspace.analysis.DiscoverCell> cells, io.hspace.caption.Captioners.Spec captioner) {}

    /**
     * One {@code analyses.condition} entry.
     *
     * @param images the image folder (relative paths resolved against the study file's folder)
     * @param labels the labels JSONL, or null
     * @param spec the analysis settings
     */
    public record Condition(Path images, Path labels, ConditionAnalysis.Spec spec) {}

    /**
     * One {@code analyses.steer} entry.
     *
     * @param spec the analysis settings
     * @param captioner the captioner that reads the steered images (default the Toy World reader)
     */
    public record Steer(SteerAnalysis.Spec spec, io.hspace.caption.Captioners.Spec captioner) {}

    /** Reads and checks a study file (YAML or JSON). */
    public static Study load(Path file) {
        return StudyLoader.load(file);
    }

    /** The atlas settings of this study for a model of the given identity hash. */
    public AtlasSettings settings(String modelIdentity) {
        return new AtlasSettings(modelIdentity, sampler, capture, images);
    }
}

package io.hspace.study;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import java.util.LinkedHashMap;
import java.util.List;

/** The study file as written (bound strictly by Jackson); {@link StudyLoader} turns it into a {@link Study}. */
record StudyFile(
        String name,
        String model,
        SamplerSpec sampler,
        @JsonDeserialize(using = SeedsDeserializer.class) List<Long> seeds,
        CaptureSpec capture,
        Boolean images,
        @JsonProperty("batch_size") Integer batchSize,
        @JsonProperty("prompt_sets") List<PromptSetSpec> promptSets,
        AnalysesSpec analyses) {

    record SamplerSpec(String scheduler, Integer steps, Double guidance, String size,
            @JsonProperty("negative_prompt") String negativePrompt) {}

    record CaptureSpec(@JsonDeserialize(using = CaptureStepsDeserializer.class) List<Integer> steps,
            String branch, String pooling) {}

    record PromptSetSpec(String name, List<String> templates, LinkedHashMap<String, List<String>> slots, List<String> prompts) {}

    record AnalysesSpec(List<DefaultsSpec> defaults, List<DescriptorsSpec> descriptors, List<ClusterEntry> cluster,
            StatisticsSpec statistics, List<DiscoverSpec> discover, List<ConditionEntry> condition,
            List<SteerEntry> steer) {}

    record DiscoverSpec(String name, String prompt, LinkedHashMap<String, List<String>> over,
            @JsonProperty("text_template") String textTemplate, String captioner, String words,
            @JsonProperty("timeout_s") Integer timeoutSeconds, @JsonProperty("min_count") Integer minCount,
            @JsonProperty("text_seeds") Integer textSeeds) {}

    record DefaultsSpec(String name, String neutral, LinkedHashMap<String, List<String>> over,
            LinkedHashMap<String, FamilySpec> families) {}

    record FamilySpec(String variant, List<String> values) {}

    record DescriptorsSpec(String name, String concept, LinkedHashMap<String, List<String>> over, List<String> descriptors,
            String base) {}

    record ClusterEntry(String name, List<String> sets, Integer k, String method, String base) {}

    record ConditionEntry(String name, String images, String labels, LinkedHashMap<String, ConditionFamilySpec> families,
            Integer step, String mode, String pooling, String centre, String prompt, @JsonProperty("value_branch") String valueBranch,
            @JsonProperty("image_seed") Long imageSeed, @JsonProperty("noise_draws") Integer noiseDraws, String score,
            @JsonProperty("prompt_seeds") @JsonDeserialize(using = SeedsDeserializer.class) List<Long> promptSeeds) {}

    record ConditionFamilySpec(String template, List<String> values, LinkedHashMap<String, List<String>> over) {}

    record SteerEntry(String name, String from, String to, LinkedHashMap<String, List<String>> over,
            LinkedHashMap<String, List<String>> families, String steered, String target, List<Double> alphas,
            List<Integer> steps, String branch, String direction, String captioner, String words, @JsonProperty("timeout_s") Integer timeoutSeconds) {}

    record StatisticsSpec(Integer bootstrap, Integer permutations, Double alpha, Long seed) {}
}

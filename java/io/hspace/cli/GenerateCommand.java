package io.hspace.cli;

import io.hspace.atlas.AtlasSettings;
import io.hspace.atlas.EngineExtractor;
import io.hspace.atlas.ItemResult;
import io.hspace.atlas.WorkItem;
import io.hspace.engine.Engine;
import io.hspace.study.Seeds;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code hspace generate}: images only, to eyeball a model. */
@Command(name = "generate", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Generates images for prompts x seeds (PNG files named p<prompt>_s<seed>.png).",
        footer = {"", "Example:", "  hspace generate --model models/toy --prompt 'a red star on a white background' --seeds 0-7 --out out/images"})
final class GenerateCommand implements Callable<Integer> {
    @Option(names = "--model", description = "Diffusers model folder.", defaultValue = "models/toy")
    Path modelDir;

    @Option(names = "--prompt", description = "A prompt (repeatable).")
    List<String> prompts = new ArrayList<>();

    @Option(names = "--prompts", description = "UTF-8 file with one prompt per line.")
    Path promptFile;

    @Option(names = "--seeds", description = "Seeds and ranges, e.g. 7,1234 or 0-15.", required = true)
    String seeds;

    @Option(names = "--out", description = "Output folder.", required = true)
    Path out;

    @Mixin
    SamplingOptions sampling;

    @Mixin
    ModelOptions model;

    @Override
    public Integer call() throws Exception {
        List<String> all = PromptFiles.collect(prompts, promptFile);
        List<Long> seedList = Seeds.parse(seeds);
        Files.createDirectories(out);
        try (Engine engine = model.open(modelDir)) {
            EngineExtractor extractor = EngineExtractor.of(engine, model.engineDescription());
            AtlasSettings settings = sampling.settings(engine, extractor.identity().modelIdentity(), true);
            PromptFiles.warnTruncated(extractor.tokenizer(), all);
            List<WorkItem> items = new ArrayList<>();
            for (int p = 0; p < all.size(); p++) {
                for (long s : seedList) {
                    items.add(new WorkItem(p, all.get(p), null, s));
                }
            }
            ProgressBar bar = new ProgressBar("generate", items.size());
            bar.update(0);
            for (int begin = 0; begin < items.size(); begin += Math.max(1, sampling.batch)) {
                List<WorkItem> batch = items.subList(begin, Math.min(items.size(), begin + Math.max(1, sampling.batch)));
                List<ItemResult> results = extractor.extract(settings, batch);
                for (int i = 0; i < batch.size(); i++) {
                    Files.write(out.resolve(ExtractCommand.imageName(batch.get(i))), results.get(i).png());
                }
                bar.update(begin + batch.size());
            }
        }
        System.out.println("wrote images to " + out);
        return 0;
    }
}

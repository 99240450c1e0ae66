package io.hspace.cli;

import io.hspace.atlas.Atlas;
import io.hspace.atlas.AtlasExport;
import io.hspace.atlas.HStore;
import io.hspace.atlas.TaggedPrompt;
import io.hspace.study.Seeds;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code hspace export}: an atlas (or part of it) in the extract format. */
@Command(name = "export", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Writes an atlas's h vectors as OUT/h.safetensors (fp32, [prompts, seeds, steps, ...]) and OUT/index.json.",
        footer = {"", "Example:", "  hspace export --atlas out/toyworld/atlas --seeds 0-15 --out out/export"})
final class ExportCommand implements Callable<Integer> {
    @Option(names = "--atlas", description = "Atlas folder.", required = true)
    Path atlasDir;

    @Option(names = "--seeds", description = "Seeds to export (each must be present for every prompt).", required = true)
    String seeds;

    @Option(names = "--out", description = "Output folder.", required = true)
    Path out;

    @Override
    public Integer call() throws Exception {
        Atlas atlas = Atlas.open(atlasDir);
        List<String> prompts = atlas.prompts().stream().map(TaggedPrompt::text).toList();
        AtlasExport.export(HStore.open(atlas), prompts, Seeds.parse(seeds), out);
        System.out.println("wrote " + out.resolve("h.safetensors") + " and " + out.resolve("index.json"));
        return 0;
    }
}

package io.hspace.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hspace.atlas.Atlas;
import io.hspace.atlas.AtlasSettings;
import io.hspace.atlas.EngineExtractor;
import io.hspace.atlas.ItemResult;
import io.hspace.atlas.Safetensors;
import io.hspace.atlas.WorkItem;
import io.hspace.engine.Branch;
import io.hspace.engine.Engine;
import io.hspace.study.Seeds;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code hspace extract}: h for every prompt x seed, written as {@code DIR/h.safetensors}
 * ({@code h} [prompts, seeds, captured steps, C, H, W] fp32, {@code h_uncond} for branch both),
 * {@code DIR/index.json} and, with {@code --images}, {@code DIR/images/}.
 */
@Command(name = "extract", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Extracts h-space vectors (U-Net mid-block outputs) for prompts x seeds.",
        footer = {"", "Example:", "  hspace extract --model models/toy --prompt 'a red circle' --prompt 'a circle' \\",
            "      --seeds 0-15 --steps 10 --capture last --out out/extract"})
final class ExtractCommand implements Callable<Integer> {
    @Option(names = "--model", description = "Diffusers model folder.", defaultValue = "models/toy")
    Path modelDir;

    @Option(names = "--prompt", description = "A prompt (repeatable).")
    List<String> prompts = new ArrayList<>();

    @Option(names = "--prompts", description = "UTF-8 file with one prompt per line.")
    Path promptFile;

    @Option(names = "--seeds", description = "Seeds and ranges, e.g. 7,1234 or 0-15.", required = true)
    String seeds;

    @Option(names = "--images", description = "Also decode and save the images (runs every step).")
    boolean images;

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
        if (sampling.batch < 1) {
            throw new IllegalArgumentException("--batch must be at least 1, got " + sampling.batch);
        }
        try (Engine engine = model.open(modelDir)) {
            EngineExtractor extractor = EngineExtractor.of(engine, model.engineDescription());
            AtlasSettings settings = sampling.settings(engine, extractor.identity().modelIdentity(), images);
            PromptFiles.warnTruncated(extractor.tokenizer(), all);
            write(extractor, settings, all, seedList);
        }
        return 0;
    }

    private void write(EngineExtractor extractor, AtlasSettings settings, List<String> all, List<Long> seedList)
            throws Exception {
        Files.createDirectories(out);
        if (images) {
            Files.createDirectories(out.resolve("images"));
        }
        List<WorkItem> items = new ArrayList<>();
        for (int p = 0; p < all.size(); p++) {
            for (long s : seedList) {
                items.add(new WorkItem(p, all.get(p), null, s));
            }
        }
        boolean both = settings.capture().branch() == Branch.BOTH;
        Path target = out.resolve("h.safetensors");
        Path tmp = out.resolve(".h.safetensors.tmp");
        ProgressBar bar = new ProgressBar("extract", items.size());
        bar.update(0);
        long[] itemShape = null;
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            long dataStart = 0;
            long itemBytes = 0;
            for (int begin = 0; begin < items.size(); begin += sampling.batch) {
                List<WorkItem> batch = items.subList(begin, Math.min(items.size(), begin + sampling.batch));
                List<ItemResult> results = extractor.extract(settings, batch);
                if (itemShape == null) {
                    itemShape = java.util.Arrays.stream(results.get(0).shape()).asLongStream().toArray();
                    ByteBuffer header = header(all.size(), seedList.size(), itemShape, both);
                    dataStart = header.remaining();
                    itemBytes = 4L * results.get(0).h().length;
                    ch.write(header, 0);
                }
                for (int i = 0; i < batch.size(); i++) {
                    long index = begin + i;
                    ItemResult r = results.get(i);
                    ch.write(floats(r.h()), dataStart + index * itemBytes);
                    if (both) {
                        ch.write(floats(r.hUncond()), dataStart + (items.size() + index) * itemBytes);
                    }
                    if (r.png() != null) {
                        Files.write(out.resolve("images").resolve(imageName(batch.get(i))), r.png());
                    }
                }
                bar.update(begin + batch.size());
            }
            ch.force(true);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        writeIndex(extractor, settings, all, seedList);
        System.out.println("wrote " + target + " (h " + java.util.Arrays.toString(shape(all.size(), seedList.size(), itemShape))
                + ") and " + out.resolve("index.json"));
    }

    static String imageName(WorkItem item) {
        return String.format("p%04d_s%d.png", item.promptId(), item.seed());
    }

    private static long[] shape(int prompts, int seeds, long[] item) {
        long[] shape = new long[item.length + 2];
        shape[0] = prompts;
        shape[1] = seeds;
        System.arraycopy(item, 0, shape, 2, item.length);
        return shape;
    }

    private static ByteBuffer header(int prompts, int seeds, long[] item, boolean both) {
        List<Safetensors.Spec> specs = new ArrayList<>();
        specs.add(new Safetensors.Spec("h", "F32", shape(prompts, seeds, item)));
        if (both) {
            specs.add(new Safetensors.Spec("h_uncond", "F32", shape(prompts, seeds, item)));
        }
        return Safetensors.header(Map.of("format", "hspace-extract/1"), specs);
    }

    private static ByteBuffer floats(float[] values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return b;
    }

    private void writeIndex(EngineExtractor extractor, AtlasSettings settings, List<String> all, List<Long> seedList)
            throws java.io.IOException {
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode index = json.createObjectNode();
        index.put("format", "hspace-extract/1");
        all.forEach(index.putArray("prompts")::add);
        seedList.forEach(index.putArray("seeds")::add);
        for (long t : extractor.capturedTimesteps(settings)) {
            index.withArray("timesteps").add(t);
        }
        settings.capture().steps().forEach(index.putArray("capture_steps")::add);
        ObjectNode s = index.putObject("settings");
        s.put("model", modelDir.toString());
        s.put("model_identity", settings.modelIdentity());
        s.put("scheduler", settings.sampler().scheduler().label());
        s.put("steps", settings.sampler().steps());
        s.put("guidance", settings.sampler().guidance());
        s.put("size", settings.sampler().size());
        s.put("negative_prompt", settings.sampler().negativePrompt());
        s.put("branch", settings.capture().branch().label());
        s.put("pooling", settings.capture().pooling().label());
        s.put("images", images);
        s.put("dtype", model.dtype.label());
        s.put("device", model.device);
        ObjectNode v = index.putObject("versions");
        v.put("engine", extractor.identity().engine());
        v.put("hspace", Atlas.version());
        v.put("java", System.getProperty("java.version"));
        Path tmp = out.resolve(".index.json.tmp");
        json.writeValue(tmp.toFile(), index);
        Files.move(tmp, out.resolve("index.json"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}

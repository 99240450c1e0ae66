package io.hspace.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hspace.analysis.NativeProjections;
import io.hspace.atlas.AtlasSettings;
import io.hspace.atlas.CapturePlan;
import io.hspace.atlas.EngineExtractor;
import io.hspace.atlas.ItemResult;
import io.hspace.atlas.Sampler;
import io.hspace.atlas.WorkItem;
import io.hspace.condition.ConditionAnalysis;
import io.hspace.condition.ImageFolder;
import io.hspace.engine.Branch;
import io.hspace.engine.ConditionMode;
import io.hspace.engine.ConditionRequest;
import io.hspace.engine.ConditionResult;
import io.hspace.engine.Engine;
import io.hspace.engine.Pooling;
import io.hspace.engine.Scheduler;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code hspace condition}: reads a folder of external images through prompt directions
 * (image -> VAE -> noised to a step or DDIM-inverted -> h -> best class prompt), with accuracy and
 * a confusion table when labels are given.
 */
@Command(name = "condition", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = {"Image conditioning: each image of a folder is encoded, noised to STEP (or DDIM-inverted), and its h is",
            "scored against the class prompts TEMPLATE(value) by cos(h - mu, H(class) - mu). With --labels: accuracy and",
            "the confusion table. Writes OUT/condition.json."},
        footer = {"", "Example (Toy World renders with labels):",
            "  hspace toyworld render --n 60 --priors models/toy/priors.json --out rendered",
            "  hspace condition --model models/toy --images rendered/images --labels rendered/captions.jsonl \\\\",
            "      --attribute color --values red,green,blue,yellow,purple,orange --template 'a {value} shape'"})
final class ConditionCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "Diffusers model folder.")
    Path modelDir;

    @Option(names = "--images", required = true, description = "Folder of colour images of one size (nothing else).")
    Path images;

    @Option(names = "--labels", description = "JSONL, one {\"file\", \"attributes\": {NAME: value}} line per image (file relative to it).")
    Path labels;

    @Option(names = "--attribute", description = "The attribute the labels give.", defaultValue = "class")
    String attribute;

    @Option(names = "--values", required = true, split = ",", description = "The classes.")
    List<String> values;

    @Option(names = "--template", required = true, description = "Class prompt, with {value}.")
    String template;

    @Option(names = "--prompt", description = "The prompt images are read with.", defaultValue = "")
    String prompt;

    @Option(names = "--steps", defaultValue = "10", description = "Sampler steps.")
    int steps;

    @Option(names = "--step", defaultValue = "5", description = "0-based step h is read at.")
    int step;

    @Option(names = "--mode", defaultValue = "noise", description = "noise | invert.")
    String mode;

    @Option(names = "--guidance", defaultValue = "1.0", description = "Guidance of the class prompts' sampling.")
    double guidance;

    @Option(names = "--class-seeds", defaultValue = "8", description = "Seeds averaged into each class prompt's H.")
    int classSeeds;

    @Option(names = "--out", defaultValue = "out/condition", description = "Output folder.")
    Path out;

    @Mixin
    ModelOptions model;

    @Override
    public Integer call() throws Exception {
        if (!template.contains("{value}")) {
            throw new IllegalArgumentException("--template '" + template + "' must contain {value}");
        }
        String ignore = labels != null && labels.toAbsolutePath().getParent().equals(images.toAbsolutePath()) ? labels.getFileName().toString()
                : null;
        List<ImageFolder.Entry> entries = ImageFolder.load(images, ignore);
        int w = entries.get(0).image().getWidth();
        int h = entries.get(0).image().getHeight();
        List<String> files = entries.stream().map(e -> e.file().getFileName().toString()).toList();
        List<String> truth = labels == null ? null : labelsOf(entries);
        try (Engine engine = model.open(modelDir)) {
            EngineExtractor extractor = EngineExtractor.of(engine, model.engineDescription());
            long[] seeds = new long[entries.size()];
            for (int i = 0; i < seeds.length; i++) {
                seeds[i] = i;
            }
            ConditionResult r = engine.condition(ConditionRequest.builder(
                    ConditionRequest.pixels(entries.stream().map(ImageFolder.Entry::image).toList(), w, h),
                    extractor.tokenizer().encode(prompt, true)).steps(steps, step).mode(ConditionMode.lookup(mode)).seeds(seeds)
                    .build());
            float[][] hv = rows(r.h().data(), entries.size());
            Sampler sampler = new Sampler(Scheduler.lookup("model"), steps, guidance, w, h, "");
            AtlasSettings settings = new AtlasSettings(extractor.identity().modelIdentity(), sampler,
                    new CapturePlan(List.of(step), Branch.COND, Pooling.NONE), false);
            float[][] classH = new float[values.size()][];
            for (int c = 0; c < values.size(); c++) {
                String text = template.replace("{value}", values.get(c));
                List<WorkItem> items = new ArrayList<>();
                for (int s = 0; s < classSeeds; s++) {
                    items.add(new WorkItem(c, text, extractor.tokenizer().encode(text), s));
                }
                List<ItemResult> res = extractor.extract(settings, items);
                float[][] per = res.stream().map(ItemResult::h).toArray(float[][]::new);
                classH[c] = io.hspace.analysis.DiscoverAnalysis.mean(per, null, true);
            }
            ConditionAnalysis.Result result = ConditionAnalysis.compute(files, hv, values, classH, truth, new NativeProjections(model.device));
            Files.createDirectories(out);
            StudyAnalyses.JSON.writeValue(out.resolve("condition.json").toFile(), result);
            System.out.printf(Locale.ROOT, "%d images, timestep %.0f; ", entries.size(), r.timestep());
            if (result.labelled() > 0) {
                System.out.printf(Locale.ROOT, "accuracy %.4f over %d labelled images%nconfusion (rows: label, columns: predicted) %s%n",
                        result.accuracy(), result.labelled(), values);
                for (int i = 0; i < values.size(); i++) {
                    System.out.println(values.get(i) + " " + java.util.Arrays.toString(result.confusion()[i]));
                }
            } else {
                System.out.println("no labels");
            }
        }
        return 0;
    }

    private List<String> labelsOf(List<ImageFolder.Entry> entries) throws Exception {
        Map<Path, String> byFile = new HashMap<>();
        ObjectMapper json = new ObjectMapper();
        Path base = labels.toAbsolutePath().getParent();
        int line = 0;
        for (String l : Files.readAllLines(labels, StandardCharsets.UTF_8)) {
            line++;
            if (l.isBlank()) {
                continue;
            }
            JsonNode n = json.readTree(l);
            JsonNode v = n.path("attributes").has(attribute) ? n.path("attributes").get(attribute) : n.get(attribute);
            if (!n.hasNonNull("file") || v == null || v.isNull()) {
                throw new IllegalArgumentException(labels + ":" + line + ": needs \"file\" and \"" + attribute + "\" (top level or in attributes)");
            }
            byFile.put(base.resolve(n.get("file").asText()).normalize(), v.asText());
        }
        List<String> out = new ArrayList<>();
        for (ImageFolder.Entry e : entries) {
            out.add(byFile.get(e.file().toAbsolutePath().normalize()));
        }
        return out;
    }

    private static float[][] rows(float[] flat, int n) {
        int d = flat.length / n;
        float[][] out = new float[n][];
        for (int i = 0; i < n; i++) {
            out[i] = java.util.Arrays.copyOfRange(flat, i * d, (i + 1) * d);
        }
        return out;
    }
}

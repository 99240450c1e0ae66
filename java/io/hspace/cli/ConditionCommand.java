package io.hspace.cli;

import io.hspace.analysis.ConditionAnalysis;
import io.hspace.analysis.ImageFolder;
import io.hspace.analysis.ImageLabels;
import io.hspace.analysis.NativeProjections;
import io.hspace.analysis.Stats;
import io.hspace.atlas.Sampler;
import io.hspace.engine.Branch;
import io.hspace.engine.ConditionMode;
import io.hspace.engine.Engine;
import io.hspace.engine.Pooling;
import io.hspace.prompt.ClipTokenizer;
import io.hspace.report.ValidationReport;
import io.hspace.study.Seeds;
import io.hspace.toyworld.Attribute;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code hspace condition}: external images read through prompt directions. */
@Command(name = "condition", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Reads a folder of images through prompt directions: each image's h (VAE encode, noised to a step or "
                + "DDIM-inverted) is assigned, per attribute family, the value whose prompt H at the same step it scores "
                + "highest against (--score). With --labels: accuracy with a bootstrap interval and a confusion table. Writes "
                + "condition.json, condition.csv and condition.html into --out.",
        footer = {"", "Non-image files (by extension) are skipped with a warning; images of another size are resized to "
                + "--size; grayscale is converted to RGB. The value prompts are sampled with --scheduler, --steps and --guidance.", "", "Example:",
            "  hspace toyworld render --n 200 --priors models/toy/priors.json --seed 7 --out /tmp/render",
            "  hspace condition /tmp/render/images --labels /tmp/render/captions.jsonl --steps 10 --step 8 --out out/condition"})
final class ConditionCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "IMAGES", description = "Folder of images (not recursive).")
    Path images;

    @Option(names = "--labels", description = "JSONL of {\"file\", \"attributes\"} per image (hspace toyworld render's captions.jsonl).")
    Path labels;

    @Option(names = "--family", description = "NAME:TEMPLATE:V1,V2,... e.g. 'color:a {value} shape:red,green,blue' "
            + "(repeatable); default: the Toy World families, each value's H averaged over full captions of the other attributes.")
    List<String> families = new ArrayList<>();

    @Option(names = "--step", description = "0-based step the images are read at (and the prompts captured at).", defaultValue = "8")
    int step;

    @Option(names = "--mode", description = "noise or invert (invert: --scheduler model or ddim).", defaultValue = "noise")
    String mode;

    @Option(names = "--pool", description = "none or spatial-mean.", defaultValue = "none")
    String pool;

    @Option(names = "--centre", description = "prompts or images (what h and H are centred on).", defaultValue = "images")
    String centre;

    @Option(names = "--prompt", description = "The prompt the images' h is read with (also the value extraction's negative prompt).",
            defaultValue = "")
    String prompt;

    @Option(names = "--value-branch", description = "uncond (value prompts' sampled latents read with --prompt, as the images are) "
            + "or cond (read with the value prompt).", defaultValue = "uncond")
    String valueBranch;

    @Option(names = "--score", description = "discriminant (value H with the within-value covariance of the value prompts' "
            + "seeds, shrunk) or cosine (of the centred vectors).", defaultValue = "discriminant")
    String score;

    @Option(names = "--prompt-seeds", description = "Seeds of the value-prompt extraction: their spread is the "
            + "discriminant's covariance, which more seeds estimate better (docs/METHOD.md).", defaultValue = "0-15")
    String promptSeeds;

    @Option(names = "--image-seed", description = "Noise seed of the first image (image i: seed + i).", defaultValue = "0")
    long imageSeed;

    @Option(names = "--noise-draws", description = "Noise draws per image (noise mode): its h is their mean, as a prompt's H "
            + "is the mean over its seeds. Draw k of image i has seed image-seed + k N + i for N images.", defaultValue = "1")
    int noiseDraws;

    @Mixin
    ValidationOptions validation;

    @Mixin
    ModelOptions model;

    @Override
    public Integer call() throws Exception {
        int batch = validation.batchSize();
        try (Engine engine = model.open(validation.modelDir)) {
            Sampler sampler = validation.sampler(engine, prompt);
            ImageFolder folder = ImageFolder.read(images, sampler.width(), sampler.height());
            warnSkipped(folder);
            List<Map<String, String>> truth = labels == null ? null : ImageLabels.read(labels, folder.files());
            ConditionAnalysis.Spec spec = new ConditionAnalysis.Spec("condition", parseFamilies(families), sampler, step,
                    ConditionMode.lookup(mode), Pooling.lookup(pool), prompt, Seeds.parse(promptSeeds), imageSeed, noiseDraws,
                    ConditionAnalysis.Centre.lookup(centre), Branch.lookup(valueBranch), ConditionAnalysis.Score.lookup(score));
            ClipTokenizer tokenizer = ClipTokenizer.load(validation.modelDir.resolve("tokenizer"));
            ProgressBar bar = new ProgressBar("condition", ConditionAnalysis.items(spec, folder.files().size()));
            bar.update(0);
            ConditionAnalysis.Result r = ConditionAnalysis.run(engine, tokenizer, spec, folder, truth, Stats.DEFAULT,
                    new NativeProjections(model.device), batch, bar::update);
            Files.createDirectories(validation.out);
            ValidationTables.writeCondition(validation.out, r);
            ValidationReport.writePage("condition", ValidationReport.condition(r), validation.out.resolve("condition.html"));
            for (ConditionAnalysis.FamilyResult f : r.families()) {
                System.out.println(f.accuracy() == null ? f.family() + ": no labels"
                        : String.format(Locale.ROOT, "%s accuracy %.3f [%.3f, %.3f] over %d images", f.family(),
                                f.accuracy().value(), f.accuracy().low(), f.accuracy().high(), f.labelled()));
            }
            System.out.println("wrote " + validation.out.resolve("condition.json") + ", condition.csv and condition.html");
        }
        return 0;
    }

    static void warnSkipped(ImageFolder folder) {
        if (!folder.skipped().isEmpty()) {
            System.err.println("warning: skipped " + folder.skipped().size() + " non-image files, e.g. " + folder.skipped().get(0));
        }
        if (folder.resized() > 0) {
            System.err.println("note: resized " + folder.resized() + " images to the model's size");
        }
    }

    /** NAME:TEMPLATE:V1,V2 specs; none gives the Toy World families. */
    static List<ConditionAnalysis.Family> parseFamilies(List<String> specs) {
        List<ConditionAnalysis.Family> out = new ArrayList<>();
        if (specs.isEmpty()) {
            // Each family's value stated in full captions, averaged over the other attributes.
            for (Attribute a : Attribute.values()) {
                Map<String, List<String>> over = new java.util.LinkedHashMap<>();
                String template = "a {size} {color} {shape} on a {background} background";
                for (Attribute other : Attribute.values()) {
                    if (other != a) {
                        over.put(other.word(), other.domain().stream().map(Attribute::wordOf).toList());
                    }
                }
                out.add(new ConditionAnalysis.Family(a.word(), template.replace("{" + a.word() + "}", "{value}"),
                        a.domain().stream().map(Attribute::wordOf).toList(), over));
            }
            return out;
        }
        for (String s : specs) {
            int first = s.indexOf(':');
            int last = s.lastIndexOf(':');
            if (first <= 0 || last == first) {
                throw new IllegalArgumentException("--family must look like 'color:a {value} shape:red,green', got '" + s + "'");
            }
            List<String> values = new ArrayList<>();
            for (String v : s.substring(last + 1).split(",")) {
                if (!v.isBlank()) {
                    values.add(v.trim());
                }
            }
            out.add(new ConditionAnalysis.Family(s.substring(0, first).trim(), s.substring(first + 1, last), values));
        }
        return out;
    }
}

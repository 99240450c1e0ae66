package io.hspace.cli;

import io.hspace.analysis.SteerAnalysis;
import io.hspace.analysis.Stats;
import io.hspace.atlas.Sampler;
import io.hspace.caption.Captioner;
import io.hspace.caption.Captioners;
import io.hspace.engine.Branch;
import io.hspace.engine.Engine;
import io.hspace.prompt.ClipTokenizer;
import io.hspace.report.ValidationReport;
import io.hspace.study.Seeds;
import io.hspace.toyworld.Attribute;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code hspace steer}: a text direction added to h while sampling, read back by a captioner. */
@Command(name = "steer", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Steers generation along d = H(to) - H(from) (rescaled to the mean norm of h, so alpha is unitless) at "
                + "chosen steps, for a sweep of alphas in one batched extraction; captions every image and reports the flip "
                + "rate (the steered family reads the target) and side effects (another family changes against alpha 0). "
                + "Writes steer.json, steer.csv, steer.html and images/ into --out.",
        footer = {"", "Example:",
            "  hspace steer --from 'a {shape}' --to 'a blue {shape}' --over shape=circle,square,star --steered color "
                    + "--target blue --alphas 0,0.5,1,2 --seeds 0-15 --steps 10 --out out/steer"})
final class SteerCommand implements Callable<Integer> {
    @Option(names = "--from", required = true, description = "Template sampled and steered, e.g. 'a {shape}'.")
    String from;

    @Option(names = "--to", required = true, description = "Template the direction points to, e.g. 'a blue {shape}'.")
    String to;

    @Option(names = "--over", description = "SLOT=V1,V2 values filling both templates (repeatable).")
    List<String> over = new ArrayList<>();

    @Option(names = "--family", description = "NAME=V1,V2 words read from captions (repeatable); default: the Toy World attributes.")
    List<String> families = new ArrayList<>();

    @Option(names = "--steered", required = true, description = "The family the direction should change.")
    String steered;

    @Option(names = "--target", required = true, description = "The value of --steered the direction points to.")
    String target;

    @Option(names = "--alphas", description = "Alphas (unitless: multiples of the mean norm of h); 0 is added.", defaultValue = "0,0.5,1,2",
            split = ",")
    List<Double> alphas;

    @Option(names = "--steer-steps", description = "0-based steps to steer at: all, or e.g. 0,1,2.", defaultValue = "all")
    String steerSteps;

    @Option(names = "--steer-branch", description = "The CFG branch(es) steered: cond (guidance then scales the shift's effect on "
            + "the prediction), both (the shift enters once) or uncond.", defaultValue = "cond")
    String steerBranch;

    @Option(names = "--direction", description = "pair (each from prompt along its own H(to) - H(from)) or mean (every prompt "
            + "along the pairs' mean).", defaultValue = "pair")
    String direction;

    @Option(names = "--captioner", paramLabel = "SPEC", description = "The captioner: toyworld | clip:DIR (with --words) | command:CMD.",
            defaultValue = "toyworld")
    String captioner;

    @Option(names = "--words", paramLabel = "FILE", description = "Word list of the clip: captioner, one word per line.")
    Path words;

    @Option(names = "--timeout", paramLabel = "SECONDS", description = "Time limit of one command: captioner call.", defaultValue = "600")
    long timeout;

    @Option(names = "--seeds", description = "Seeds per prompt.", defaultValue = "0-15")
    String seeds;

    @Mixin
    ValidationOptions validation;

    @Mixin
    ModelOptions model;

    @Override
    public Integer call() throws Exception {
        Path out = validation.out;
        int batch = validation.batchSize();
        try (Engine engine = model.open(validation.modelDir);
                Captioner c = Captioners.open(new Captioners.Spec(captioner, words, Duration.ofSeconds(timeout)), model.engineOptions())) {
            Sampler sampler = validation.sampler(engine, "");
            List<Integer> steps = SamplingOptions.captureSteps(steerSteps, sampler.steps());
            SteerAnalysis.Spec spec = new SteerAnalysis.Spec("steer", from, to, keyValues(over, "--over"),
                    families.isEmpty() ? toyWorldFamilies() : keyValues(families, "--family"), steered, target, alphas,
                    steps.size() == sampler.steps() ? List.of() : steps, Branch.lookup(steerBranch),
                    SteerAnalysis.Direction.lookup(direction), sampler, Seeds.parse(seeds));
            ClipTokenizer tokenizer = ClipTokenizer.load(validation.modelDir.resolve("tokenizer"));
            ProgressBar bar = new ProgressBar("steer", SteerAnalysis.items(spec));
            bar.update(0);
            SteerAnalysis.Result r = SteerAnalysis.run(engine, tokenizer, spec, c, out.resolve("images"), Stats.DEFAULT, batch, bar::update);
            Files.createDirectories(out);
            ValidationTables.writeSteer(out, r);
            ValidationReport.writePage("steer", ValidationReport.steer(r), out.resolve("steer.html"));
            List<SteerAnalysis.AlphaResult> rows = r.rows();
            for (int i = 0; i < rows.size(); i++) {
                SteerAnalysis.AlphaResult a = rows.get(i);
                System.out.printf(Locale.ROOT, "%s: flip %.3f [%.3f, %.3f], side effects %.3f [%.3f, %.3f]%n",
                        r.isPromptEdit(i) ? "prompt edit" : String.format(Locale.ROOT, "alpha %.3g", a.alpha()), a.flip().value(),
                        a.flip().low(), a.flip().high(), a.sideEffects().value(), a.sideEffects().low(), a.sideEffects().high());
            }
            System.out.println("wrote " + out.resolve("steer.json") + ", steer.csv and steer.html");
        }
        return 0;
    }

    /** The Toy World attributes as caption families (shape, color, size, background). */
    static Map<String, List<String>> toyWorldFamilies() {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (Attribute a : Attribute.values()) {
            out.put(a.word(), a.domain().stream().map(Attribute::wordOf).toList());
        }
        return out;
    }

    /** KEY=V1,V2 options as an ordered map; a key given twice is an error. */
    static Map<String, List<String>> keyValues(List<String> specs, String option) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String s : specs) {
            int eq = s.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException(option + " must look like key=v1,v2, got '" + s + "'");
            }
            List<String> values = new ArrayList<>();
            for (String v : s.substring(eq + 1).split(",")) {
                if (!v.isBlank()) {
                    values.add(v.trim());
                }
            }
            if (values.isEmpty() || out.put(s.substring(0, eq).trim(), values) != null) {
                throw new IllegalArgumentException(option + ": '" + s.substring(0, eq).trim() + "' has no values or is given twice");
            }
        }
        return out;
    }
}

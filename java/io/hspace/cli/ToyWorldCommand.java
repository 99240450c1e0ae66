package io.hspace.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hspace.toyworld.Adherence;
import io.hspace.toyworld.Attribute;
import io.hspace.toyworld.Attributes;
import io.hspace.toyworld.LabeledCaption;
import io.hspace.toyworld.PriorTable;
import io.hspace.toyworld.Reader;
import io.hspace.toyworld.Reading;
import io.hspace.toyworld.Renderer;
import io.hspace.toyworld.Stated;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.opencv_core.Mat;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code hspace toyworld}: the Toy World renderer and reader (DESIGN.md, "Toy World"). */
@Command(name = "toyworld", mixinStandardHelpOptions = true,
        description = "Toy World: render captioned training images from a prior table, and read attributes back from images.",
        subcommands = {ToyWorldCommand.Render.class, ToyWorldCommand.Read.class, ToyWorldCommand.Score.class, ToyWorldCheckCommand.class,
            CommandLine.HelpCommand.class},
        footer = {"", "Example:", "  hspace toyworld render --n 1000 --priors models/toy/priors.json --seed 1 --out /tmp/toy"})
public final class ToyWorldCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /**
     * Runs {@code toyworld} on its own, for tools/toyworld/train on checkouts without the
     * {@code tools/hspace} launcher; exits with the command's status.
     */
    public static void main(String[] args) {
        System.exit(new CommandLine(new ToyWorldCommand()).execute(args));
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** {@code hspace toyworld render}: images plus a JSONL of captions and true attributes. */
    @Command(name = "render", mixinStandardHelpOptions = true, showDefaultValues = true,
            description = "Draws N captions from the grammar and the prior table and renders their images to "
                    + "DIR/images/NNNNNN.png, with one JSON line per image in DIR/captions.jsonl "
                    + "(file, caption, attributes, left_out).",
            footer = {"", "Example:", "  hspace toyworld render --n 60000 --priors models/toy/priors.json --seed 0 --out .cache/toyworld/data"})
    static final class Render implements Callable<Integer> {
        @Option(names = "--n", required = true, description = "Number of images.")
        int n;

        @Option(names = "--priors", required = true, description = "Prior table JSON file (see models/toy/priors.json).")
        Path priors;

        @Option(names = "--seed", defaultValue = "0", description = "Seed of captions, attributes and jitter.")
        long seed;

        @Option(names = "--out", required = true, description = "Output folder (created).")
        Path out;

        @Override
        public Integer call() throws IOException {
            if (n <= 0) {
                throw new IllegalArgumentException("--n must be positive, got " + n);
            }
            PriorTable table = PriorTable.load(priors);
            Path images = out.resolve("images");
            Files.createDirectories(images);
            Renderer renderer = new Renderer();
            SplittableRandom rng = new SplittableRandom(seed);
            ObjectMapper json = new ObjectMapper();
            ProgressBar progress = new ProgressBar("render", n);
            try (BufferedWriter w = Files.newBufferedWriter(out.resolve("captions.jsonl"), StandardCharsets.UTF_8)) {
                for (int i = 0; i < n; i++) {
                    LabeledCaption c = table.drawCaption(rng);
                    String file = String.format("images/%06d.png", i);
                    try (Mat img = renderer.render(c.truth(), rng)) {
                        if (!opencv_imgcodecs.imwrite(out.resolve(file).toString(), img)) {
                            throw new IOException("could not write " + out.resolve(file));
                        }
                    }
                    ObjectNode line = json.createObjectNode();
                    line.put("file", file);
                    line.put("caption", c.caption());
                    line.set("attributes", attributesJson(json, c.truth().stated()));
                    ArrayNode left = line.putArray("left_out");
                    for (Attribute a : Attribute.values()) {
                        if (c.leftOut().contains(a)) {
                            left.add(a.word());
                        }
                    }
                    w.write(json.writeValueAsString(line));
                    w.newLine();
                    progress.update(i + 1);
                }
            }
            System.out.printf("wrote %d images and captions.jsonl to %s%n", n, out);
            return 0;
        }
    }

    /** {@code hspace toyworld read}: the reader's attributes and caption for each image. */
    @Command(name = "read", mixinStandardHelpOptions = true, showDefaultValues = true,
            description = "Reads shape, color, size and background from PNG images (files, or folders of *.png) "
                    + "and prints one JSON line per image (file, caption, attributes; an attribute that could "
                    + "not be read is null).",
            footer = {"", "Example:", "  hspace toyworld read samples/ --out readings.jsonl"})
    static final class Read implements Callable<Integer> {
        @Parameters(arity = "1..*", paramLabel = "IMAGE_OR_DIR", description = "PNG files or folders of PNG files.")
        List<Path> inputs;

        @Option(names = "--out", description = "Write the JSON lines here instead of standard output.")
        Path out;

        @Override
        public Integer call() throws IOException {
            List<Path> files = new ArrayList<>();
            for (Path p : inputs) {
                if (Files.isDirectory(p)) {
                    try (Stream<Path> s = Files.list(p)) {
                        s.filter(f -> f.toString().endsWith(".png")).sorted().forEach(files::add);
                    }
                } else if (Files.isRegularFile(p)) {
                    files.add(p);
                } else {
                    throw new IllegalArgumentException(p + " is neither a file nor a folder");
                }
            }
            Reader reader = new Reader();
            ObjectMapper json = new ObjectMapper();
            ProgressBar progress = new ProgressBar("read", files.size());
            long progressDone = 0;
            try (PrintStream o = out == null ? null : new PrintStream(Files.newOutputStream(out), false, StandardCharsets.UTF_8)) {
                PrintStream target = o == null ? System.out : o;
                for (Path f : files) {
                    Reading r;
                    try (Mat img = opencv_imgcodecs.imread(f.toString(), opencv_imgcodecs.IMREAD_COLOR)) {
                        if (img.empty()) {
                            throw new IOException("could not read image " + f);
                        }
                        r = reader.read(img);
                    }
                    ObjectNode line = json.createObjectNode();
                    line.put("file", f.toString());
                    line.put("caption", r.caption());
                    line.set("attributes", attributesJson(json, r.attributes()));
                    target.println(json.writeValueAsString(line));
                    progress.update(++progressDone);
                }
            }
            return 0;
        }
    }

    /** {@code hspace toyworld score}: the quality gates on images sampled from a model. */
    @Command(name = "score", mixinStandardHelpOptions = true, showDefaultValues = true,
            description = "Reads images generated for Toy World prompts and prints the quality gates: per-attribute "
                    + "accuracy on fully specified prompts, and every left-out attribute's measured frequencies "
                    + "against the prior table's. DIR/prompts.jsonl holds one {\"file\", \"prompt\"} line per "
                    + "image (file relative to DIR). Exits 1 when a gate fails.",
            footer = {"", "Example:", "  hspace toyworld score --priors models/toy/priors.json --samples /tmp/samples"})
    static final class Score implements Callable<Integer> {
        @Option(names = "--priors", required = true, description = "The prior table the model was trained on.")
        Path priors;

        @Option(names = "--samples", required = true, description = "Folder with prompts.jsonl and the images.")
        Path samples;

        @Override
        public Integer call() throws IOException {
            Adherence adherence = new Adherence(PriorTable.load(priors));
            Reader reader = new Reader();
            ObjectMapper json = new ObjectMapper();
            List<String> lines = Files.readAllLines(samples.resolve("prompts.jsonl"), StandardCharsets.UTF_8);
            ProgressBar progress = new ProgressBar("score", lines.size());
            long progressDone = 0;
            for (String l : lines) {
                JsonNode node = json.readTree(l);
                Path f = samples.resolve(node.get("file").asText());
                try (Mat img = opencv_imgcodecs.imread(f.toString(), opencv_imgcodecs.IMREAD_COLOR)) {
                    if (img.empty()) {
                        throw new IOException("could not read image " + f);
                    }
                    adherence.add(node.get("prompt").asText(), reader.read(img).attributes());
                }
                progress.update(++progressDone);
            }
            System.out.print(adherence.report(
                    String.format(Locale.ROOT, "samples %s, priors %s", samples, priors)));
            return adherence.passes() ? 0 : 1;
        }
    }

    private static ObjectNode attributesJson(ObjectMapper json, Stated s) {
        ObjectNode node = json.createObjectNode();
        for (Attribute a : Attribute.values()) {
            Enum<?> v = s.get(a);
            if (v == null) {
                node.putNull(a.word());
            } else {
                node.put(a.word(), Attribute.wordOf(v));
            }
        }
        return node;
    }
}

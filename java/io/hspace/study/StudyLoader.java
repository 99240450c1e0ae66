package io.hspace.study;

import io.hspace.analysis.ConditionAnalysis;
import io.hspace.analysis.SteerAnalysis;
import io.hspace.engine.ConditionMode;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.hspace.analysis.ClusterMethod;
import io.hspace.analysis.ClusterSpec;
import io.hspace.analysis.DefaultsCell;
import io.hspace.analysis.DescriptorSet;
import io.hspace.analysis.Stats;
import io.hspace.engine.Branch;
import io.hspace.atlas.CapturePlan;
import io.hspace.engine.Pooling;
import io.hspace.atlas.PromptTag;
import io.hspace.atlas.Sampler;
import io.hspace.engine.Scheduler;
import io.hspace.atlas.TaggedPrompt;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Binds a study file strictly (unknown keys, wrong types, duplicate keys and missing required keys
 * are errors naming the line and the key) and resolves templates into tagged prompts.
 */
final class StudyLoader {
    private static final Pattern SLOT = Pattern.compile("\\{([A-Za-z_][A-Za-z0-9_]*)}");

    private StudyLoader() {}

    static Study load(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new StudyException("cannot read study file " + file + ": " + e.getMessage(), e);
        }
        ObjectMapper mapper = mapper(file.toString().endsWith(".json"));
        StudyFile raw;
        try {
            raw = mapper.readValue(text, StudyFile.class);
        } catch (UnrecognizedPropertyException e) {
            // records are bound through a buffered creator, so Jackson reports the end of the object: find the key itself
            List<JsonMappingException.Reference> refs = e.getPath();
            JsonLocation at = keyLocations(mapper, text).getOrDefault(pathOf(refs), e.getLocation());
            throw new StudyException(where(file, at) + "unknown key '" + e.getPropertyName() + "'"
                    + inside(e) + "; valid keys here: " + new TreeSet<>(e.getKnownPropertyIds().stream().map(Object::toString).toList()), e);
        } catch (MismatchedInputException e) {
            JsonLocation at = keyLocations(mapper, text).getOrDefault(path(e), e.getLocation());
            throw new StudyException(where(file, at) + "wrong type for key '" + path(e) + "': "
                    + e.getOriginalMessage().replaceAll("\\(class [^)]*\\)", "").replaceAll("\\s+", " ").trim(), e);
        } catch (JsonProcessingException e) {
            throw new StudyException(where(file, e.getLocation()) + e.getOriginalMessage(), e);
        }
        if (raw == null) {
            throw new StudyException(file + ": the study file is empty");
        }
        try {
            return resolve(file, raw);
        } catch (IllegalArgumentException e) {
            throw new StudyException(file + ": " + e.getMessage(), e);
        }
    }

    private static ObjectMapper mapper(boolean json) {
        ObjectMapper m = json ? new JsonMapper() : new YAMLMapper(new YAMLFactory());
        m.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        m.enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        m.enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
        m.enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        m.disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);
        m.disable(MapperFeature.ALLOW_COERCION_OF_SCALARS);
        // YAML reads yes/no/on/off as booleans: "values: [yes, no]" must not silently become "true"/"false"
        m.coercionConfigFor(LogicalType.Textual).setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        m.coercionConfigFor(LogicalType.Integer).setCoercion(CoercionInputShape.String, CoercionAction.Fail);
        m.coercionConfigFor(LogicalType.Float).setCoercion(CoercionInputShape.String, CoercionAction.Fail);
        return m;
    }

    /** The location of every key and list element, by the path {@link #pathOf} gives it ("a.b[2].c"). */
    private static Map<String, JsonLocation> keyLocations(ObjectMapper mapper, String text) {
        Map<String, JsonLocation> out = new java.util.HashMap<>();
        try (JsonParser p = mapper.getFactory().createParser(text)) {
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                com.fasterxml.jackson.core.JsonStreamContext ctx = p.getParsingContext();
                if (t == JsonToken.FIELD_NAME) {
                    String parent = pathOfContext(ctx.getParent());
                    out.putIfAbsent((parent.isEmpty() ? "" : parent + ".") + p.currentName(), p.currentTokenLocation());
                } else if (ctx.inArray() || (ctx.getParent() != null && ctx.getParent().inArray() && t.isStructStart())) {
                    out.putIfAbsent(pathOfContext(t.isStructStart() ? ctx.getParent() : ctx), p.currentTokenLocation());
                }
            }
        } catch (IOException e) {
            // the binder reports the syntax error itself; the keys seen so far still help
            return out;
        }
        return out;
    }

    private static String pathOfContext(com.fasterxml.jackson.core.JsonStreamContext ctx) {
        List<String> parts = new ArrayList<>();
        for (com.fasterxml.jackson.core.JsonStreamContext c = ctx; c != null && !c.inRoot(); c = c.getParent()) {
            if (c.inObject()) {
                parts.add(0, c.getCurrentName() == null ? "" : "." + c.getCurrentName());
            } else if (c.inArray()) {
                parts.add(0, "[" + Math.max(0, c.getCurrentIndex()) + "]");
            }
        }
        String s = String.join("", parts);
        return s.startsWith(".") ? s.substring(1) : s;
    }

    private static String where(Path file, JsonLocation loc) {
        return loc == null || loc.getLineNr() < 1 ? file + ": " : file + ":" + loc.getLineNr() + ":" + loc.getColumnNr() + ": ";
    }

    private static String inside(JsonMappingException e) {
        List<JsonMappingException.Reference> refs = e.getPath();
        if (refs.size() <= 1) {
            return " at the top level";
        }
        return " in " + pathOf(refs.subList(0, refs.size() - 1));
    }

    private static String path(JsonMappingException e) {
        return pathOf(e.getPath());
    }

    private static String pathOf(List<JsonMappingException.Reference> refs) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference r : refs) {
            if (r.getFieldName() != null) {
                sb.append(sb.length() == 0 ? "" : ".").append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                sb.append('[').append(r.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    private static Study resolve(Path file, StudyFile raw) {
        String model = require(raw.model(), "model");
        Path modelPath = Path.of(model);
        if (!modelPath.isAbsolute() && file.toAbsolutePath().getParent() != null) {
            modelPath = file.toAbsolutePath().getParent().resolve(modelPath).normalize();
        }
        StudyFile.SamplerSpec s = require(raw.sampler(), "sampler");
        String[] size = (s.size() == null ? "512x512" : s.size()).split("x");
        if (size.length != 2 || !size[0].matches("\\d+") || !size[1].matches("\\d+")) {
            throw new IllegalArgumentException("sampler.size must be WIDTHxHEIGHT (e.g. 512x512), got '" + s.size() + "'");
        }
        Sampler sampler = new Sampler(Scheduler.lookup(require(s.scheduler(), "sampler.scheduler")),
                require(s.steps(), "sampler.steps"), s.guidance() == null ? 7.5 : s.guidance(),
                Integer.parseInt(size[0]), Integer.parseInt(size[1]), s.negativePrompt());

        StudyFile.CaptureSpec c = raw.capture() == null ? new StudyFile.CaptureSpec(null, null, null) : raw.capture();
        List<Integer> steps = c.steps() == null || c.steps() == CaptureStepsDeserializer.ALL
                ? range(sampler.steps())
                : c.steps() == CaptureStepsDeserializer.LAST ? List.of(sampler.steps() - 1) : c.steps();
        CapturePlan capture = new CapturePlan(steps, Branch.lookup(c.branch() == null ? "cond" : c.branch()),
                Pooling.lookup(c.pooling() == null ? "none" : c.pooling()));
        capture.checkAgainst(sampler.steps());

        List<Long> seeds = require(raw.seeds(), "seeds");
        if (seeds.isEmpty()) {
            throw new IllegalArgumentException("seeds lists no seed");
        }
        int batch = raw.batchSize() == null ? 8 : raw.batchSize();
        if (batch < 1) {
            throw new IllegalArgumentException("batch_size must be at least 1, got " + batch);
        }

        Prompts prompts = new Prompts();
        Map<String, List<String>> sets = new LinkedHashMap<>();
        List<StudyFile.PromptSetSpec> setSpecs = raw.promptSets() == null ? List.of() : raw.promptSets();
        for (int i = 0; i < setSpecs.size(); i++) {
            StudyFile.PromptSetSpec ps = setSpecs.get(i);
            String key = "prompt_sets[" + i + "]";
            String name = require(ps.name(), key + ".name");
            if (sets.containsKey(name)) {
                throw new IllegalArgumentException(key + ": prompt set name '" + name + "' is used twice");
            }
            List<String> texts = new ArrayList<>();
            Map<String, List<String>> slots = ps.slots() == null ? Map.of() : ps.slots();
            checkValues(slots, key + ".slots");
            Set<String> used = new HashSet<>();
            for (String template : ps.templates() == null ? List.<String>of() : ps.templates()) {
                Set<String> names = slotsOf(template);
                for (String n : names) {
                    if (!slots.containsKey(n)) {
                        throw new IllegalArgumentException(key + " '" + name + "': template '" + template + "' uses slot {" + n
                                + "} that slots does not define (defined: " + slots.keySet() + ")");
                    }
                }
                used.addAll(names);
                Map<String, List<String>> mine = new LinkedHashMap<>();
                slots.forEach((k, v) -> {
                    if (names.contains(k)) {
                        mine.put(k, v);
                    }
                });
                for (Map<String, String> combo : product(mine)) {
                    String text = fill(template, combo);
                    texts.add(text);
                    prompts.add(text, new PromptTag(name, template, combo), true);
                }
            }
            for (String slot : slots.keySet()) {
                if (!used.contains(slot)) {
                    throw new IllegalArgumentException(key + " '" + name + "': slot '" + slot + "' is used by no template");
                }
            }
            for (String literal : ps.prompts() == null ? List.<String>of() : ps.prompts()) {
                texts.add(literal);
                prompts.add(literal, new PromptTag(name, literal, Map.of()), true);
            }
            if (texts.isEmpty()) {
                throw new IllegalArgumentException(key + " '" + name + "' is empty: give templates (with slots) or prompts");
            }
            sets.put(name, texts.stream().distinct().toList());
        }

        StudyFile.AnalysesSpec an = raw.analyses() == null ? new StudyFile.AnalysesSpec(null, null, null, null, null, null, null) : raw.analyses();
        List<DefaultsCell> cells = new ArrayList<>();
        List<StudyFile.DefaultsSpec> defs = an.defaults() == null ? List.of() : an.defaults();
        for (int i = 0; i < defs.size(); i++) {
            StudyFile.DefaultsSpec d = defs.get(i);
            String key = "analyses.defaults[" + i + "]";
            String neutral = require(d.neutral(), key + ".neutral");
            String name = d.name() == null ? neutral : d.name();
            Map<String, List<String>> over = d.over() == null ? Map.of() : d.over();
            checkValues(over, key + ".over");
            checkSlots(neutral, over.keySet(), key + ".neutral");
            if (d.families() == null || d.families().isEmpty()) {
                throw new IllegalArgumentException(key + ".families names no attribute family");
            }
            for (Map<String, String> combo : product(over)) {
                String n = fill(neutral, combo);
                prompts.add(n, new PromptTag("defaults:" + name, neutral, combo), false);
                for (Map.Entry<String, StudyFile.FamilySpec> f : d.families().entrySet()) {
                    String fkey = key + ".families." + f.getKey();
                    String variant = require(f.getValue().variant(), fkey + ".variant");
                    List<String> values = require(f.getValue().values(), fkey + ".values");
                    checkValues(Map.of(f.getKey(), values), fkey);
                    Set<String> allowed = new HashSet<>(over.keySet());
                    allowed.add(f.getKey());
                    checkSlots(variant, allowed, fkey + ".variant");
                    if (!slotsOf(variant).contains(f.getKey())) {
                        throw new IllegalArgumentException(fkey + ".variant '" + variant + "' must contain {" + f.getKey() + "}");
                    }
                    List<String> variants = new ArrayList<>();
                    for (String v : values) {
                        Map<String, String> vc = new LinkedHashMap<>(combo);
                        vc.put(f.getKey(), v);
                        String text = fill(variant, vc);
                        variants.add(text);
                        prompts.add(text, new PromptTag("defaults:" + name, variant, vc), false);
                    }
                    cells.add(new DefaultsCell(name, n, f.getKey(), values, variants));
                }
            }
        }

        List<DescriptorSet> descriptors = new ArrayList<>();
        List<StudyFile.DescriptorsSpec> descs = an.descriptors() == null ? List.of() : an.descriptors();
        for (int i = 0; i < descs.size(); i++) {
            StudyFile.DescriptorsSpec d = descs.get(i);
            String key = "analyses.descriptors[" + i + "]";
            String concept = require(d.concept(), key + ".concept");
            String name = d.name() == null ? concept : d.name();
            Map<String, List<String>> over = d.over() == null ? Map.of() : d.over();
            checkValues(over, key + ".over");
            checkSlots(concept, over.keySet(), key + ".concept");
            List<String> concepts = new ArrayList<>();
            for (Map<String, String> combo : product(over)) {
                String text = fill(concept, combo);
                concepts.add(text);
                prompts.add(text, new PromptTag("descriptors:" + name, concept, combo), false);
            }
            List<String> ds = require(d.descriptors(), key + ".descriptors");
            checkValues(Map.of("descriptors", ds), key);
            for (String text : ds) {
                prompts.add(text, new PromptTag("descriptors:" + name, text, Map.of()), false);
            }
            String base = d.base() == null || d.base().equals("mean") ? null : d.base();
            if (base != null) {
                prompts.add(base, new PromptTag("descriptors:" + name, base, Map.of()), false);
            }
            descriptors.add(new DescriptorSet(name, concepts, ds, base));
        }

        List<ClusterSpec> clusters = new ArrayList<>();
        List<StudyFile.ClusterEntry> cls = an.cluster() == null ? List.of() : an.cluster();
        for (int i = 0; i < cls.size(); i++) {
            StudyFile.ClusterEntry ce = cls.get(i);
            String key = "analyses.cluster[" + i + "]";
            List<String> setNames = ce.sets() == null ? new ArrayList<>(sets.keySet()) : ce.sets();
            List<String> members = new ArrayList<>();
            for (String sn : setNames) {
                List<String> set = sets.get(sn);
                if (set == null) {
                    throw new IllegalArgumentException(key + ".sets names prompt set '" + sn + "', which does not exist (have "
                            + sets.keySet() + ")");
                }
                set.stream().filter(t -> !members.contains(t)).forEach(members::add);
            }
            String base = ce.base() == null || ce.base().equals("mean") ? null : ce.base();
            if (base != null) {
                prompts.add(base, new PromptTag("cluster", base, Map.of()), false);
            }
            String name = ce.name() == null ? String.join("+", setNames) : ce.name();
            clusters.add(new ClusterSpec(name, members, ce.k() == null ? 4 : ce.k(),
                    ClusterMethod.lookup(ce.method() == null ? "both" : ce.method()), base));
        }

        List<Study.Discover> discover = discover(file, an.discover(), prompts, raw.images() != null && raw.images());

        StudyFile.StatisticsSpec st = an.statistics();
        Stats stats = st == null ? Stats.DEFAULT : new Stats(
                st.bootstrap() == null ? Stats.DEFAULT.bootstrap() : st.bootstrap(),
                st.permutations() == null ? Stats.DEFAULT.permutations() : st.permutations(),
                st.alpha() == null ? Stats.DEFAULT.alpha() : st.alpha(),
                st.seed() == null ? Stats.DEFAULT.seed() : st.seed());

        if (prompts.rows.isEmpty()) {
            throw new IllegalArgumentException("the study names no prompt: add prompt_sets or analyses");
        }
        String name = raw.name() == null ? file.getFileName().toString().replaceFirst("\\.[^.]*$", "") : raw.name();
        return new Study(file, name, modelPath, sampler, capture, raw.images() != null && raw.images(), batch, seeds,
                prompts.list(), sets, cells, descriptors, clusters, stats, prompts.warnings(), discover,
                conditions(file, an, sampler, seeds), steers(file, an, sampler, seeds));
    }

    private static List<Study.Discover> discover(Path file, List<StudyFile.DiscoverSpec> specs, Prompts prompts, boolean images) {
        List<Study.Discover> out = new ArrayList<>();
        specs = specs == null ? List.of() : specs;
        for (int i = 0; i < specs.size(); i++) {
            StudyFile.DiscoverSpec d = specs.get(i);
            String key = "analyses.discover[" + i + "]";
            if (!images) {
                throw new IllegalArgumentException(key + ": discovery captions images; set images: true");
            }
            String prompt = require(d.prompt(), key + ".prompt");
            String name = d.name() == null ? prompt : d.name();
            Map<String, List<String>> over = d.over() == null ? Map.of() : d.over();
            checkValues(over, key + ".over");
            checkSlots(prompt, over.keySet(), key + ".prompt");
            String text = require(d.textTemplate(), key + ".text_template");
            Set<String> allowed = new HashSet<>(over.keySet());
            allowed.add("word");
            checkSlots(text, allowed, key + ".text_template");
            io.hspace.caption.Captioners.Spec captioner = captionerSpec(file, require(d.captioner(), key + ".captioner"), d.words(),
                    d.timeoutSeconds());
            List<io.hspace.analysis.DiscoverCell> cells = new ArrayList<>();
            for (Map<String, String> combo : product(over)) {
                String p = fill(prompt, combo);
                prompts.add(p, new PromptTag("discover:" + name, prompt, combo), false);
                Map<String, String> withWord = new LinkedHashMap<>(combo);
                withWord.put("word", io.hspace.analysis.DiscoverCell.WORD);
                cells.add(new io.hspace.analysis.DiscoverCell(name, p, fill(text, withWord), d.minCount() == null ? 3 : d.minCount(),
                        d.textSeeds() == null ? 0 : d.textSeeds()));
            }
            out.add(new Study.Discover(name, cells, captioner));
        }
        return out;
    }

    /** A captioner spec with its word list resolved against the study file's folder. */
    private static io.hspace.caption.Captioners.Spec captionerSpec(Path file, String spec, String words, Integer timeoutSeconds) {
        return new io.hspace.caption.Captioners.Spec(spec,
                words == null ? null : file.toAbsolutePath().getParent().resolve(words).normalize(),
                timeoutSeconds == null ? null : java.time.Duration.ofSeconds(timeoutSeconds));
    }

    /** analyses.condition entries (docs/STUDY.md). */
    private static List<Study.Condition> conditions(Path file, StudyFile.AnalysesSpec an, Sampler sampler, List<Long> seeds) {
        List<Study.Condition> out = new ArrayList<>();
        List<StudyFile.ConditionEntry> entries = an.condition() == null ? List.of() : an.condition();
        Path dir = file.toAbsolutePath().getParent();
        for (int i = 0; i < entries.size(); i++) {
            StudyFile.ConditionEntry e = entries.get(i);
            String key = "analyses.condition[" + i + "]";
            Path images = dir.resolve(require(e.images(), key + ".images"));
            Path labels = e.labels() == null ? null : dir.resolve(e.labels());
            if (e.families() == null || e.families().isEmpty()) {
                throw new IllegalArgumentException(key + ".families names no attribute family");
            }
            List<ConditionAnalysis.Family> families = new ArrayList<>();
            for (Map.Entry<String, StudyFile.ConditionFamilySpec> f : e.families().entrySet()) {
                String fk = key + ".families." + f.getKey();
                families.add(new ConditionAnalysis.Family(f.getKey(), require(f.getValue().template(), fk + ".template"),
                        require(f.getValue().values(), fk + ".values"), f.getValue().over()));
            }
            String prompt = e.prompt() == null ? "" : e.prompt();
            Sampler reading = new Sampler(sampler.scheduler(), sampler.steps(), sampler.guidance(), sampler.width(), sampler.height(), prompt);
            String name = e.name() == null ? "condition" + i : e.name();
            out.add(new Study.Condition(images, labels, new ConditionAnalysis.Spec(name, families, reading,
                    require(e.step(), key + ".step"), ConditionMode.lookup(e.mode() == null ? "noise" : e.mode()),
                    Pooling.lookup(e.pooling() == null ? "none" : e.pooling()), prompt,
                    e.promptSeeds() == null ? seeds : e.promptSeeds(),
                    e.imageSeed() == null ? 0 : e.imageSeed(), e.noiseDraws() == null ? 1 : e.noiseDraws(), ConditionAnalysis.Centre.lookup(e.centre() == null ? "images" : e.centre()),
                    Branch.lookup(e.valueBranch() == null ? "uncond" : e.valueBranch()),
                    ConditionAnalysis.Score.lookup(e.score() == null ? "discriminant" : e.score()))));
        }
        return out;
    }

    /** analyses.steer entries (docs/STUDY.md). */
    private static List<Study.Steer> steers(Path file, StudyFile.AnalysesSpec an, Sampler sampler, List<Long> seeds) {
        List<Study.Steer> out = new ArrayList<>();
        List<StudyFile.SteerEntry> entries = an.steer() == null ? List.of() : an.steer();
        for (int i = 0; i < entries.size(); i++) {
            StudyFile.SteerEntry e = entries.get(i);
            String key = "analyses.steer[" + i + "]";
            String name = e.name() == null ? "steer" + i : e.name();
            List<Integer> steps = e.steps() == null ? List.of() : e.steps();
            out.add(new Study.Steer(new SteerAnalysis.Spec(name, require(e.from(), key + ".from"), require(e.to(), key + ".to"),
                    e.over(), require(e.families(), key + ".families"), require(e.steered(), key + ".steered"),
                    require(e.target(), key + ".target"), require(e.alphas(), key + ".alphas"), steps,
                    Branch.lookup(e.branch() == null ? "cond" : e.branch()),
                    SteerAnalysis.Direction.lookup(e.direction() == null ? "pair" : e.direction()), sampler, seeds),
                    captionerSpec(file, e.captioner() == null ? "toyworld" : e.captioner(), e.words(), e.timeoutSeconds())));
        }
        return out;
    }

    /** Distinct prompts in first-seen order; repeated texts merge their tags. */
    private static final class Prompts {
        final Map<String, List<PromptTag>> rows = new LinkedHashMap<>();
        final Map<String, Integer> fromSets = new LinkedHashMap<>();

        void add(String text, PromptTag tag, boolean fromSet) {
            if (text.isBlank()) {
                throw new IllegalArgumentException("a prompt is empty (tag " + tag + ")");
            }
            List<PromptTag> tags = rows.computeIfAbsent(text, t -> new ArrayList<>());
            if (!tags.contains(tag)) {
                tags.add(tag);
            }
            if (fromSet) {
                fromSets.merge(text, 1, Integer::sum);
            }
        }

        List<TaggedPrompt> list() {
            return rows.entrySet().stream().map(e -> new TaggedPrompt(e.getKey(), e.getValue())).toList();
        }

        List<String> warnings() {
            List<String> dup = fromSets.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).toList();
            if (dup.isEmpty()) {
                return List.of();
            }
            return List.of(dup.size() + " prompt(s) produced more than once by the prompt sets, extracted once with all their tags: "
                    + dup.stream().map(t -> "'" + t + "'").collect(Collectors.joining(", ")));
        }
    }

    private static <T> T require(T value, String key) {
        if (value == null) {
            throw new IllegalArgumentException("missing required key '" + key + "'");
        }
        return value;
    }

    private static List<Integer> range(int n) {
        List<Integer> r = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            r.add(i);
        }
        return r;
    }

    private static void checkValues(Map<String, List<String>> slots, String key) {
        for (Map.Entry<String, List<String>> e : slots.entrySet()) {
            if (e.getValue() == null || e.getValue().isEmpty()) {
                throw new IllegalArgumentException(key + "." + e.getKey() + " has no values");
            }
            Set<String> seen = new HashSet<>();
            for (String v : e.getValue()) {
                if (v == null || v.isBlank()) {
                    throw new IllegalArgumentException(key + "." + e.getKey() + " has an empty value");
                }
                if (!seen.add(v)) {
                    throw new IllegalArgumentException(key + "." + e.getKey() + " lists '" + v + "' twice");
                }
            }
        }
    }

    private static void checkSlots(String template, Collection<String> allowed, String key) {
        for (String n : slotsOf(template)) {
            if (!allowed.contains(n)) {
                throw new IllegalArgumentException(key + " '" + template + "' uses slot {" + n + "}, which is not defined (defined: "
                        + allowed + ")");
            }
        }
    }

    static Set<String> slotsOf(String template) {
        Set<String> out = new java.util.LinkedHashSet<>();
        Matcher m = SLOT.matcher(template);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    static String fill(String template, Map<String, String> values) {
        Matcher m = SLOT.matcher(template);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(sb, Matcher.quoteReplacement(values.get(m.group(1))));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /** Every combination of slot values, the first slot varying slowest. */
    static List<Map<String, String>> product(Map<String, List<String>> slots) {
        List<Map<String, String>> out = new ArrayList<>();
        out.add(new LinkedHashMap<>());
        for (Map.Entry<String, List<String>> e : slots.entrySet()) {
            List<Map<String, String>> next = new ArrayList<>();
            for (Map<String, String> partial : out) {
                for (String v : e.getValue()) {
                    Map<String, String> m = new LinkedHashMap<>(partial);
                    m.put(e.getKey(), v);
                    next.add(m);
                }
            }
            out = next;
        }
        return out;
    }
}

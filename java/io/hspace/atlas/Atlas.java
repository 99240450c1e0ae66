package io.hspace.atlas;

import io.hspace.engine.Scheduler;
import io.hspace.engine.Pooling;
import io.hspace.engine.Branch;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * An atlas directory: the h-vectors of (prompt, seed) items under one {@link AtlasSettings}.
 *
 * <pre>
 * manifest.json          settings, model identity, versions, timesteps, item shape, creation time
 * prompts.jsonl          the prompt table: {"id", "prompt", "tags"} per line; ids never change
 * index.jsonl            one line per committed shard: file, sha256, prompt_ids, seeds
 * shards/shard-N.safetensors   h [n, steps, C, H, W] (or [n, steps, C]) fp16, prompt_id [n] I64,
 *                        seed [n] I64 (+ h_uncond); __metadata__ holds the data's sha256
 * images/p{id}-s{seed}.png     when the settings ask for images
 * corrupt/               shards that failed their checksum, moved aside for inspection
 * </pre>
 *
 * Every file is replaced atomically (see {@link FileOps}); a shard is renamed into place before its
 * index line is appended, and {@link #recover()} adopts a valid shard whose line is missing, so a
 * process killed at any instant leaves an atlas from which a rerun resumes, with every item present
 * exactly once. Not safe for two writers at a time.
 */
public final class Atlas {
    /** The layout version written to the manifest. */
    public static final String FORMAT = "hspace-atlas/1";
    static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final FileOps files;
    private final AtlasSettings settings;
    private ObjectNode manifest;
    private final List<TaggedPrompt> prompts = new ArrayList<>();
    private final Map<String, Integer> promptIds = new LinkedHashMap<>();
    private final List<ShardInfo> shards = new ArrayList<>();
    private final Set<ItemKey> present = new LinkedHashSet<>();
    private int nextShard;
    /** Set when index.jsonl has a torn or unreadable line; recover() rewrites it. */
    private boolean indexDamaged;

    /**
     * A committed shard.
     *
     * @param file file name under {@code shards/}
     * @param sha256 hex digest of the data section
     * @param items the items it holds, in row order
     */
    public record ShardInfo(String file, String sha256, List<ItemKey> items) {}

    private Atlas(Path dir, FileOps files, AtlasSettings settings, ObjectNode manifest) {
        this.dir = dir;
        this.files = files;
        this.settings = settings;
        this.manifest = manifest;
    }

    /**
     * Opens the atlas in {@code dir} for writing, creating it when absent. Refuses (with every
     * difference named) when it was made with other settings, then runs {@link #recover()}.
     *
     * @param timesteps the diffusion timesteps of the captured steps, for the manifest
     */
    public static Atlas openForWriting(Path dir, AtlasSettings settings, ExtractorIdentity identity, long[] timesteps) {
        return openForWriting(dir, settings, identity, timesteps, FileOps.DURABLE);
    }

    static Atlas openForWriting(Path dir, AtlasSettings settings, ExtractorIdentity identity, long[] timesteps, FileOps files) {
        if (!identity.modelIdentity().equals(settings.modelIdentity())) {
            throw new IllegalArgumentException("extractor runs model " + identity.modelIdentity()
                    + " but the settings name model " + settings.modelIdentity());
        }
        try {
            Files.createDirectories(dir.resolve("shards"));
            if (settings.images()) {
                Files.createDirectories(dir.resolve("images"));
            }
        } catch (IOException e) {
            throw new AtlasException("cannot create atlas folder " + dir + ": " + describe(e), e);
        }
        checkWritable(dir, files);
        Path manifestFile = dir.resolve("manifest.json");
        Atlas atlas;
        if (Files.exists(manifestFile)) {
            atlas = load(dir, files);
            List<String> diffs = atlas.settings.differences(settings);
            if (!diffs.isEmpty()) {
                throw new AtlasMismatchException(dir, diffs);
            }
        } else {
            ObjectNode m = manifestJson(settings, identity, timesteps);
            atlas = new Atlas(dir, files, settings, m);
            atlas.writeJson(manifestFile, m);
        }
        atlas.recover();
        return atlas;
    }

    /** Opens an existing atlas for reading (nothing is modified). */
    public static Atlas open(Path dir) {
        if (!Files.exists(dir.resolve("manifest.json"))) {
            throw new AtlasException(dir + " is not an atlas (no manifest.json)");
        }
        return load(dir, FileOps.DURABLE);
    }

    private static Atlas load(Path dir, FileOps files) {
        Path manifestFile = dir.resolve("manifest.json");
        ObjectNode m;
        try {
            m = (ObjectNode) JSON.readTree(manifestFile.toFile());
        } catch (IOException | ClassCastException e) {
            throw new AtlasException(manifestFile + ": unreadable manifest: " + e.getMessage(), e);
        }
        if (!FORMAT.equals(m.path("format").asText())) {
            throw new AtlasException(manifestFile + ": format '" + m.path("format").asText() + "', expected " + FORMAT);
        }
        Atlas a = new Atlas(dir, files, settingsOf(m, manifestFile), m);
        a.loadPrompts();
        a.loadIndex();
        return a;
    }

    /** The folder. */
    public Path dir() {
        return dir;
    }

    /** The settings every item was made with. */
    public AtlasSettings settings() {
        return settings;
    }

    /** The manifest as JSON (settings, identity, versions, timesteps, item shape). */
    public JsonNode manifest() {
        return manifest.deepCopy();
    }

    /** The diffusion timesteps of the captured steps. */
    public long[] timesteps() {
        JsonNode t = manifest.path("timesteps");
        long[] out = new long[t.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = t.get(i).asLong();
        }
        return out;
    }

    /** The shape of one item's h ({@code [steps, C, H, W]} or {@code [steps, C]}); null before the first shard. */
    public int[] itemShape() {
        JsonNode s = manifest.get("item_shape");
        if (s == null) {
            return null;
        }
        int[] out = new int[s.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = s.get(i).asInt();
        }
        return out;
    }

    /** The prompt table, by id. */
    public List<TaggedPrompt> prompts() {
        return List.copyOf(prompts);
    }

    /** The id of a prompt text, or -1 when the table lacks it. */
    public int promptId(String text) {
        return promptIds.getOrDefault(text, -1);
    }

    /** The id of a prompt text; throws naming it when the table lacks it. */
    public int requirePromptId(String text) {
        int id = promptId(text);
        if (id < 0) {
            throw new AtlasException("atlas " + dir + " has no prompt '" + text + "'; extract it first (hspace run)");
        }
        return id;
    }

    /** The committed shards, in commit order. */
    public List<ShardInfo> shards() {
        return List.copyOf(shards);
    }

    /** Whether the item has been extracted. */
    public boolean has(int promptId, long seed) {
        return present.contains(new ItemKey(promptId, seed));
    }

    /** Every extracted item. */
    public Set<ItemKey> items() {
        return Set.copyOf(present);
    }

    /**
     * Adds prompts the table lacks (new ids follow the existing ones) and merges new tags into
     * existing rows; rewrites prompts.jsonl atomically when anything changed.
     *
     * @return the id of each given prompt, in order
     */
    public int[] addPrompts(List<TaggedPrompt> add) {
        boolean changed = false;
        int[] ids = new int[add.size()];
        for (int i = 0; i < add.size(); i++) {
            TaggedPrompt p = add.get(i);
            Integer id = promptIds.get(p.text());
            if (id == null) {
                id = prompts.size();
                prompts.add(p);
                promptIds.put(p.text(), id);
                changed = true;
            } else {
                TaggedPrompt old = prompts.get(id);
                List<PromptTag> tags = new ArrayList<>(old.tags());
                for (PromptTag t : p.tags()) {
                    if (!tags.contains(t)) {
                        tags.add(t);
                        changed = true;
                    }
                }
                prompts.set(id, new TaggedPrompt(old.text(), tags));
            }
            ids[i] = id;
        }
        if (changed) {
            StringBuilder sb = new StringBuilder();
            for (int id = 0; id < prompts.size(); id++) {
                ObjectNode row = JSON.createObjectNode();
                row.put("id", id);
                row.put("prompt", prompts.get(id).text());
                ArrayNode tags = row.putArray("tags");
                for (PromptTag t : prompts.get(id).tags()) {
                    ObjectNode tn = tags.addObject();
                    tn.put("source", t.source());
                    tn.put("template", t.template());
                    ObjectNode slots = tn.putObject("slots");
                    t.slots().forEach(slots::put);
                }
                sb.append(row).append('\n');
            }
            try {
                files.writeAtomically(dir.resolve("prompts.jsonl"), ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.UTF_8)));
            } catch (IOException e) {
                throw writeFailure("prompts.jsonl", e);
            }
        }
        return ids;
    }

    /**
     * Brings the index in line with the shard files: deletes temporary files left by a killed run,
     * verifies every shard's checksum, moves a corrupt shard to {@code corrupt/} (its items become
     * missing and are extracted again), adopts a valid shard the index lacks, drops index lines of
     * shards that are gone, and rewrites the index when it changed.
     *
     * @return one line per repair made (empty for a healthy atlas)
     */
    public List<String> recover() {
        List<String> repairs = new ArrayList<>();
        Path shardDir = dir.resolve("shards");
        List<Path> onDisk;
        try (Stream<Path> s = Files.list(shardDir)) {
            onDisk = s.sorted().toList();
        } catch (IOException e) {
            throw new AtlasException("cannot list " + shardDir + ": " + describe(e), e);
        }
        Map<String, ShardInfo> indexed = new LinkedHashMap<>();
        for (ShardInfo s : shards) {
            indexed.put(s.file(), s);
        }
        List<ShardInfo> kept = new ArrayList<>();
        Set<ItemKey> seen = new LinkedHashSet<>();
        boolean changed = indexDamaged;
        for (Path p : onDisk) {
            String name = p.getFileName().toString();
            if (name.endsWith(".tmp")) {
                deleteQuietly(p, repairs, "removed unfinished temporary file " + name);
                continue;
            }
            if (!name.endsWith(".safetensors")) {
                continue;
            }
            ShardInfo fromIndex = indexed.remove(name);
            ShardInfo actual;
            try {
                actual = readShardInfo(p);
                String why = null;
                if (fromIndex != null && !fromIndex.sha256().equals(actual.sha256())) {
                    why = "its checksum differs from the index";
                } else if (!actual.sha256().equals(sha256OfData(p))) {
                    why = "its data does not match its checksum";
                }
                if (why != null) {
                    quarantine(p, repairs, why);
                    changed = true;
                    continue;
                }
            } catch (AtlasException | IOException e) {
                quarantine(p, repairs, "it is unreadable (" + e.getMessage() + ")");
                changed = true;
                continue;
            }
            if (actual.items().stream().anyMatch(seen::contains)) {
                quarantine(p, repairs, "it repeats items of an earlier shard");
                changed = true;
                continue;
            }
            if (fromIndex == null) {
                repairs.add("adopted " + name + " (" + actual.items().size() + " items), committed but not yet indexed");
                changed = true;
            }
            seen.addAll(actual.items());
            kept.add(actual);
        }
        for (String gone : indexed.keySet()) {
            repairs.add("dropped index line of missing shard " + gone + " (its items will be extracted again)");
            changed = true;
        }
        shards.clear();
        shards.addAll(kept);
        present.clear();
        present.addAll(seen);
        nextShard = 0;
        for (ShardInfo s : shards) {
            nextShard = Math.max(nextShard, shardNumber(s.file()) + 1);
        }
        if (changed) {
            StringBuilder sb = new StringBuilder();
            for (ShardInfo s : shards) {
                sb.append(indexLine(s));
            }
            try {
                files.writeAtomically(dir.resolve("index.jsonl"), ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.UTF_8)));
            } catch (IOException e) {
                throw writeFailure("index.jsonl", e);
            }
            indexDamaged = false;
        }
        return repairs;
    }

    /**
     * Commits one batch as a new shard: images first (when asked), then the shard file
     * (atomically), then its index line. On an I/O failure (disk full, read-only folder) throws
     * an {@link AtlasException} saying so; what was committed before stays valid.
     */
    public void writeShard(List<WorkItem> items, List<ItemResult> results) {
        if (items.size() != results.size() || items.isEmpty()) {
            throw new IllegalArgumentException("a shard needs one result per item, got " + items.size() + " items and "
                    + results.size() + " results");
        }
        int[] shape = results.get(0).shape();
        for (int i = 0; i < items.size(); i++) {
            ItemResult r = results.get(i);
            WorkItem w = items.get(i);
            if (!Arrays.equals(r.shape(), shape)) {
                throw new AtlasException("extractor returned shapes " + Arrays.toString(shape) + " and "
                        + Arrays.toString(r.shape()) + " in one batch");
            }
            if (settings.capture().branch() == Branch.BOTH && r.hUncond() == null) {
                throw new AtlasException("capture branch 'both' but the extractor returned no h_uncond for '" + w.prompt() + "'");
            }
            if (settings.images() && r.png() == null) {
                throw new AtlasException("images were asked for but the extractor returned none for '" + w.prompt() + "'");
            }
            if (!promptIds.containsKey(w.prompt()) || promptIds.get(w.prompt()) != w.promptId()) {
                throw new IllegalArgumentException("work item prompt id " + w.promptId() + " is not the atlas id of '" + w.prompt() + "'");
            }
            if (present.contains(new ItemKey(w.promptId(), w.seed()))) {
                throw new IllegalArgumentException("item ('" + w.prompt() + "', seed " + w.seed() + ") is already in the atlas");
            }
        }
        int steps = settings.capture().steps().size();
        if (shape.length < 2 || shape[0] != steps) {
            throw new AtlasException("extractor returned item shape " + Arrays.toString(shape) + ", expected [" + steps
                    + " captured steps, C(, H, W)]");
        }
        int[] known = itemShape();
        if (known != null && !Arrays.equals(known, shape)) {
            throw new AtlasException("extractor returned item shape " + Arrays.toString(shape) + " but atlas " + dir
                    + " holds items of shape " + Arrays.toString(known));
        }
        if (known == null) {
            ObjectNode m = manifest.deepCopy();
            ArrayNode s = m.putArray("item_shape");
            for (int d : shape) {
                s.add(d);
            }
            writeJson(dir.resolve("manifest.json"), m);
            manifest = m;
        }
        if (settings.images()) {
            for (int i = 0; i < items.size(); i++) {
                Path img = imagePath(items.get(i).promptId(), items.get(i).seed());
                try {
                    files.writeAtomically(img, ByteBuffer.wrap(results.get(i).png()));
                } catch (IOException e) {
                    throw writeFailure("images/" + img.getFileName(), e);
                }
            }
        }
        String name = String.format("shard-%06d.safetensors", nextShard);
        ByteBuffer data = shardData(items, results, shape);
        String sha = sha256(data.duplicate());
        List<Safetensors.Spec> specs = new ArrayList<>();
        long[] hShape = new long[shape.length + 1];
        hShape[0] = items.size();
        for (int i = 0; i < shape.length; i++) {
            hShape[i + 1] = shape[i];
        }
        specs.add(new Safetensors.Spec("h", "F16", hShape));
        if (settings.capture().branch() == Branch.BOTH) {
            specs.add(new Safetensors.Spec("h_uncond", "F16", hShape));
        }
        specs.add(new Safetensors.Spec("prompt_id", "I64", new long[] {items.size()}));
        specs.add(new Safetensors.Spec("seed", "I64", new long[] {items.size()}));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "hspace-atlas-shard/1");
        meta.put("sha256", sha);
        meta.put("model_identity", settings.modelIdentity());
        ByteBuffer header = Safetensors.header(meta, specs);
        try {
            files.writeAtomically(dir.resolve("shards").resolve(name), header, data);
        } catch (IOException e) {
            throw writeFailure("shards/" + name, e);
        }
        List<ItemKey> keys = items.stream().map(w -> new ItemKey(w.promptId(), w.seed())).toList();
        ShardInfo info = new ShardInfo(name, sha, keys);
        nextShard++;
        try {
            files.appendDurably(dir.resolve("index.jsonl"), indexLine(info).getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            // the shard is committed; recover() adopts it on the next open, but the index may end in a torn line
            indexDamaged = true;
            throw writeFailure("index.jsonl", e);
        }
        shards.add(info);
        present.addAll(keys);
    }

    /** Where an item's image lives (it exists only when the settings ask for images and the item is present). */
    public Path imagePath(int promptId, long seed) {
        return dir.resolve("images").resolve("p" + promptId + "-s" + seed + ".png");
    }

    private ByteBuffer shardData(List<WorkItem> items, List<ItemResult> results, int[] shape) {
        int per = 1;
        for (int d : shape) {
            per *= d;
        }
        boolean both = settings.capture().branch() == Branch.BOTH;
        long bytes = (long) items.size() * per * 2 * (both ? 2 : 1) + 16L * items.size();
        if (bytes > Integer.MAX_VALUE) {
            throw new AtlasException("one batch of " + items.size() + " items needs " + bytes
                    + " bytes, over the 2 GiB a shard may hold; use a smaller batch");
        }
        ByteBuffer b = ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (ItemResult r : results) {
            for (float v : r.h()) {
                b.putShort(Half.fromFloat(v));
            }
        }
        if (both) {
            for (ItemResult r : results) {
                for (float v : r.hUncond()) {
                    b.putShort(Half.fromFloat(v));
                }
            }
        }
        for (WorkItem w : items) {
            b.putLong(w.promptId());
        }
        for (WorkItem w : items) {
            b.putLong(w.seed());
        }
        return b.flip();
    }

    private static String indexLine(ShardInfo s) {
        ObjectNode n = JSON.createObjectNode();
        n.put("shard", s.file());
        n.put("sha256", s.sha256());
        ArrayNode pids = n.putArray("prompt_ids");
        ArrayNode seeds = n.putArray("seeds");
        for (ItemKey k : s.items()) {
            pids.add(k.promptId());
            seeds.add(k.seed());
        }
        return n + "\n";
    }

    private void loadIndex() {
        Path index = dir.resolve("index.jsonl");
        if (!Files.exists(index)) {
            return;
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(index, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AtlasException("cannot read " + index + ": " + describe(e), e);
        }
        for (String line : lines) {
            if (line.isBlank()) {
                continue;
            }
            try {
                JsonNode n = JSON.readTree(line);
                List<ItemKey> keys = new ArrayList<>();
                JsonNode pids = n.get("prompt_ids");
                JsonNode seeds = n.get("seeds");
                for (int i = 0; i < pids.size(); i++) {
                    keys.add(new ItemKey(pids.get(i).asInt(), seeds.get(i).asLong()));
                }
                ShardInfo s = new ShardInfo(n.get("shard").asText(), n.get("sha256").asText(), keys);
                shards.add(s);
                present.addAll(keys);
                nextShard = Math.max(nextShard, shardNumber(s.file()) + 1);
            } catch (IOException | RuntimeException e) {
                // a torn last line from a killed append; recover() rebuilds the index from the shards
                indexDamaged = true;
            }
        }
    }

    private void loadPrompts() {
        Path file = dir.resolve("prompts.jsonl");
        if (!Files.exists(file)) {
            return;
        }
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode n = JSON.readTree(line);
                List<PromptTag> tags = new ArrayList<>();
                for (JsonNode t : n.path("tags")) {
                    Map<String, String> slots = new LinkedHashMap<>();
                    t.path("slots").fields().forEachRemaining(e -> slots.put(e.getKey(), e.getValue().asText()));
                    tags.add(new PromptTag(t.path("source").asText(), t.path("template").asText(), slots));
                }
                if (n.path("id").asInt() != prompts.size()) {
                    throw new AtlasException(file + ": ids must run 0, 1, 2, ...; found " + n.path("id").asInt()
                            + " at row " + prompts.size());
                }
                String text = n.path("prompt").asText();
                promptIds.put(text, prompts.size());
                prompts.add(new TaggedPrompt(text, tags));
            }
        } catch (IOException e) {
            throw new AtlasException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Reads a shard's items and stated checksum from its header and index tensors. */
    static ShardInfo readShardInfo(Path p) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            Safetensors.Header h = Safetensors.read(ch, p);
            String sha = h.metadata().get("sha256");
            if (sha == null) {
                throw new AtlasException(p + ": no sha256 in __metadata__");
            }
            Safetensors.Entry pid = h.tensor("prompt_id");
            Safetensors.Entry seed = h.tensor("seed");
            int n = (int) pid.count();
            ByteBuffer b = ByteBuffer.allocate(16 * n).order(ByteOrder.LITTLE_ENDIAN);
            Safetensors.readFully(ch, b.limit(8 * n), h.dataStart() + pid.begin());
            Safetensors.readFully(ch, b.limit(16 * n), h.dataStart() + seed.begin());
            b.flip();
            List<ItemKey> keys = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                keys.add(new ItemKey((int) b.getLong(8 * i), b.getLong(8 * (n + i))));
            }
            return new ShardInfo(p.getFileName().toString(), sha, keys);
        }
    }

    /** The hex sha256 of a shard file's data section. */
    static String sha256OfData(Path p) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            Safetensors.Header h = Safetensors.read(ch, p);
            MessageDigest md = digest();
            ByteBuffer buf = ByteBuffer.allocate(1 << 20);
            long pos = h.dataStart();
            while (true) {
                buf.clear();
                int r = ch.read(buf, pos);
                if (r < 0) {
                    break;
                }
                pos += r;
                md.update(buf.flip());
            }
            return HexFormat.of().formatHex(md.digest());
        }
    }

    static String sha256(ByteBuffer b) {
        MessageDigest md = digest();
        md.update(b);
        return HexFormat.of().formatHex(md.digest());
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM lacks SHA-256", e);
        }
    }

    private static int shardNumber(String file) {
        try {
            return Integer.parseInt(file.substring("shard-".length(), file.indexOf('.')));
        } catch (RuntimeException e) {
            throw new AtlasException("unexpected shard file name " + file);
        }
    }

    private void quarantine(Path p, List<String> repairs, String why) {
        Path corrupt = dir.resolve("corrupt");
        try {
            Files.createDirectories(corrupt);
            Files.move(p, corrupt.resolve(p.getFileName() + "." + System.currentTimeMillis()), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new AtlasException("shard " + p + " is damaged (" + why + ") and could not be moved aside: " + describe(e), e);
        }
        repairs.add("moved " + p.getFileName() + " to corrupt/ because " + why + "; its items will be extracted again");
    }

    private static void deleteQuietly(Path p, List<String> repairs, String what) {
        try {
            Files.deleteIfExists(p);
            repairs.add(what);
        } catch (IOException e) {
            throw new AtlasException("cannot delete " + p + ": " + describe(e), e);
        }
    }

    private void writeJson(Path file, JsonNode n) {
        try {
            files.writeAtomically(file, ByteBuffer.wrap(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(n)));
        } catch (IOException e) {
            throw writeFailure(file.getFileName().toString(), e);
        }
    }

    private static void checkWritable(Path dir, FileOps files) {
        try {
            Path probe = dir.resolve(".write-probe");
            files.writeAtomically(probe, ByteBuffer.wrap(new byte[] {1}));
            Files.deleteIfExists(probe);
        } catch (IOException e) {
            throw new AtlasException("atlas folder " + dir + " is not writable: " + describe(e)
                    + "; choose another --out folder or fix its permissions", e);
        }
    }

    private AtlasException writeFailure(String what, IOException e) {
        return new AtlasException("writing " + what + " in atlas " + dir + " failed: " + describe(e)
                + ". Everything committed before is intact; free space or fix permissions, then rerun to resume.", e);
    }

    private static String describe(IOException e) {
        String msg = e.getMessage();
        if (e instanceof NoSuchFileException) {
            return "no such file or folder " + msg;
        }
        return e.getClass().getSimpleName() + (msg == null ? "" : ": " + msg);
    }

    private static ObjectNode manifestJson(AtlasSettings s, ExtractorIdentity id, long[] timesteps) {
        ObjectNode m = JSON.createObjectNode();
        m.put("format", FORMAT);
        m.put("created", Instant.now().toString());
        ObjectNode model = m.putObject("model");
        model.put("identity", s.modelIdentity());
        model.put("path", id.modelPath());
        ObjectNode sampler = m.putObject("sampler");
        sampler.put("scheduler", s.sampler().scheduler().label());
        sampler.put("steps", s.sampler().steps());
        sampler.put("guidance", s.sampler().guidance());
        sampler.put("size", s.sampler().size());
        sampler.put("negative_prompt", s.sampler().negativePrompt());
        ObjectNode capture = m.putObject("capture");
        ArrayNode steps = capture.putArray("steps");
        s.capture().steps().forEach(steps::add);
        capture.put("branch", s.capture().branch().label());
        capture.put("pooling", s.capture().pooling().label());
        m.put("images", s.images());
        ArrayNode ts = m.putArray("timesteps");
        for (long t : timesteps) {
            ts.add(t);
        }
        m.put("dtype", "F16");
        ObjectNode versions = m.putObject("versions");
        versions.put("hspace", version());
        versions.put("engine", id.engine());
        versions.put("java", System.getProperty("java.version"));
        return m;
    }

    /** The hspace front-end version (from the jar manifest, or "dev"). */
    public static String version() {
        String v = Atlas.class.getPackage().getImplementationVersion();
        return v != null ? v : "0.1.0-dev";
    }

    private static AtlasSettings settingsOf(JsonNode m, Path file) {
        try {
            JsonNode s = m.get("sampler");
            String[] size = s.get("size").asText().split("x");
            Sampler sampler = new Sampler(Scheduler.lookup(s.get("scheduler").asText()), s.get("steps").asInt(),
                    s.get("guidance").asDouble(), Integer.parseInt(size[0]), Integer.parseInt(size[1]),
                    s.get("negative_prompt").asText());
            JsonNode c = m.get("capture");
            List<Integer> steps = new ArrayList<>();
            c.get("steps").forEach(x -> steps.add(x.asInt()));
            CapturePlan plan = new CapturePlan(steps, Branch.lookup(c.get("branch").asText()), Pooling.lookup(c.get("pooling").asText()));
            return new AtlasSettings(m.get("model").get("identity").asText(), sampler, plan, m.path("images").asBoolean());
        } catch (RuntimeException e) {
            throw new AtlasException(file + ": manifest settings are incomplete or invalid: " + e.getMessage(), e);
        }
    }
}

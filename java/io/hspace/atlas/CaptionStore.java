package io.hspace.atlas;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The captions one captioner gave the atlas's images: {@code captions/<file>.jsonl}, one JSON
 * object per line, {@code {"prompt_id", "seed", "caption", "captioner"}}. The file name is the
 * captioner's name made file-safe (see {@link #fileName}); every line repeats the full name, and
 * lines of another captioner are an error.
 *
 * <p>Captions are appended in batches and each batch is flushed to the device, so a run killed
 * mid-way keeps the batches before; a torn last line (killed mid-append) is dropped when the
 * store is opened, and the items it held are captioned again. An item captioned twice keeps its
 * first caption.
 */
public final class CaptionStore {
    private final Path file;
    private final String captioner;
    private final FileOps files;
    private final Map<ItemKey, String> captions = new LinkedHashMap<>();

    private CaptionStore(Path file, String captioner, FileOps files) {
        this.file = file;
        this.captioner = captioner;
        this.files = files;
    }

    /** Opens (or starts) the captions of {@code captioner} in the atlas, repairing a torn last line. */
    public static CaptionStore open(Atlas atlas, String captioner) {
        return open(atlas.dir(), captioner, FileOps.DURABLE);
    }

    static CaptionStore open(Path atlasDir, String captioner, FileOps files) {
        Path file = atlasDir.resolve("captions").resolve(fileName(captioner));
        CaptionStore store = new CaptionStore(file, captioner, files);
        try {
            store.load();
        } catch (IOException e) {
            throw new AtlasException("cannot read captions " + file + ": " + e.getMessage(), e);
        }
        return store;
    }

    /**
     * The file a captioner's captions live in: its name with every character outside
     * {@code [A-Za-z0-9._-]} replaced by {@code _}, cut to 80 characters, then {@code -} and
     * the first 8 hex digits of the SHA-256 of the full name (so distinct names never share a file),
     * then {@code .jsonl}.
     */
    public static String fileName(String captioner) {
        String safe = captioner.replaceAll("[^A-Za-z0-9._-]", "_");
        if (safe.length() > 80) {
            safe = safe.substring(0, 80);
        }
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(captioner.getBytes(StandardCharsets.UTF_8));
            return safe + "-" + HexFormat.of().formatHex(h, 0, 4) + ".jsonl";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private void load() throws IOException {
        if (!Files.exists(file)) {
            return;
        }
        byte[] bytes = Files.readAllBytes(file);
        int end = bytes.length;
        while (end > 0 && bytes[end - 1] != '\n') {
            end--;
        }
        if (end < bytes.length) {
            // killed mid-append: keep the complete lines only
            files.writeAtomically(file, ByteBuffer.wrap(bytes, 0, end));
        }
        String text = new String(bytes, 0, end, StandardCharsets.UTF_8);
        int lineNo = 0;
        for (String line : text.split("\n")) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            JsonNode n;
            try {
                n = Atlas.JSON.readTree(line);
            } catch (JsonProcessingException e) {
                throw new IOException("line " + lineNo + " is not JSON: " + e.getOriginalMessage(), e);
            }
            if (!n.path("captioner").asText().equals(captioner)) {
                throw new IOException("line " + lineNo + " holds captions of '" + n.path("captioner").asText() + "', not '" + captioner + "'");
            }
            if (!n.path("prompt_id").canConvertToInt() || !n.path("seed").canConvertToLong() || !n.path("caption").isTextual()) {
                throw new IOException("line " + lineNo + " lacks prompt_id, seed or caption");
            }
            captions.putIfAbsent(new ItemKey(n.get("prompt_id").asInt(), n.get("seed").asLong()), n.get("caption").asText());
        }
    }

    /** The captioner these captions come from. */
    public String captioner() {
        return captioner;
    }

    /** The file holding them. */
    public Path file() {
        return file;
    }

    /** The caption of an item, or null when it has none yet. */
    public String get(ItemKey key) {
        return captions.get(key);
    }

    /** Every caption, in the order they were stored. */
    public Map<ItemKey, String> all() {
        return java.util.Collections.unmodifiableMap(captions);
    }

    /** The items of {@code keys} without a caption, in the given order. */
    public List<ItemKey> missing(Collection<ItemKey> keys) {
        List<ItemKey> out = new ArrayList<>();
        for (ItemKey k : keys) {
            if (!captions.containsKey(k)) {
                out.add(k);
            }
        }
        return out;
    }

    /** Appends one batch of captions (items already captioned keep their first caption) and flushes it. */
    public void append(List<ItemKey> keys, List<String> texts) {
        if (keys.size() != texts.size()) {
            throw new IllegalArgumentException(keys.size() + " items but " + texts.size() + " captions");
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < keys.size(); i++) {
            if (captions.containsKey(keys.get(i))) {
                continue;
            }
            ObjectNode n = Atlas.JSON.createObjectNode();
            n.put("prompt_id", keys.get(i).promptId());
            n.put("seed", keys.get(i).seed());
            n.put("caption", texts.get(i));
            n.put("captioner", captioner);
            b.append(n).append('\n');
        }
        if (b.length() == 0) {
            return;
        }
        try {
            Files.createDirectories(file.getParent());
            files.appendDurably(file, b.toString().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new AtlasException("cannot write captions " + file + ": " + e.getMessage(), e);
        }
        for (int i = 0; i < keys.size(); i++) {
            captions.putIfAbsent(keys.get(i), texts.get(i));
        }
    }
}

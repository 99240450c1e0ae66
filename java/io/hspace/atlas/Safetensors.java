package io.hspace.atlas;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The safetensors container (https://github.com/huggingface/safetensors): an 8-byte little-endian
 * header length, a JSON header naming each tensor's dtype, shape and byte range in the data
 * section, then the data. Tensors are laid out in the order given, back to back.
 */
public final class Safetensors {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Readers refuse headers beyond this (the reference implementation's limit is 100 MB). */
    private static final long MAX_HEADER = 100L << 20;

    private Safetensors() {}

    /**
     * A tensor's header entry.
     *
     * @param name tensor name
     * @param dtype "F16", "F32", "I64", ...
     * @param shape sizes per axis
     * @param begin first byte in the data section
     * @param end one past the last byte in the data section
     */
    public record Entry(String name, String dtype, long[] shape, long begin, long end) {
        /** Number of elements. */
        public long count() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }
    }

    /**
     * A parsed header.
     *
     * @param metadata the {@code __metadata__} strings (empty when absent)
     * @param tensors entries by name, in header order
     * @param dataStart file offset of the data section
     */
    public record Header(Map<String, String> metadata, Map<String, Entry> tensors, long dataStart) {
        /** The named tensor; throws naming the file's tensors when absent. */
        public Entry tensor(String name) {
            Entry e = tensors.get(name);
            if (e == null) {
                throw new AtlasException("no tensor '" + name + "' (has " + tensors.keySet() + ")");
            }
            return e;
        }
    }

    /** A tensor to lay out: name, dtype, shape; byte size follows from dtype and shape. */
    public record Spec(String name, String dtype, long[] shape) {}

    /** Bytes per element of a dtype. */
    public static int elementSize(String dtype) {
        return switch (dtype) {
            case "F16", "BF16", "I16" -> 2;
            case "F32", "I32" -> 4;
            case "F64", "I64" -> 8;
            case "U8", "I8", "BOOL" -> 1;
            default -> throw new AtlasException("unsupported safetensors dtype " + dtype);
        };
    }

    /**
     * The full header block (length prefix + JSON padded with spaces to a multiple of 8, as the
     * reference writer does, so the data section stays aligned).
     */
    public static ByteBuffer header(Map<String, String> metadata, List<Spec> specs) {
        ObjectNode root = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = root.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Spec s : specs) {
            long n = 1;
            for (long d : s.shape()) {
                n *= d;
            }
            long bytes = n * elementSize(s.dtype());
            ObjectNode t = root.putObject(s.name());
            t.put("dtype", s.dtype());
            ArrayNode shape = t.putArray("shape");
            for (long d : s.shape()) {
                shape.add(d);
            }
            t.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new AtlasException("encoding a safetensors header", e);
        }
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer b = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(padded).put(json);
        while (b.hasRemaining()) {
            b.put((byte) ' ');
        }
        return b.flip();
    }

    /** Reads and checks the header of an open file: offsets contiguous and inside the file. */
    public static Header read(FileChannel ch, Path file) throws IOException {
        long size = ch.size();
        if (size < 8) {
            throw new AtlasException(file + ": too short for a safetensors file (" + size + " bytes)");
        }
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, len, 0);
        long n = len.flip().getLong();
        if (n <= 0 || n > MAX_HEADER || 8 + n > size) {
            throw new AtlasException(file + ": bad safetensors header length " + n + " (file has " + size + " bytes)");
        }
        ByteBuffer hb = ByteBuffer.allocate((int) n);
        readFully(ch, hb, 8);
        JsonNode root;
        try {
            root = JSON.readTree(new String(hb.array(), StandardCharsets.UTF_8).trim());
        } catch (IOException e) {
            throw new AtlasException(file + ": safetensors header is not JSON: " + e.getMessage(), e);
        }
        Map<String, String> meta = new LinkedHashMap<>();
        Map<String, Entry> tensors = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            if (f.getKey().equals("__metadata__")) {
                f.getValue().fields().forEachRemaining(m -> meta.put(m.getKey(), m.getValue().asText()));
                continue;
            }
            JsonNode t = f.getValue();
            JsonNode shapeNode = t.get("shape");
            JsonNode off = t.get("data_offsets");
            if (t.get("dtype") == null || shapeNode == null || off == null || off.size() != 2) {
                throw new AtlasException(file + ": tensor '" + f.getKey() + "' lacks dtype, shape or data_offsets");
            }
            long[] shape = new long[shapeNode.size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = shapeNode.get(i).asLong();
            }
            tensors.put(f.getKey(), new Entry(f.getKey(), t.get("dtype").asText(), shape, off.get(0).asLong(), off.get(1).asLong()));
        }
        long dataStart = 8 + n;
        List<Entry> sorted = new ArrayList<>(tensors.values());
        sorted.sort((a, b) -> Long.compare(a.begin(), b.begin()));
        long expect = 0;
        for (Entry e : sorted) {
            if (e.begin() != expect || e.end() - e.begin() != e.count() * elementSize(e.dtype())) {
                throw new AtlasException(file + ": tensor '" + e.name() + "' has data_offsets [" + e.begin() + ", "
                        + e.end() + "] that do not fit its shape and the tensors before it");
            }
            expect = e.end();
        }
        if (dataStart + expect != size) {
            throw new AtlasException(file + ": data section holds " + (size - dataStart) + " bytes, header describes " + expect
                    + " (truncated or padded file)");
        }
        return new Header(Collections.unmodifiableMap(meta), Collections.unmodifiableMap(tensors), dataStart);
    }

    /** Fills {@code b} from {@code pos}; throws at end of file. */
    static void readFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
        while (b.hasRemaining()) {
            int r = ch.read(b, pos);
            if (r < 0) {
                throw new IOException("unexpected end of file");
            }
            pos += r;
        }
    }
}

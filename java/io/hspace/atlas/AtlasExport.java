package io.hspace.atlas;

import io.hspace.engine.Branch;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
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

/**
 * Writes the engine's extract format (the {@code hspace extract} output): {@code DIR/h.safetensors}
 * with {@code h} [prompts, seeds, captured steps, C, H, W] (or [.., C] when pooled) in fp32, plus
 * {@code h_uncond} for branch "both", and {@code DIR/index.json} with prompts, seeds, timesteps
 * and every setting.
 */
public final class AtlasExport {
    private AtlasExport() {}

    /**
     * Exports {@code prompts} x {@code seeds}; every item must be present.
     *
     * @throws AtlasException naming the first missing item
     */
    public static void export(HStore store, List<String> prompts, List<Long> seeds, Path out) throws IOException {
        Atlas atlas = store.atlas();
        int[] ids = new int[prompts.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = atlas.requirePromptId(prompts.get(i));
            for (long s : seeds) {
                if (!store.has(ids[i], s)) {
                    throw new AtlasException("cannot export: atlas " + atlas.dir() + " lacks prompt '" + prompts.get(i)
                            + "' seed " + s + "; extract it first");
                }
            }
        }
        Files.createDirectories(out);
        boolean both = atlas.settings().capture().branch() == Branch.BOTH;
        int[] item = store.itemShape();
        long[] shape = new long[item.length + 2];
        shape[0] = prompts.size();
        shape[1] = seeds.size();
        for (int i = 0; i < item.length; i++) {
            shape[i + 2] = item[i];
        }
        List<Safetensors.Spec> specs = new ArrayList<>();
        specs.add(new Safetensors.Spec("h", "F32", shape));
        if (both) {
            specs.add(new Safetensors.Spec("h_uncond", "F32", shape));
        }
        ByteBuffer header = Safetensors.header(Map.of("format", "hspace-extract/1"), specs);
        Path target = out.resolve("h.safetensors");
        Path tmp = out.resolve(".h.safetensors.tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            write(ch, header);
            writeBranch(ch, store, ids, seeds, false);
            if (both) {
                writeBranch(ch, store, ids, seeds, true);
            }
            ch.force(true);
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw new IOException("writing " + target + ": " + e.getMessage(), e);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);

        ObjectNode index = Atlas.JSON.createObjectNode();
        index.put("format", "hspace-extract/1");
        ArrayNode p = index.putArray("prompts");
        prompts.forEach(p::add);
        ArrayNode s = index.putArray("seeds");
        seeds.forEach(s::add);
        ArrayNode ts = index.putArray("timesteps");
        for (long t : atlas.timesteps()) {
            ts.add(t);
        }
        ArrayNode sh = index.putArray("shape");
        for (long d : shape) {
            sh.add(d);
        }
        index.set("model", atlas.manifest().get("model"));
        index.set("sampler", atlas.manifest().get("sampler"));
        index.set("capture", atlas.manifest().get("capture"));
        index.set("versions", atlas.manifest().get("versions"));
        Files.write(out.resolve("index.json"), Atlas.JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(index));
    }

    private static void writeBranch(FileChannel ch, HStore store, int[] ids, List<Long> seeds, boolean uncond) throws IOException {
        float[] v = new float[store.dim()];
        ByteBuffer b = ByteBuffer.allocate(4 * store.dim()).order(ByteOrder.LITTLE_ENDIAN);
        for (int id : ids) {
            for (long seed : seeds) {
                for (int t = 0; t < store.steps(); t++) {
                    if (uncond) {
                        store.readUncond(id, seed, t, v);
                    } else {
                        store.read(id, seed, t, v);
                    }
                    b.clear();
                    for (float x : v) {
                        b.putFloat(x);
                    }
                    write(ch, b.flip());
                }
            }
        }
    }

    private static void write(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }
}

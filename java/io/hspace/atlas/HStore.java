package io.hspace.atlas;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.ShortBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Read access to an atlas's h: shards are memory-mapped (FileChannel.map), checked against their
 * sha256 once when opened, and read as fp32 per item and captured step.
 */
public final class HStore {
    private final Atlas atlas;
    private final int[] itemShape;
    private final int steps;
    private final int dim;
    private final List<ShortBuffer> h = new ArrayList<>();
    private final List<ShortBuffer> hUncond = new ArrayList<>();
    private final Map<ItemKey, long[]> where = new HashMap<>();

    private HStore(Atlas atlas) {
        this.atlas = atlas;
        this.itemShape = atlas.itemShape();
        if (itemShape == null) {
            throw new AtlasException("atlas " + atlas.dir() + " holds no items yet; run the extraction first");
        }
        this.steps = itemShape[0];
        int d = 1;
        for (int i = 1; i < itemShape.length; i++) {
            d *= itemShape[i];
        }
        this.dim = d;
    }

    /**
     * Maps every shard of {@code atlas} and verifies its checksum.
     *
     * @throws AtlasException naming a shard that fails its checksum (rerun the extraction to repair)
     */
    public static HStore open(Atlas atlas) {
        HStore s = new HStore(atlas);
        for (Atlas.ShardInfo info : atlas.shards()) {
            s.map(info);
        }
        return s;
    }

    private void map(Atlas.ShardInfo info) {
        Path p = atlas.dir().resolve("shards").resolve(info.file());
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            Safetensors.Header header = Safetensors.read(ch, p);
            MappedByteBuffer data = ch.map(FileChannel.MapMode.READ_ONLY, header.dataStart(), ch.size() - header.dataStart());
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(data.duplicate());
            String sha = HexFormat.of().formatHex(md.digest());
            if (!sha.equals(info.sha256())) {
                throw new AtlasException("shard " + p + " fails its checksum (data " + sha.substring(0, 12) + "..., index "
                        + info.sha256().substring(0, Math.min(12, info.sha256().length())) + "...); rerun the extraction"
                        + " (hspace run / extract) to move it aside and extract its items again");
            }
            int idx = h.size();
            h.add(view(data, header.tensor("h"), p));
            Safetensors.Entry u = header.tensors().get("h_uncond");
            hUncond.add(u == null ? null : view(data, u, p));
            for (int row = 0; row < info.items().size(); row++) {
                if (where.put(info.items().get(row), new long[] {idx, row}) != null) {
                    throw new AtlasException("item " + info.items().get(row) + " appears in two shards of " + atlas.dir()
                            + "; rerun the extraction to repair the index");
                }
            }
        } catch (IOException e) {
            throw new AtlasException("cannot map shard " + p + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM lacks SHA-256", e);
        }
    }

    private ShortBuffer view(MappedByteBuffer data, Safetensors.Entry e, Path p) {
        if (!e.dtype().equals("F16") || e.count() / e.shape()[0] != (long) steps * dim) {
            throw new AtlasException(p + ": tensor " + e.name() + " is " + e.dtype() + " " + java.util.Arrays.toString(e.shape())
                    + ", expected F16 items of " + steps * dim + " values");
        }
        return data.duplicate().position((int) e.begin()).limit((int) e.end()).slice().order(ByteOrder.LITTLE_ENDIAN).asShortBuffer();
    }

    /** The atlas read. */
    public Atlas atlas() {
        return atlas;
    }

    /** One item's shape: {@code [steps, C, H, W]} or {@code [steps, C]}. */
    public int[] itemShape() {
        return itemShape.clone();
    }

    /** Number of captured steps. */
    public int steps() {
        return steps;
    }

    /** Values per captured step (C*H*W, or C when pooled). */
    public int dim() {
        return dim;
    }

    /** Whether the item is stored. */
    public boolean has(int promptId, long seed) {
        return where.containsKey(new ItemKey(promptId, seed));
    }

    /** Copies h of one item at captured step {@code step} (0-based in the capture plan) into {@code dst}. */
    public void read(int promptId, long seed, int step, float[] dst) {
        read(h, promptId, seed, step, dst);
    }

    /** Like {@link #read} for the unconditional branch; throws when the atlas did not capture it. */
    public void readUncond(int promptId, long seed, int step, float[] dst) {
        if (hUncond.isEmpty() || hUncond.get(0) == null) {
            throw new AtlasException("atlas " + atlas.dir() + " captured branch " + atlas.settings().capture().branch()
                    + ", not both");
        }
        read(hUncond, promptId, seed, step, dst);
    }

    private void read(List<ShortBuffer> src, int promptId, long seed, int step, float[] dst) {
        long[] loc = where.get(new ItemKey(promptId, seed));
        if (loc == null) {
            throw new AtlasException("atlas " + atlas.dir() + " lacks prompt '" + atlas.prompts().get(promptId).text()
                    + "' seed " + seed + "; extract it first (hspace run)");
        }
        if (step < 0 || step >= steps) {
            throw new IndexOutOfBoundsException("captured step " + step + " of " + steps);
        }
        ShortBuffer b = src.get((int) loc[0]);
        int base = (int) ((loc[1] * steps + step) * dim);
        for (int i = 0; i < dim; i++) {
            dst[i] = Half.toFloat(b.get(base + i));
        }
    }

    /**
     * The mean over the given captured steps of one item's h (one step gives that step's h).
     *
     * @param stepIdx indices into the capture plan's steps
     */
    public float[] mean(int promptId, long seed, int[] stepIdx) {
        float[] out = new float[dim];
        float[] tmp = new float[dim];
        for (int s : stepIdx) {
            read(promptId, seed, s, tmp);
            for (int i = 0; i < dim; i++) {
                out[i] += tmp[i];
            }
        }
        for (int i = 0; i < dim; i++) {
            out[i] /= stepIdx.length;
        }
        return out;
    }
}

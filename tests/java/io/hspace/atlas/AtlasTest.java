package io.hspace.atlas;

import io.hspace.engine.Scheduler;
import io.hspace.engine.Pooling;
import io.hspace.engine.Branch;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtlasTest {
    @TempDir
    Path tmp;

    private final FakeExtractor fake = new FakeExtractor(4, 2, 2, 0.3, 0);

    private Atlas run(Path dir, List<TaggedPrompt> prompts, List<Long> seeds, int batch) throws Exception {
        AtlasSettings s = Fixtures.settings("fake-model-1");
        Atlas a = Atlas.openForWriting(dir, s, fake.identity(), fake.capturedTimesteps(s));
        AtlasRunner.run(a, fake, prompts, seeds, Fixtures::tokens, batch, p -> {});
        return a;
    }

    @Test
    void storesEveryItemOnceWithFp16Values() throws Exception {
        Atlas a = run(tmp.resolve("a"), Fixtures.prompts(3), Fixtures.seeds(5), 4);
        assertEquals(15, a.items().size());
        assertEquals(4, a.shards().size(), "15 items in batches of 4");
        HStore store = HStore.open(Atlas.open(a.dir()));
        assertArrayEquals(new int[] {2, 4, 2, 2}, store.itemShape());
        float[] got = new float[store.dim()];
        for (int p = 0; p < 3; p++) {
            for (long s = 0; s < 5; s++) {
                for (int t = 0; t < 2; t++) {
                    store.read(p, s, t, got);
                    float[] want = fake.vector("a photo of thing " + p, s, a.settings().capture().steps().get(t));
                    for (int i = 0; i < want.length; i++) {
                        assertEquals(want[i], got[i], Math.abs(want[i]) * 1e-3 + 1e-4, "fp16 keeps ~3 digits");
                    }
                }
            }
        }
    }

    @Test
    void rerunSkipsFinishedItems() throws Exception {
        Path dir = tmp.resolve("a");
        run(dir, Fixtures.prompts(2), Fixtures.seeds(3), 2);
        AtlasSettings s = Fixtures.settings("fake-model-1");
        Atlas a = Atlas.openForWriting(dir, s, fake.identity(), fake.capturedTimesteps(s));
        AtlasRunner.Summary sum = AtlasRunner.run(a, fake, Fixtures.prompts(3), Fixtures.seeds(4), Fixtures::tokens, 2, p -> {});
        assertEquals(6, sum.skipped());
        assertEquals(6, sum.extracted(), "3x4 items minus the 2x3 already there");
        assertEquals(12, Atlas.open(dir).items().size());
    }

    @Test
    void refusesResultsOfAnotherModel() throws Exception {
        Path dir = tmp.resolve("a");
        run(dir, Fixtures.prompts(1), Fixtures.seeds(1), 1);
        FakeExtractor other = new FakeExtractor(4, 2, 2, 0.3, 0, "other-model");
        AtlasSettings s = Fixtures.settings("other-model");
        AtlasMismatchException e = assertThrows(AtlasMismatchException.class,
                () -> Atlas.openForWriting(dir, s, other.identity(), other.capturedTimesteps(s)));
        assertEquals(1, e.differences().size());
        assertTrue(e.getMessage().contains("model identity: atlas has 'fake-model-1', this run asks for 'other-model'"), e.getMessage());
    }

    @Test
    void refusesAnotherSamplerAndCapturePlanNamingEach() throws Exception {
        Path dir = tmp.resolve("a");
        run(dir, Fixtures.prompts(1), Fixtures.seeds(1), 1);
        AtlasSettings s = Fixtures.settings("fake-model-1", 8, Branch.BOTH);
        AtlasMismatchException e = assertThrows(AtlasMismatchException.class,
                () -> Atlas.openForWriting(dir, s, fake.identity(), fake.capturedTimesteps(s)));
        assertEquals(List.of("sampler.steps: atlas has 4, this run asks for 8", "capture.branch: atlas has cond, this run asks for both"),
                e.differences());
    }

    @Test
    void corruptedShardIsDetectedAndReextracted() throws Exception {
        Path dir = tmp.resolve("a");
        Atlas a = run(dir, Fixtures.prompts(2), Fixtures.seeds(4), 4);
        Path shard = dir.resolve("shards").resolve(a.shards().get(1).file());
        byte[] bytes = Files.readAllBytes(shard);
        bytes[bytes.length - 40] ^= 0x55;
        Files.write(shard, bytes);
        AtlasException e = assertThrows(AtlasException.class, () -> HStore.open(Atlas.open(dir)));
        assertTrue(e.getMessage().contains("fails its checksum") && e.getMessage().contains(shard.getFileName().toString()), e.getMessage());

        AtlasSettings s = Fixtures.settings("fake-model-1");
        Atlas b = Atlas.openForWriting(dir, s, fake.identity(), fake.capturedTimesteps(s));
        assertEquals(4, b.items().size(), "the corrupt shard's 4 items are missing");
        assertTrue(Files.list(dir.resolve("corrupt")).findAny().isPresent());
        AtlasRunner.Summary sum = AtlasRunner.run(b, fake, Fixtures.prompts(2), Fixtures.seeds(4), Fixtures::tokens, 4, p -> {});
        assertEquals(4, sum.extracted());
        assertSameVectors(dir, run(tmp.resolve("clean"), Fixtures.prompts(2), Fixtures.seeds(4), 3).dir(), 2, 4);
    }

    @Test
    void diskFullGivesClearErrorAndLeavesAtlasConsistent() throws Exception {
        Path dir = tmp.resolve("a");
        AtlasSettings s = Fixtures.settings("fake-model-1");
        FailingOps full = new FailingOps("shard-", 2, new IOException("No space left on device"));
        Atlas a = Atlas.openForWriting(dir, s, fake.identity(), fake.capturedTimesteps(s), full);
        AtlasException e = assertThrows(AtlasException.class,
                () -> AtlasRunner.run(a, fake, Fixtures.prompts(2), Fixtures.seeds(4), Fixtures::tokens, 2, p -> {}));
        assertTrue(e.getMessage().contains("No space left on device") && e.getMessage().contains("rerun to resume"), e.getMessage());
        try (Stream<Path> files = Files.list(dir.resolve("shards"))) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temporary file left");
        }
        Atlas reopened = Atlas.open(dir);
        HStore.open(reopened);
        assertEquals(4, reopened.items().size(), "the two shards committed before the failure survive");
        AtlasRunner.run(Atlas.openForWriting(dir, s, fake.identity(), fake.capturedTimesteps(s)), fake,
                Fixtures.prompts(2), Fixtures.seeds(4), Fixtures::tokens, 2, p -> {});
        assertSameVectors(dir, run(tmp.resolve("clean"), Fixtures.prompts(2), Fixtures.seeds(4), 3).dir(), 2, 4);
    }

    @Test
    void readOnlyFolderGivesClearError() {
        Path dir = tmp.resolve("a");
        AtlasSettings s = Fixtures.settings("fake-model-1");
        FailingOps ro = new FailingOps(".write-probe", 0, new FileSystemException(dir + "/.write-probe", null, "Read-only file system"));
        AtlasException e = assertThrows(AtlasException.class,
                () -> Atlas.openForWriting(dir, s, fake.identity(), fake.capturedTimesteps(s), ro));
        assertTrue(e.getMessage().contains("is not writable") && e.getMessage().contains("Read-only file system"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("manifest.json")), "nothing half-made");
    }

    @Test
    void permissionDeniedOnShardWriteGivesClearError() throws Exception {
        Path dir = tmp.resolve("a");
        AtlasSettings s = Fixtures.settings("fake-model-1");
        FailingOps denied = new FailingOps("shard-", 1, new AccessDeniedException(dir.resolve("shards").toString()));
        Atlas a = Atlas.openForWriting(dir, s, fake.identity(), fake.capturedTimesteps(s), denied);
        AtlasException e = assertThrows(AtlasException.class,
                () -> AtlasRunner.run(a, fake, Fixtures.prompts(2), Fixtures.seeds(2), Fixtures::tokens, 2, p -> {}));
        assertTrue(e.getMessage().contains("AccessDeniedException"), e.getMessage());
        HStore.open(Atlas.open(dir));
    }

    @Test
    void orphanShardTornIndexAndTempFileAreRepaired() throws Exception {
        Path dir = tmp.resolve("a");
        Atlas a = run(dir, Fixtures.prompts(2), Fixtures.seeds(4), 2);
        // simulate a kill after a shard's rename but before/during its index append
        List<String> lines = Files.readAllLines(dir.resolve("index.jsonl"));
        String last = lines.get(lines.size() - 1);
        lines.set(lines.size() - 1, last.substring(0, last.length() / 2));
        Files.write(dir.resolve("index.jsonl"), String.join("\n", lines).getBytes());
        Files.write(dir.resolve("shards").resolve(".shard-000099.safetensors.tmp"), new byte[] {1, 2, 3});
        AtlasSettings s = Fixtures.settings("fake-model-1");
        Atlas b = Atlas.openForWriting(dir, s, fake.identity(), fake.capturedTimesteps(s));
        assertEquals(8, b.items().size(), "orphan shard adopted");
        assertFalse(Files.exists(dir.resolve("shards").resolve(".shard-000099.safetensors.tmp")));
        assertEquals(4, Files.readAllLines(dir.resolve("index.jsonl")).size(), "index rewritten whole");
        AtlasRunner.Summary sum = AtlasRunner.run(b, fake, Fixtures.prompts(2), Fixtures.seeds(4), Fixtures::tokens, 2, p -> {});
        assertEquals(0, sum.extracted());
    }

    @Test
    void exportWritesTheExtractFormat() throws Exception {
        Path dir = tmp.resolve("a");
        run(dir, Fixtures.prompts(3), Fixtures.seeds(2), 4);
        HStore store = HStore.open(Atlas.open(dir));
        Path out = tmp.resolve("export");
        List<String> prompts = List.of("a photo of thing 2", "a photo of thing 0");
        AtlasExport.export(store, prompts, List.of(1L, 0L), out);
        Path file = out.resolve("h.safetensors");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            Safetensors.Header h = Safetensors.read(ch, file);
            Safetensors.Entry e = h.tensor("h");
            assertEquals("F32", e.dtype());
            assertArrayEquals(new long[] {2, 2, 2, 4, 2, 2}, e.shape());
            ByteBuffer b = ch.map(FileChannel.MapMode.READ_ONLY, h.dataStart(), e.end()).order(ByteOrder.LITTLE_ENDIAN);
            float[] want = new float[store.dim()];
            store.read(0, 0L, 1, want); // prompt "thing 0" = export row 1, seed 0 = column 1, step 1
            int base = ((1 * 2 + 1) * 2 + 1) * store.dim();
            for (int i = 0; i < want.length; i++) {
                assertEquals(want[i], b.getFloat(4 * (base + i)));
            }
        }
        String index = Files.readString(out.resolve("index.json"));
        assertTrue(index.contains("\"a photo of thing 2\"") && index.contains("\"timesteps\" : [ 899, 699 ]"), index);
    }

    @Test
    void exportRefusesMissingItems() throws Exception {
        Path dir = tmp.resolve("a");
        run(dir, Fixtures.prompts(1), Fixtures.seeds(2), 4);
        HStore store = HStore.open(Atlas.open(dir));
        AtlasException e = assertThrows(AtlasException.class,
                () -> AtlasExport.export(store, List.of("a photo of thing 0"), List.of(0L, 7L), tmp.resolve("x")));
        assertTrue(e.getMessage().contains("seed 7"), e.getMessage());
    }

    @Test
    void bothBranchesAndPoolingAreStored() throws Exception {
        Path dir = tmp.resolve("a");
        AtlasSettings s = new AtlasSettings("fake-model-1", new Sampler(Scheduler.LCM, 4, 1.0, 64, 64, "blurry"),
                new CapturePlan(List.of(0, 1, 2, 3), Branch.BOTH, Pooling.SPATIAL_MEAN), true);
        Atlas a = Atlas.openForWriting(dir, s, fake.identity(), fake.capturedTimesteps(s));
        AtlasRunner.run(a, fake, Fixtures.prompts(1), Fixtures.seeds(2), Fixtures::tokens, 2, p -> {});
        HStore store = HStore.open(Atlas.open(dir));
        assertArrayEquals(new int[] {4, 4}, store.itemShape());
        float[] u = new float[4];
        store.readUncond(0, 1L, 2, u);
        float[] full = fake.vector("blurry", 1L, 2);
        assertEquals((full[0] + full[1] + full[2] + full[3]) / 4, u[0], 1e-2);
        assertTrue(Files.exists(a.imagePath(0, 1L)));
    }

    private static void assertSameVectors(Path a, Path b, int prompts, int seeds) {
        HStore sa = HStore.open(Atlas.open(a));
        HStore sb = HStore.open(Atlas.open(b));
        float[] va = new float[sa.dim()];
        float[] vb = new float[sb.dim()];
        Set<ItemKey> seen = new HashSet<>();
        for (Atlas.ShardInfo s : Atlas.open(a).shards()) {
            for (ItemKey k : s.items()) {
                assertTrue(seen.add(k), "item " + k + " stored twice");
            }
        }
        assertEquals(prompts * seeds, seen.size());
        for (int p = 0; p < prompts; p++) {
            for (long s = 0; s < seeds; s++) {
                for (int t = 0; t < sa.steps(); t++) {
                    sa.read(p, s, t, va);
                    sb.read(p, s, t, vb);
                    assertArrayEquals(vb, va);
                }
            }
        }
    }

    /** Durable writes, except that files named {@code prefix...} fail after {@code okCalls} of them succeeded. */
    static final class FailingOps implements FileOps {
        private final String prefix;
        private int left;
        private final IOException failure;

        FailingOps(String prefix, int okCalls, IOException failure) {
            this.prefix = prefix;
            this.left = okCalls;
            this.failure = failure;
        }

        @Override
        public void writeAtomically(Path target, ByteBuffer... parts) throws IOException {
            if (target.getFileName().toString().startsWith(prefix) && left-- <= 0) {
                throw failure;
            }
            FileOps.DURABLE.writeAtomically(target, parts);
        }

        @Override
        public void appendDurably(Path file, byte[] bytes) throws IOException {
            FileOps.DURABLE.appendDurably(file, bytes);
        }
    }
}

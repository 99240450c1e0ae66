package io.hspace.atlas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run killed (SIGKILL, via destroyForcibly) at several moments and started again ends with every
 * item present exactly once and vectors identical to an uninterrupted run.
 */
class KillMidRunTest {
    static final int PROMPTS = 12;
    static final int SEEDS = 8;
    static final int BATCH = 3;

    @TempDir
    Path tmp;

    @Test
    void killedRunsResumeToTheUninterruptedResult() throws Exception {
        Path killed = tmp.resolve("killed");
        int[] killAfterShards = {2, 9, 17};
        for (int k : killAfterShards) {
            Process child = startChild(killed, 15);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (shardFiles(killed) < k && child.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(2);
            }
            assertTrue(child.isAlive(), "child finished before the kill at " + k + " shards; slow it down");
            child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        int before = Atlas.open(killed).items().size();
        assertTrue(before < PROMPTS * SEEDS, "the kills interrupted the run (" + before + " items)");

        Process last = startChild(killed, 0);
        assertTrue(last.waitFor(120, TimeUnit.SECONDS), "resumed run finishes");
        assertEquals(0, last.exitValue(), "resumed run exit status");

        FakeExtractor fake = new FakeExtractor(8, 4, 4, 0.3, 0);
        AtlasSettings s = Fixtures.settings("fake-model-1");
        Path clean = tmp.resolve("clean");
        AtlasRunner.run(Atlas.openForWriting(clean, s, fake.identity(), fake.capturedTimesteps(s)), fake,
                Fixtures.prompts(PROMPTS), Fixtures.seeds(SEEDS), Fixtures::tokens, 5, p -> {});

        Atlas a = Atlas.open(killed);
        Set<ItemKey> seen = new HashSet<>();
        for (Atlas.ShardInfo shard : a.shards()) {
            for (ItemKey key : shard.items()) {
                assertTrue(seen.add(key), key + " stored twice");
            }
        }
        assertEquals(PROMPTS * SEEDS, seen.size(), "every item present");
        try (Stream<Path> files = Files.list(killed.resolve("shards"))) {
            assertEquals(a.shards().size(), files.count(), "no stray shard or temporary file");
        }
        HStore sk = HStore.open(a);
        HStore sc = HStore.open(Atlas.open(clean));
        float[] vk = new float[sk.dim()];
        float[] vc = new float[sc.dim()];
        for (int p = 0; p < PROMPTS; p++) {
            for (long seed = 0; seed < SEEDS; seed++) {
                for (int t = 0; t < sk.steps(); t++) {
                    sk.read(p, seed, t, vk);
                    sc.read(p, seed, t, vc);
                    assertArrayEquals(vc, vk, "prompt " + p + " seed " + seed + " step " + t);
                }
            }
        }
    }

    private static Process startChild(Path dir, long delayMillis) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), KillMidRunChild.class.getName(),
                dir.toString(), Long.toString(delayMillis))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
    }

    private static long shardFiles(Path dir) throws IOException {
        Path shards = dir.resolve("shards");
        if (!Files.isDirectory(shards)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(shards)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".safetensors")).count();
        }
    }
}

package io.hspace.atlas;

import java.nio.file.Path;

/** Child JVM for {@link KillMidRunTest}: a slow extraction into the atlas at args[0]. */
public final class KillMidRunChild {
    private KillMidRunChild() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        long delay = Long.parseLong(args[1]);
        FakeExtractor fake = new FakeExtractor(8, 4, 4, 0.3, delay);
        AtlasSettings s = Fixtures.settings("fake-model-1");
        Atlas atlas = Atlas.openForWriting(dir, s, fake.identity(), fake.capturedTimesteps(s));
        AtlasRunner.run(atlas, fake, Fixtures.prompts(KillMidRunTest.PROMPTS), Fixtures.seeds(KillMidRunTest.SEEDS),
                Fixtures::tokens, KillMidRunTest.BATCH, p -> System.out.println("committed " + p.done()));
    }
}

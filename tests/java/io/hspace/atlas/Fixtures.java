package io.hspace.atlas;

import io.hspace.engine.Scheduler;
import io.hspace.engine.Pooling;
import io.hspace.engine.Branch;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Small settings and prompt lists shared by the atlas tests. */
public final class Fixtures {
    private Fixtures() {}

    public static AtlasSettings settings(String model) {
        return settings(model, 4, Branch.COND);
    }

    public static AtlasSettings settings(String model, int steps, Branch branch) {
        return new AtlasSettings(model, new Sampler(Scheduler.DDIM, steps, 7.5, 64, 64, ""),
                new CapturePlan(List.of(1, 3), branch, Pooling.NONE), false);
    }

    public static List<TaggedPrompt> prompts(int n) {
        List<TaggedPrompt> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new TaggedPrompt("a photo of thing " + i, List.of(new PromptTag("things", "a photo of thing {n}", Map.of("n", "" + i)))));
        }
        return out;
    }

    public static List<Long> seeds(int n) {
        List<Long> s = new ArrayList<>();
        for (long i = 0; i < n; i++) {
            s.add(i);
        }
        return s;
    }

    public static int[] tokens(String prompt) {
        return prompt.codePoints().toArray();
    }
}

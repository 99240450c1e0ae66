package io.hspace.atlas;

import io.hspace.engine.Engine;
import io.hspace.engine.ExtractRequest;
import io.hspace.engine.ExtractResult;
import io.hspace.engine.FloatTensor;
import io.hspace.engine.ModelIdentity;
import io.hspace.prompt.ClipTokenizer;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import javax.imageio.ImageIO;

/**
 * The native engine as an atlas extractor: tokenizes with the model's own tokenizer(s)
 * (both for SDXL), batches items across prompts, and encodes each distinct prompt once per batch.
 */
public final class EngineExtractor implements HExtractor {
    private final Engine engine;
    private final ClipTokenizer tokenizer;
    private final ClipTokenizer tokenizer2;
    private final ExtractorIdentity identity;

    private EngineExtractor(Engine engine, ClipTokenizer tokenizer, ClipTokenizer tokenizer2, ExtractorIdentity identity) {
        this.engine = engine;
        this.tokenizer = tokenizer;
        this.tokenizer2 = tokenizer2;
        this.identity = identity;
    }

    /**
     * Wraps an opened engine; reads the tokenizers from the model folder and hashes its files.
     *
     * @param engineDescription e.g. "hspace 0.1.0 (LibTorch 2.9.1, CUDA no), cpu fp32"
     */
    public static EngineExtractor of(Engine engine, String engineDescription) throws IOException {
        Path dir = engine.modelDir();
        Path second = dir.resolve("tokenizer_2");
        return new EngineExtractor(engine, ClipTokenizer.load(dir.resolve("tokenizer")),
                Files.isDirectory(second) ? ClipTokenizer.load(second) : null,
                new ExtractorIdentity(ModelIdentity.of(dir), dir.toString(), engineDescription));
    }

    /** The model's (first) tokenizer. */
    public ClipTokenizer tokenizer() {
        return tokenizer;
    }

    @Override
    public ExtractorIdentity identity() {
        return identity;
    }

    @Override
    public long[] capturedTimesteps(AtlasSettings settings) {
        float[] all = engine.timesteps(settings.sampler().scheduler(), settings.sampler().steps());
        return settings.capture().steps().stream().mapToLong(step -> Math.round(all[step])).toArray();
    }

    @Override
    public List<ItemResult> extract(AtlasSettings settings, List<WorkItem> batch) throws Exception {
        Map<String, Integer> rows = new LinkedHashMap<>();
        int[] itemPrompts = new int[batch.size()];
        long[] itemSeeds = new long[batch.size()];
        for (int i = 0; i < batch.size(); i++) {
            itemPrompts[i] = rows.computeIfAbsent(batch.get(i).prompt(), p -> rows.size());
            itemSeeds[i] = batch.get(i).seed();
        }
        List<String> prompts = new ArrayList<>(rows.keySet());
        ExtractResult r = engine.extract(request(settings, prompts::get, itemPrompts, itemSeeds, settings.images(), prompts.size()));
        List<ItemResult> out = new ArrayList<>(batch.size());
        FloatTensor main = r.h() != null ? r.h() : r.hUncond();
        int[] shape = new int[main.shape().length - 1];
        for (int d = 1; d < main.shape().length; d++) {
            shape[d - 1] = (int) main.shape()[d];
        }
        int per = main.data().length / batch.size();
        for (int i = 0; i < batch.size(); i++) {
            float[] h = Arrays.copyOfRange(main.data(), i * per, (i + 1) * per);
            float[] hu = r.h() != null && r.hUncond() != null
                    ? Arrays.copyOfRange(r.hUncond().data(), i * per, (i + 1) * per) : null;
            out.add(new ItemResult(shape, h, hu, r.images() == null ? null : png(r.images(), i)));
        }
        return out;
    }

    private ExtractRequest request(AtlasSettings s, IntFunction<String> prompt, int[] itemPrompts,
            long[] itemSeeds, boolean images, int promptCount) {
        int[][] ids = new int[promptCount][];
        int[][] ids2 = tokenizer2 == null ? null : new int[promptCount][];
        for (int p = 0; p < promptCount; p++) {
            ids[p] = tokenizer.encode(prompt.apply(p), true);
            if (ids2 != null) {
                ids2[p] = tokenizer2.encode(prompt.apply(p), true);
            }
        }
        String negative = s.sampler().negativePrompt();
        int[] capture = s.capture().steps().stream().mapToInt(Integer::intValue).toArray();
        return new ExtractRequest(ids, ids2, tokenizer.encode(negative, true),
                tokenizer2 == null ? null : tokenizer2.encode(negative, true), negative.isEmpty(), null, itemPrompts,
                itemSeeds, s.sampler().steps(), (float) s.sampler().guidance(), s.sampler().width(), s.sampler().height(),
                s.sampler().scheduler(), capture, s.capture().branch(), s.capture().pooling(), images, 0);
    }

    /** Item {@code i} of images [N, 3, H, W] in [0, 1] as PNG bytes. */
    public static byte[] png(FloatTensor images, int i) throws IOException {
        int h = (int) images.dim(2);
        int w = (int) images.dim(3);
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int plane = h * w;
        int base = i * 3 * plane;
        float[] d = images.data();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int o = base + y * w + x;
                int rgb = 0;
                for (int c = 0; c < 3; c++) {
                    rgb = (rgb << 8) | Math.round(Math.max(0f, Math.min(1f, d[o + c * plane])) * 255f);
                }
                img.setRGB(x, y, rgb);
            }
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ImageIO.write(img, "png", bytes);
        return bytes.toByteArray();
    }
}

package io.hspace.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;

/**
 * A transformers CLIP folder opened in the native engine: both towers with their projections
 * and the folder's image preprocessing (transformers' CLIPImageProcessor, reproduced exactly).
 * Not thread-safe; close it to free native memory at once.
 */
public final class ClipModel implements AutoCloseable {

    /**
     * An 8-bit RGB image, row-major {@code [height, width, 3]}.
     *
     * @param height rows
     * @param width columns
     * @param rgb {@code height * width * 3} bytes, red first
     */
    public record RgbImage(int height, int width, byte[] rgb) {
        public RgbImage {
            if (height <= 0 || width <= 0) {
                throw new IllegalArgumentException("image size must be positive, got " + height + " x " + width);
            }
            if (rgb.length != (long) height * width * 3) {
                throw new IllegalArgumentException("an RGB image of " + height + " x " + width + " needs "
                        + (long) height * width * 3 + " bytes, got " + rgb.length);
            }
        }
    }

    private final Path dir;
    private final int device;
    private final JsonNode description;
    private HspaceNative.hs_clip handle;

    private ClipModel(Path dir, int device, HspaceNative.hs_clip handle) {
        this.dir = dir;
        this.device = device;
        this.handle = handle;
        try {
            this.description = new ObjectMapper().readTree(HspaceNative.hs_clip_describe(handle).getString(StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            close();
            throw new EngineException("describing the CLIP model in " + dir, e);
        }
    }

    /**
     * Opens a CLIP folder: config.json (text_config, vision_config), model.safetensors and
     * preprocessor_config.json.
     *
     * @throws EngineException naming the folder and what the engine rejected
     */
    public static ClipModel open(Path dir, EngineOptions options) {
        HspaceNative.hs_engine_params params = new HspaceNative.hs_engine_params();
        try (BytePointer path = new BytePointer(dir.toString(), StandardCharsets.UTF_8)) {
            HspaceNative.hs_engine_params_init(params);
            params.device(options.device()).dtype(options.dtype().code).num_threads(options.threads());
            return new ClipModel(dir, options.device(), HspaceNative.hs_clip_create(path, params));
        } catch (EngineException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new EngineException("loading CLIP model from " + dir, e);
        } finally {
            params.close();
        }
    }

    /** The folder this model was opened from. */
    public Path dir() {
        return dir;
    }

    /** Where the model runs: -1 for the CPU, else the CUDA device index. */
    public int device() {
        return device;
    }

    /** The engine's description: tower summaries, projection_dim, image_size, logit_scale, device, ... */
    public JsonNode description() {
        return description;
    }

    /** exp(logit_scale): the factor CLIP multiplies image-text cosines by to get logits. */
    public double logitScale() {
        return description.get("logit_scale").asDouble();
    }

    /** The text tower's number of positions (77 for CLIP): token rows must not be longer. */
    public int contextLength() {
        return description.get("context_length").asInt();
    }

    /**
     * L2-normalised image embeddings {@code [images, P]}, after the folder's preprocessing.
     *
     * @throws EngineException when the engine rejects an image
     */
    public FloatTensor encodeImages(List<RgbImage> images) {
        if (images.isEmpty()) {
            throw new IllegalArgumentException("no images to encode");
        }
        long total = 0;
        int[] heights = new int[images.size()];
        int[] widths = new int[images.size()];
        for (int i = 0; i < images.size(); i++) {
            heights[i] = images.get(i).height();
            widths[i] = images.get(i).width();
            total += images.get(i).rgb().length;
        }
        long bytes = total;
        return Engine.call("encoding " + images.size() + " images with CLIP from " + dir, () -> {
            try (BytePointer pixels = new BytePointer(bytes);
                    IntPointer h = new IntPointer(heights);
                    IntPointer w = new IntPointer(widths)) {
                long offset = 0;
                for (RgbImage image : images) {
                    pixels.position(offset).put(image.rgb());
                    offset += image.rgb().length;
                }
                pixels.position(0);
                return Engine.readResult(HspaceNative.hs_clip_encode_images(live(), pixels, h, w, images.size()))
                        .get("image_embeds");
            }
        });
    }

    /**
     * L2-normalised text embeddings {@code [rows, P]} of equal-length rows of token ids from the
     * folder's CLIP tokenizer.
     */
    public FloatTensor encodeText(int[][] tokenIds) {
        if (tokenIds.length == 0) {
            throw new IllegalArgumentException("no prompts to encode");
        }
        int length = tokenIds[0].length;
        long[] flat = Engine.flatten(tokenIds, length);
        return Engine.call("encoding " + tokenIds.length + " prompts with CLIP from " + dir, () -> {
            try (LongPointer ids = new LongPointer(flat)) {
                return Engine.readResult(HspaceNative.hs_clip_encode_text(live(), ids, tokenIds.length, length))
                        .get("text_embeds");
            }
        });
    }

    @Override
    public void close() {
        if (handle != null) {
            HspaceNative.hs_clip_destroy(handle);
            handle = null;
        }
    }

    private HspaceNative.hs_clip live() {
        if (handle == null) {
            throw new IllegalStateException("CLIP model from " + dir + " is closed");
        }
        return handle;
    }
}

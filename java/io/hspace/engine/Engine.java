package io.hspace.engine;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;

/**
 * An opened model in the native engine. Not thread-safe; close it to free native memory
 * (weights included) at once rather than at garbage collection.
 */
public final class Engine implements AutoCloseable {
    private final Path modelDir;
    private HspaceNative.hs_engine handle;

    private Engine(Path modelDir, HspaceNative.hs_engine handle) {
        this.modelDir = modelDir;
        this.handle = handle;
    }

    /**
     * Opens a diffusers pipeline folder or a single component folder.
     *
     * @throws EngineException naming the folder and what the engine rejected
     */
    public static Engine open(Path modelDir, EngineOptions options) {
        HspaceNative.hs_engine_params params = new HspaceNative.hs_engine_params();
        try (BytePointer path = new BytePointer(modelDir.toString(), StandardCharsets.UTF_8)) {
            HspaceNative.hs_engine_params_init(params);
            params.device(options.device()).dtype(options.dtype().code).num_threads(options.threads());
            HspaceNative.hs_engine handle = HspaceNative.hs_engine_create(path, params);
            return new Engine(modelDir, handle);
        } catch (RuntimeException e) {
            throw new EngineException("loading model from " + modelDir, e);
        } finally {
            params.close();
        }
    }

    /** The library and LibTorch versions, e.g. "hspace 0.1.0 (LibTorch 2.9.1, CUDA no)". */
    public static String nativeVersion() {
        return HspaceNative.hs_version().getString(StandardCharsets.UTF_8);
    }

    /** True when the native build has CUDA and LibTorch sees a device. */
    public static boolean cudaAvailable() {
        return HspaceNative.hs_cuda_available() != 0;
    }

    /** The model folder this engine was opened from. */
    public Path modelDir() {
        return modelDir;
    }

    /** JSON describing family, components, parameter counts, dtypes and device. */
    public String describeJson() {
        return call("describing " + modelDir, () -> HspaceNative.hs_engine_describe(live()).getString(StandardCharsets.UTF_8));
    }

    /** The image size (pixels, square) the model was trained at, when its config says. */
    public java.util.OptionalInt defaultImageSize() {
        try {
            com.fasterxml.jackson.databind.JsonNode size = new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(describeJson()).get("default_size");
            return size == null ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(size.asInt());
        } catch (java.io.IOException e) {
            throw new EngineException("reading the engine's description of " + modelDir, e);
        }
    }

    /**
     * Runs text encoder {@code encoder} (0, or 1 for SDXL's second) on rows of token ids of
     * equal length.
     *
     * @param hiddenLayer an index into transformers' hidden_states (negative from the end),
     *     returned as "hidden_states"
     * @return "last_hidden_state", "pooler_output", and "text_embeds" / "hidden_states" when present
     */
    public Map<String, FloatTensor> encodeText(int encoder, int[][] tokenIds, OptionalInt hiddenLayer) {
        if (tokenIds.length == 0) {
            throw new IllegalArgumentException("no prompts to encode");
        }
        int length = tokenIds[0].length;
        long[] flat = flatten(tokenIds, length);
        return call("encoding " + tokenIds.length + " prompts with text encoder " + encoder, () -> {
            try (LongPointer ids = new LongPointer(flat)) {
                HspaceNative.hs_result result = HspaceNative.hs_encode_text(live(), encoder, ids,
                        tokenIds.length, length, hiddenLayer.orElse(HspaceNative.NO_HIDDEN_LAYER));
                return readResult(result);
            }
        });
    }

    /**
     * Runs an extraction job in the engine.
     *
     * @throws EngineException naming the setting the engine rejected (steps, size, capture plan, ...)
     */
    public ExtractResult extract(ExtractRequest request) {
        int length = request.promptIds()[0].length;
        long items = request.itemPrompts() != null ? request.itemPrompts().length
                : (long) request.promptIds().length * request.seeds().length;
        Steering steering = request.steering();
        return call("extracting h for " + items + " items" + (steering == null ? "" : " with steering"), () -> {
            try (HspaceNative.hs_extract_request r = new HspaceNative.hs_extract_request();
                    LongPointer ids = new LongPointer(flatten(request.promptIds(), length));
                    LongPointer ids2 = request.promptIds2() == null ? null : new LongPointer(flatten(request.promptIds2(), length));
                    LongPointer negative = request.negativeIds() == null ? null
                            : new LongPointer(flatten(new int[][] {request.negativeIds()}, length));
                    LongPointer negative2 = request.negativeIds2() == null ? null
                            : new LongPointer(flatten(new int[][] {request.negativeIds2()}, length));
                    LongPointer seeds = request.seeds() == null ? null : new LongPointer(request.seeds());
                    LongPointer itemPrompts = request.itemPrompts() == null ? null
                            : new LongPointer(java.util.Arrays.stream(request.itemPrompts()).asLongStream().toArray());
                    LongPointer itemSeeds = request.itemSeeds() == null ? null : new LongPointer(request.itemSeeds());
                    IntPointer capture = new IntPointer(request.captureSteps().length == 0 ? new int[] {0} : request.captureSteps());
                    FloatPointer direction = steering == null ? null : new FloatPointer(steering.direction());
                    FloatPointer alphas = steering == null ? null : new FloatPointer(steering.alphas());
                    IntPointer steerSteps = steering == null || steering.steps().length == 0 ? null
                            : new IntPointer(steering.steps())) {
                HspaceNative.hs_extract_request_init(r);
                r.prompt_ids(ids).prompt_ids_2(ids2).num_prompts(request.promptIds().length).token_length(length)
                        .negative_ids(negative).negative_ids_2(negative2).negative_is_empty(request.negativeIsEmpty() ? 1 : 0)
                        .seeds(seeds).num_seeds(request.seeds() == null ? 0 : request.seeds().length)
                        .item_prompts(itemPrompts).item_seeds(itemSeeds).num_items(request.itemSeeds() == null ? 0 : request.itemSeeds().length)
                        .steps(request.steps()).guidance(request.guidance())
                        .width(request.width()).height(request.height()).scheduler(request.scheduler().code)
                        .capture_steps(capture).num_capture_steps(request.captureSteps().length)
                        .branch(request.branch().code).pooling(request.pooling().code).want_images(request.images() ? 1 : 0)
                        .batch_size(request.batchSize());
                if (steering != null) {
                    r.steer_direction(direction).steer_numel(steering.direction().length).steer_alphas(alphas)
                            .steer_steps(steerSteps).num_steer_steps(steering.steps().length).steer_branch(steering.branch().code);
                }
                Map<String, FloatTensor> out = readResult(HspaceNative.hs_extract(live(), r));
                return new ExtractResult(out.get("h"), out.get("h_uncond"), out.get("timesteps").data(), out.get("images"));
            }
        });
    }

    /**
     * Image conditioning: h of each image at step k, read with the prompt's conditioning
     * (conditional branch).
     *
     * @throws EngineException naming the field the engine rejected (size, step, VAE, ...)
     */
    public ConditionResult condition(ConditionRequest request) {
        FloatTensor images = request.images();
        return call("conditioning on " + images.dim(0) + " images (" + request.mode() + ")", () -> {
            try (HspaceNative.hs_condition_request r = new HspaceNative.hs_condition_request();
                    FloatPointer pixels = new FloatPointer(images.data());
                    LongPointer ids = new LongPointer(flatten(new int[][] {request.promptIds()}, request.promptIds().length));
                    LongPointer ids2 = request.promptIds2() == null ? null
                            : new LongPointer(flatten(new int[][] {request.promptIds2()}, request.promptIds().length));
                    LongPointer seeds = request.seeds() == null ? null : new LongPointer(request.seeds())) {
                HspaceNative.hs_condition_request_init(r);
                r.images(pixels).num_images(images.dim(0)).height((int) images.dim(2)).width((int) images.dim(3))
                        .prompt_ids(ids).prompt_ids_2(ids2).token_length(request.promptIds().length)
                        .scheduler(request.scheduler().code).steps(request.steps()).step(request.step())
                        .mode(request.mode().code).seeds(seeds).pooling(request.pooling().code)
                        .batch_size(request.batchSize());
                Map<String, FloatTensor> out = readResult(HspaceNative.hs_condition(live(), r));
                return new ConditionResult(out.get("h"), out.get("timesteps").data()[0]);
            }
        });
    }

    /** The timesteps {@code scheduler} visits in {@code steps} denoising steps. */
    public float[] timesteps(Scheduler scheduler, int steps) {
        return call("asking the " + scheduler + " scheduler for " + steps + " timesteps",
                () -> readResult(HspaceNative.hs_scheduler_timesteps(live(), scheduler.code, steps)).get("timesteps").data());
    }

    /** Row-major int64 copy of equal-length rows; throws naming the first row that differs. */
    static long[] flatten(int[][] rows, int length) {
        long[] flat = new long[rows.length * length];
        for (int i = 0; i < rows.length; i++) {
            if (rows[i].length != length) {
                throw new IllegalArgumentException("token rows differ in length: row 0 has " + length
                        + ", row " + i + " has " + rows[i].length + " (pad them to one length)");
            }
            for (int j = 0; j < length; j++) {
                flat[i * length + j] = rows[i][j];
            }
        }
        return flat;
    }

    /** Copies every tensor of a native result into Java arrays and frees the result. */
    static Map<String, FloatTensor> readResult(HspaceNative.hs_result result) {
        try {
            Map<String, FloatTensor> tensors = new LinkedHashMap<>();
            int count = HspaceNative.hs_result_count(result);
            for (int i = 0; i < count; i++) {
                int ndim = HspaceNative.hs_result_ndim(result, i);
                long[] shape = new long[ndim];
                for (int d = 0; d < ndim; d++) {
                    shape[d] = HspaceNative.hs_result_dim(result, i, d);
                }
                long numel = HspaceNative.hs_result_numel(result, i);
                if (numel > Integer.MAX_VALUE) {
                    throw new EngineException("result tensor " + i + " has " + numel + " values, more than a Java array holds");
                }
                float[] data = new float[(int) numel];
                FloatPointer pointer = HspaceNative.hs_result_data(result, i);
                pointer.capacity(numel).get(data);
                String name = HspaceNative.hs_result_name(result, i).getString(StandardCharsets.UTF_8);
                tensors.put(name, new FloatTensor(shape, data));
            }
            return tensors;
        } finally {
            HspaceNative.hs_result_destroy(result);
        }
    }

    @Override
    public void close() {
        if (handle != null) {
            HspaceNative.hs_engine_destroy(handle);
            handle = null;
        }
    }

    private HspaceNative.hs_engine live() {
        if (handle == null) {
            throw new IllegalStateException("engine for " + modelDir + " is closed");
        }
        return handle;
    }

    /** A native call whose failure {@link #call} wraps. */
    interface NativeCall<T> {
        T run();
    }

    /** Runs {@code call}; an engine error becomes an {@link EngineException} saying what was being done. */
    static <T> T call(String doing, NativeCall<T> call) {
        try {
            return call.run();
        } catch (EngineException | IllegalStateException | IllegalArgumentException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new EngineException(doing, e);
        }
    }
}

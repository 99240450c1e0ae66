package io.hspace.engine;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Const;
import org.bytedeco.javacpp.annotation.MemberSetter;
import org.bytedeco.javacpp.annotation.Opaque;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * The JavaCPP binding of {@code native/include/hspace.h}, the engine's only C++ API.
 *
 * <p>Loading this class loads {@code libjniHspaceNative} and {@code libhspace} from the
 * class path; when that fails, set {@code -Dorg.bytedeco.javacpp.logger.debug=true} to see
 * every path tried. C++ exceptions arrive as {@link RuntimeException} with the engine's
 * message. Callers use {@link Engine}, which owns handles and wraps errors; this class is the
 * raw boundary.
 */
@Platform(include = "hspace.h", link = "hspace", library = "jniHspaceNative")
public final class HspaceNative {
    static {
        Loader.load();
    }

    private HspaceNative() {}

    /** Marker passed as {@code hidden_layer} when no intermediate hidden state is wanted. */
    public static final int NO_HIDDEN_LAYER = Integer.MIN_VALUE;

    public static final int HS_DTYPE_AUTO = 0;
    public static final int HS_DTYPE_F32 = 1;
    public static final int HS_DTYPE_F16 = 2;
    public static final int HS_DTYPE_BF16 = 3;

    /** Opaque engine handle. */
    @Opaque
    public static class hs_engine extends Pointer {
        public hs_engine() {
            super((Pointer) null);
        }

        public hs_engine(Pointer p) {
            super(p);
        }
    }

    /** Opaque result handle: named float32 tensors. */
    @Opaque
    public static class hs_result extends Pointer {
        public hs_result() {
            super((Pointer) null);
        }

        public hs_result(Pointer p) {
            super(p);
        }
    }

    /** {@code struct hs_engine_params}. */
    public static class hs_engine_params extends Pointer {
        static {
            Loader.load();
        }

        public hs_engine_params() {
            super((Pointer) null);
            allocate();
        }

        private native void allocate();

        public native int device();

        public native hs_engine_params device(int value);

        public native int dtype();

        public native hs_engine_params dtype(int value);

        public native int num_threads();

        public native hs_engine_params num_threads(int value);
    }

    public static final int HS_SCHEDULER_MODEL = 0;
    public static final int HS_SCHEDULER_DDIM = 1;
    public static final int HS_SCHEDULER_EULER = 2;
    public static final int HS_SCHEDULER_LCM = 3;
    public static final int HS_BRANCH_COND = 0;
    public static final int HS_BRANCH_UNCOND = 1;
    public static final int HS_BRANCH_BOTH = 2;
    public static final int HS_POOL_NONE = 0;
    public static final int HS_POOL_SPATIAL_MEAN = 1;

    /** {@code struct hs_extract_request}; the pointers must outlive the hs_extract call. */
    public static class hs_extract_request extends Pointer {
        static {
            Loader.load();
        }

        public hs_extract_request() {
            super((Pointer) null);
            allocate();
        }

        private native void allocate();

        @MemberSetter public native hs_extract_request prompt_ids(@Cast("const int64_t*") LongPointer value);

        @MemberSetter public native hs_extract_request prompt_ids_2(@Cast("const int64_t*") LongPointer value);

        @MemberSetter public native hs_extract_request num_prompts(long value);

        @MemberSetter public native hs_extract_request token_length(long value);

        @MemberSetter public native hs_extract_request negative_ids(@Cast("const int64_t*") LongPointer value);

        @MemberSetter public native hs_extract_request negative_ids_2(@Cast("const int64_t*") LongPointer value);

        @MemberSetter public native hs_extract_request negative_is_empty(int value);

        @MemberSetter public native hs_extract_request seeds(@Cast("const int64_t*") LongPointer value);

        @MemberSetter public native hs_extract_request num_seeds(long value);

        @MemberSetter public native hs_extract_request item_prompts(@Cast("const int64_t*") LongPointer value);

        @MemberSetter public native hs_extract_request item_seeds(@Cast("const int64_t*") LongPointer value);

        @MemberSetter public native hs_extract_request num_items(long value);

        @MemberSetter public native hs_extract_request steps(int value);

        @MemberSetter public native hs_extract_request guidance(float value);

        @MemberSetter public native hs_extract_request width(int value);

        @MemberSetter public native hs_extract_request height(int value);

        @MemberSetter public native hs_extract_request scheduler(int value);

        @MemberSetter public native hs_extract_request capture_steps(@Cast("const int32_t*") IntPointer value);

        @MemberSetter public native hs_extract_request num_capture_steps(int value);

        @MemberSetter public native hs_extract_request branch(int value);

        @MemberSetter public native hs_extract_request pooling(int value);

        @MemberSetter public native hs_extract_request want_images(int value);

        @MemberSetter public native hs_extract_request batch_size(int value);

        @MemberSetter public native hs_extract_request steer_direction(@Cast("const float*") FloatPointer value);

        @MemberSetter public native hs_extract_request steer_numel(long value);

        @MemberSetter public native hs_extract_request steer_alphas(@Cast("const float*") FloatPointer value);

        @MemberSetter public native hs_extract_request steer_steps(@Cast("const int32_t*") IntPointer value);

        @MemberSetter public native hs_extract_request num_steer_steps(int value);

        @MemberSetter public native hs_extract_request steer_branch(int value);
    }

    public static native void hs_extract_request_init(hs_extract_request request);

    public static native hs_result hs_scheduler_timesteps(hs_engine engine, int scheduler, int steps);

    public static native hs_result hs_extract(hs_engine engine, @Const hs_extract_request request);

    public static final int HS_CONDITION_NOISE = 0;
    public static final int HS_CONDITION_INVERT = 1;

    /** {@code struct hs_condition_request}; the pointers must outlive the hs_condition call. */
    public static class hs_condition_request extends Pointer {
        static {
            Loader.load();
        }

        public hs_condition_request() {
            super((Pointer) null);
            allocate();
        }

        private native void allocate();

        @MemberSetter public native hs_condition_request images(@Cast("const float*") FloatPointer value);

        @MemberSetter public native hs_condition_request num_images(long value);

        @MemberSetter public native hs_condition_request width(int value);

        @MemberSetter public native hs_condition_request height(int value);

        @MemberSetter public native hs_condition_request prompt_ids(@Cast("const int64_t*") LongPointer value);

        @MemberSetter public native hs_condition_request prompt_ids_2(@Cast("const int64_t*") LongPointer value);

        @MemberSetter public native hs_condition_request token_length(long value);

        @MemberSetter public native hs_condition_request scheduler(int value);

        @MemberSetter public native hs_condition_request steps(int value);

        @MemberSetter public native hs_condition_request step(int value);

        @MemberSetter public native hs_condition_request mode(int value);

        @MemberSetter public native hs_condition_request seeds(@Cast("const int64_t*") LongPointer value);

        @MemberSetter public native hs_condition_request pooling(int value);

        @MemberSetter public native hs_condition_request batch_size(int value);
    }

    public static native void hs_condition_request_init(hs_condition_request request);

    public static native hs_result hs_condition(hs_engine engine, @Const hs_condition_request request);

    public static final int HS_SIM_COSINE = 0;
    public static final int HS_SIM_PROJECTION = 1;
    public static final int HS_SIM_DOT = 2;

    public static native hs_result hs_similarity(@Const FloatPointer a, long n, @Const FloatPointer b, long m, long d,
            int kind, int topK, int device);

    public static native @Cast("const char*") BytePointer hs_version();

    public static native int hs_cuda_available();

    public static native void hs_engine_params_init(hs_engine_params params);

    public static native hs_engine hs_engine_create(@Cast("const char*") BytePointer modelDir,
            @Const hs_engine_params params);

    public static native void hs_engine_destroy(hs_engine engine);

    public static native @Cast("const char*") BytePointer hs_engine_describe(hs_engine engine);

    public static native hs_result hs_encode_text(hs_engine engine, int encoder,
            @Cast("const int64_t*") LongPointer tokenIds, long batch, long length, int hiddenLayer);

    // ---- CLIP: a transformers CLIP folder for zero-shot image tagging ----------------------

    /** Opaque CLIP model handle. */
    @Opaque
    public static class hs_clip extends Pointer {
        public hs_clip() {
            super((Pointer) null);
        }

        public hs_clip(Pointer p) {
            super(p);
        }
    }

    public static native hs_clip hs_clip_create(@Cast("const char*") BytePointer clipDir, @Const hs_engine_params params);

    public static native void hs_clip_destroy(hs_clip clip);

    public static native @Cast("const char*") BytePointer hs_clip_describe(hs_clip clip);

    public static native hs_result hs_clip_encode_images(hs_clip clip, @Cast("const uint8_t*") BytePointer pixels,
            @Cast("const int32_t*") IntPointer heights, @Cast("const int32_t*") IntPointer widths, int count);

    public static native hs_result hs_clip_encode_text(hs_clip clip, @Cast("const int64_t*") LongPointer tokenIds,
            long batch, long length);

    public static native int hs_result_count(@Const hs_result result);

    public static native @Cast("const char*") BytePointer hs_result_name(@Const hs_result result, int index);

    public static native int hs_result_ndim(@Const hs_result result, int index);

    public static native long hs_result_dim(@Const hs_result result, int index, int axis);

    public static native long hs_result_numel(@Const hs_result result, int index);

    public static native @Const FloatPointer hs_result_data(@Const hs_result result, int index);

    public static native void hs_result_destroy(hs_result result);
}

package io.hspace.engine;

import java.util.Map;
import org.bytedeco.javacpp.FloatPointer;

/**
 * Batched similarity of row vectors in the native engine: every analysis score goes through
 * here. Rows of {@code a} [n, d] against rows of {@code b} [m, d].
 */
public final class Similarity {
    /** What is computed for each pair of rows. */
    public enum Kind {
        /** a . b / (|a| |b|); a zero row scores 0. */
        COSINE(HspaceNative.HS_SIM_COSINE),
        /** a . b / |b|: the length of a along b. */
        PROJECTION(HspaceNative.HS_SIM_PROJECTION),
        /** a . b. */
        DOT(HspaceNative.HS_SIM_DOT);

        final int code;

        Kind(int code) {
            this.code = code;
        }
    }

    /**
     * Scores and, when asked, the best {@code topK} references per query row.
     *
     * @param scores [n, m]
     * @param topValues [n, k] descending, or null
     * @param topIndices [n, k] indices into b, or null
     */
    public record Result(FloatTensor scores, FloatTensor topValues, int[][] topIndices) {}

    private Similarity() {}

    /**
     * Computes {@code kind} for all pairs; {@code device} -1 is the CPU.
     *
     * @param a n x d, flattened row-major
     * @param b m x d, flattened row-major
     */
    public static Result compute(float[] a, int n, float[] b, int m, int d, Kind kind, int topK, int device) {
        if ((long) n * d != a.length || (long) m * d != b.length) {
            throw new IllegalArgumentException("similarity: a holds " + a.length + " values for " + n + "x" + d
                    + ", b holds " + b.length + " for " + m + "x" + d);
        }
        try (FloatPointer pa = new FloatPointer(a); FloatPointer pb = new FloatPointer(b)) {
            Map<String, FloatTensor> out = Engine.readResult(HspaceNative.hs_similarity(pa, n, pb, m, d, kind.code, topK, device));
            int[][] indices = null;
            FloatTensor idx = out.get("topk_indices");
            if (idx != null) {
                indices = new int[n][topK];
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < topK; j++) {
                        indices[i][j] = (int) idx.data()[i * topK + j];
                    }
                }
            }
            return new Result(out.get("scores"), out.get("topk_values"), indices);
        } catch (EngineException | IllegalArgumentException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new EngineException("computing " + kind + " similarities of " + n + " x " + m + " rows", e);
        }
    }
}

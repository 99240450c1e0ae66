package io.hspace.caption;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Turns images into captions: one caption per image, in the order given. Implementations are
 * the Toy World reader ({@link ToyWorldCaptioner}), an external command
 * ({@link CommandCaptioner}) and a zero-shot CLIP tagger.
 *
 * <p>A captioner may hold native or process resources; close it when done. Captions are plain
 * lower-case-insensitive text; analyses split them into words with {@link CaptionWords}.
 */
public interface Captioner extends AutoCloseable {

    /**
     * Captions the images at the given paths.
     *
     * @param images image files (PNG/JPEG/...); none may be missing or unreadable
     * @return exactly {@code images.size()} captions, the i-th for the i-th image, none null
     * @throws IOException when an image cannot be read
     * @throws CaptionException when the captioner itself fails (wrong number of captions,
     *     a command that fails or times out, ...)
     */
    List<String> caption(List<Path> images) throws IOException;

    /**
     * A short name identifying this captioner and its settings, stored with the captions in
     * the atlas (e.g. {@code toyworld-reader}, {@code command:/usr/bin/blip}).
     */
    String name();

    /** Releases resources; the default does nothing. Never throws a checked exception. */
    @Override
    default void close() {}
}

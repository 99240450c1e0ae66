package io.hspace.caption;

import io.hspace.engine.EngineOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The one place a {@link Captioner} is built from its spec, as the CLI option {@code --captioner}
 * and the study key {@code captioner} write it:
 * <ul>
 *   <li>{@code toyworld}: the Toy World reader;
 *   <li>{@code clip:DIR}: the zero-shot CLIP tagger over the transformers CLIP folder DIR, with a
 *       word list file (one word per line; an empty or repeated line is an error naming it);
 *   <li>{@code command:CMD}: an external program (see {@link CommandCaptioner}).
 * </ul>
 */
public final class Captioners {
    /** Default time one external command call may take. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(10);

    private Captioners() {}

    /**
     * How to build a captioner.
     *
     * @param spec {@code toyworld}, {@code clip:DIR} or {@code command:CMD}
     * @param words the word list file, required by {@code clip:} and refused by the others
     * @param timeout the time limit of one {@code command:} call
     */
    public record Spec(String spec, Path words, Duration timeout) {
        public Spec {
            if (spec == null || spec.isBlank()) {
                throw new IllegalArgumentException("captioner is empty; use toyworld, clip:DIR or command:CMD");
            }
            timeout = timeout == null ? DEFAULT_TIMEOUT : timeout;
            String kind = kind(spec);
            if (kind.equals("clip") && words == null) {
                throw new IllegalArgumentException("captioner '" + spec + "' needs a word list (--words FILE, study key words)");
            }
            if (!kind.equals("clip") && words != null) {
                throw new IllegalArgumentException("a word list is only used by the clip: captioner, not by '" + spec + "'");
            }
        }

        /** {@code toyworld}, {@code clip} or {@code command}; throws naming the valid forms. */
        static String kind(String spec) {
            if (spec.equals("toyworld")) {
                return "toyworld";
            }
            for (String k : new String[] {"clip", "command"}) {
                if (spec.startsWith(k + ":")) {
                    if (spec.length() == k.length() + 1) {
                        throw new IllegalArgumentException("captioner '" + spec + "' names no " + (k.equals("clip") ? "folder" : "command"));
                    }
                    return k;
                }
            }
            throw new IllegalArgumentException("unknown captioner '" + spec + "'; valid: toyworld, clip:DIR, command:CMD");
        }
    }

    /**
     * Builds the captioner of a spec.
     *
     * @throws IOException when the word list or the CLIP folder cannot be read
     * @throws IllegalArgumentException for a bad spec or word list, naming the problem
     */
    public static Captioner open(Spec spec, EngineOptions options) throws IOException {
        String s = spec.spec();
        return switch (Spec.kind(s)) {
            case "toyworld" -> new ToyWorldCaptioner();
            case "clip" -> ClipTagger.open(Path.of(s.substring("clip:".length())), ClipTagger.readWords(spec.words()),
                    ClipTagger.Settings.defaults(), options);
            default -> new CommandCaptioner(s.substring("command:".length()), spec.timeout());
        };
    }
}

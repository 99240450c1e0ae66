package io.hspace.caption;

import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

/** Splits captions into the word sets the discovery analysis compares. */
public final class CaptionWords {

    private CaptionWords() {}

    /**
     * The distinct words of a caption, lower-cased, in order of first appearance: maximal runs
     * of letters, digits, apostrophes and hyphens. Punctuation separates words.
     */
    public static Set<String> words(String caption) {
        Set<String> out = new LinkedHashSet<>();
        StringBuilder w = new StringBuilder();
        String s = caption.toLowerCase(Locale.ROOT);
        for (int i = 0; i <= s.length(); i++) {
            char c = i < s.length() ? s.charAt(i) : ' ';
            if (Character.isLetterOrDigit(c) || c == '\'' || c == '-') {
                w.append(c);
            } else if (w.length() > 0) {
                out.add(w.toString());
                w.setLength(0);
            }
        }
        return out;
    }
}

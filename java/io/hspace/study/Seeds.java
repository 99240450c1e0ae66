package io.hspace.study;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Seed lists as users write them: {@code "0-15,42"}: seeds and inclusive ranges, no repeats. */
public final class Seeds {
    private Seeds() {}

    /** Parses a seed list; throws naming the bad part. */
    public static List<Long> parse(String text) {
        Set<Long> seeds = new LinkedHashSet<>();
        addAll(text, seeds);
        if (seeds.isEmpty()) {
            throw new IllegalArgumentException("seeds: the list is empty");
        }
        return new ArrayList<>(seeds);
    }

    /** Adds the seeds of {@code text} to {@code seeds}; throws on repeats, negatives and bad parts. */
    static void addAll(String text, Set<Long> seeds) {
        for (String part : text.split(",")) {
            String t = part.trim();
            try {
                int dash = t.indexOf('-', 1);
                if (dash < 0) {
                    add(seeds, Long.parseLong(t));
                    continue;
                }
                long from = Long.parseLong(t.substring(0, dash).trim());
                long to = Long.parseLong(t.substring(dash + 1).trim());
                if (to < from) {
                    throw new IllegalArgumentException("seeds: range '" + t + "' runs backwards");
                }
                if (to - from > 1_000_000) {
                    throw new IllegalArgumentException("seeds: range '" + t + "' is over a million seeds");
                }
                for (long s = from; s <= to; s++) {
                    add(seeds, s);
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("seeds: '" + t + "' is neither a seed nor a range like 0-15");
            }
        }
    }

    /** Adds one seed; throws when negative or already present. */
    static void add(Set<Long> seeds, long s) {
        if (s < 0) {
            throw new IllegalArgumentException("seeds: " + s + " is negative");
        }
        if (!seeds.add(s)) {
            throw new IllegalArgumentException("seeds: " + s + " is listed twice");
        }
    }
}

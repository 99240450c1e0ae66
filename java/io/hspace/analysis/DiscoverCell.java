package io.hspace.analysis;

/**
 * One prompt of the discover analysis.
 *
 * @param name the analysis entry's name
 * @param prompt the prompt whose seeds' images are captioned
 * @param textTemplate the prompt of a caption word, containing {@code {word}} once (other slots filled)
 * @param minCount a word is tested only when at least this many seeds have it and this many lack it
 * @param textSeeds how many of the study's seeds (the first ones) each text prompt is extracted
 *     with; 0 for all
 */
public record DiscoverCell(String name, String prompt, String textTemplate, int minCount, int textSeeds) {
    /** The placeholder of {@link #textTemplate}. */
    public static final String WORD = "{word}";

    public DiscoverCell {
        int at = textTemplate.indexOf(WORD);
        if (at < 0 || textTemplate.indexOf(WORD, at + 1) >= 0) {
            throw new IllegalArgumentException("text_template '" + textTemplate + "' must contain " + WORD + " exactly once");
        }
        if (textSeeds < 0) {
            throw new IllegalArgumentException("text_seeds must be at least 1 (or absent for all seeds), got " + textSeeds);
        }
        if (minCount < 2) {
            throw new IllegalArgumentException("min_count must be at least 2 (a leave-one-out direction needs two seeds per group), got "
                    + minCount);
        }
    }

    /** The seeds of the text prompts: the first {@link #textSeeds} of {@code seeds}, or all. */
    public java.util.List<Long> textSeeds(java.util.List<Long> seeds) {
        return textSeeds == 0 ? seeds : seeds.subList(0, Math.min(textSeeds, seeds.size()));
    }

    /** The text prompt of one word: {@code H(textPrompt(w)) - H(prompt)} is its text direction. */
    public String textPrompt(String word) {
        return textTemplate.replace(WORD, word);
    }
}

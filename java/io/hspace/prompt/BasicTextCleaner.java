// ref: transformers/models/clip/tokenization_clip.py (BasicTokenizer, as CLIPTokenizer builds it without ftfy)
package io.hspace.prompt;

import java.util.ArrayList;
import java.util.List;

/**
 * The text cleaning transformers' CLIPTokenizer applies when {@code ftfy} is not installed:
 * {@code BasicTokenizer(do_lower_case=True, strip_accents=False, do_split_on_punc=False)}.
 *
 * <p>It drops control characters, turns whitespace into spaces, puts spaces around CJK
 * ideographs, NFC-normalises ({@link Nfc}), splits on whitespace and lowercases each word with
 * Python's {@code str.lower()} rules. Accents are kept and punctuation stays attached: the BPE
 * pre-tokenizer splits it later. Character properties come from {@link ClipUnicode}, so the
 * result matches Python's and not the JVM's Unicode version.
 */
final class BasicTextCleaner {
  private static final int CAPITAL_SIGMA = 0x3A3;
  private static final int SMALL_SIGMA = 0x3C3;
  private static final int FINAL_SIGMA = 0x3C2;

  private BasicTextCleaner() {}

  /**
   * Cleans {@code text} into lowercase words, exactly as {@code BasicTokenizer.tokenize} returns them.
   *
   * @return the words in order; empty for text with nothing but whitespace or control characters
   */
  static List<String> words(String text) {
    StringBuilder cleaned = new StringBuilder(text.length() + 8);
    text.codePoints().forEach(cp -> {
      int flags = ClipUnicode.flags(cp);
      if ((flags & ClipUnicode.DROP) != 0) {
        return;
      }
      if ((flags & ClipUnicode.CLEAN_SPACE) != 0) {
        cleaned.append(' ');
      } else if (isCjkIdeograph(cp)) {
        cleaned.append(' ').appendCodePoint(cp).append(' ');
      } else {
        cleaned.appendCodePoint(cp);
      }
    });
    String normalized = Nfc.normalize(cleaned);
    List<String> words = new ArrayList<>();
    for (String word : splitOnWhitespace(normalized)) {
      // Python lowercases before BasicTokenizer re-splits the joined words; lowercase mappings
      // never yield whitespace, but the second split is kept to mirror the reference exactly.
      words.addAll(splitOnWhitespace(pythonLower(word)));
    }
    return words;
  }

  /** Python's {@code str.split()}: cut at runs of {@code str.isspace()} characters, drop empty pieces. */
  static List<String> splitOnWhitespace(String text) {
    List<String> pieces = new ArrayList<>();
    int start = -1;
    for (int i = 0; i < text.length(); ) {
      int cp = text.codePointAt(i);
      boolean space = (ClipUnicode.flags(cp) & ClipUnicode.SPLIT_SPACE) != 0;
      if (space && start >= 0) {
        pieces.add(text.substring(start, i));
        start = -1;
      } else if (!space && start < 0) {
        start = i;
      }
      i += Character.charCount(cp);
    }
    if (start >= 0) {
      pieces.add(text.substring(start));
    }
    return pieces;
  }

  /** Python's {@code str.lower()}: full lowercase mappings plus the final-sigma rule, and nothing locale-specific. */
  static String pythonLower(String word) {
    int[] cps = word.codePoints().toArray();
    StringBuilder out = new StringBuilder(word.length());
    for (int i = 0; i < cps.length; i++) {
      if (cps[i] == CAPITAL_SIGMA) {
        out.appendCodePoint(isFinalSigma(cps, i) ? FINAL_SIGMA : SMALL_SIGMA);
        continue;
      }
      String lower = ClipUnicode.lower(cps[i]);
      if (lower != null) {
        out.append(lower);
      } else {
        out.appendCodePoint(cps[i]);
      }
    }
    return out.toString();
  }

  // CPython's handle_capital_sigma: cased (case-ignorable)* SIGMA !((case-ignorable)* cased).
  private static boolean isFinalSigma(int[] cps, int at) {
    int j = at - 1;
    while (j >= 0 && (ClipUnicode.flags(cps[j]) & ClipUnicode.CASE_IGNORABLE) != 0) {
      j--;
    }
    if (j < 0 || (ClipUnicode.flags(cps[j]) & ClipUnicode.CASED) == 0) {
      return false;
    }
    j = at + 1;
    while (j < cps.length && (ClipUnicode.flags(cps[j]) & ClipUnicode.CASE_IGNORABLE) != 0) {
      j++;
    }
    return j == cps.length || (ClipUnicode.flags(cps[j]) & ClipUnicode.CASED) == 0;
  }

  /** BasicTokenizer._is_chinese_char: the CJK Unified Ideographs blocks (not Hangul, Hiragana or Katakana). */
  static boolean isCjkIdeograph(int cp) {
    return (cp >= 0x4E00 && cp <= 0x9FFF)
        || (cp >= 0x3400 && cp <= 0x4DBF)
        || (cp >= 0x20000 && cp <= 0x2A6DF)
        || (cp >= 0x2A700 && cp <= 0x2B73F)
        || (cp >= 0x2B740 && cp <= 0x2B81F)
        || (cp >= 0x2B820 && cp <= 0x2CEAF)
        || (cp >= 0xF900 && cp <= 0xFAFF)
        || (cp >= 0x2F800 && cp <= 0x2FA1F);
  }
}

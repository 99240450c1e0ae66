// ref: Unicode Standard Annex #15 (decomposition, canonical ordering, canonical composition), as CPython's unicodedata.normalize("NFC") runs it
package io.hspace.prompt;

import java.util.Arrays;

/**
 * NFC with Python's Unicode data ({@link ClipUnicode}) rather than {@link java.text.Normalizer}:
 * Java 17 does not know the combining classes of marks added in Unicode 14, so it orders them
 * differently from the {@code unicodedata} that transformers' BasicTokenizer calls.
 */
final class Nfc {
  private static final int S_BASE = 0xAC00;
  private static final int L_BASE = 0x1100;
  private static final int V_BASE = 0x1161;
  private static final int T_BASE = 0x11A7;
  private static final int L_COUNT = 19;
  private static final int V_COUNT = 21;
  private static final int T_COUNT = 28;
  private static final int N_COUNT = V_COUNT * T_COUNT;
  private static final int S_COUNT = L_COUNT * N_COUNT;

  private Nfc() {}

  /** The NFC form of {@code text}. */
  static String normalize(CharSequence text) {
    int[] cps = decompose(text);
    reorder(cps);
    int length = compose(cps);
    return new String(cps, 0, length);
  }

  private static int[] decompose(CharSequence text) {
    int[] out = new int[text.length() * 4 + 4];
    int n = 0;
    for (int i = 0; i < text.length(); ) {
      int cp = Character.codePointAt(text, i);
      i += Character.charCount(cp);
      if (n + 4 > out.length) {
        out = Arrays.copyOf(out, out.length * 2);
      }
      int s = cp - S_BASE;
      if (s >= 0 && s < S_COUNT) {
        out[n++] = L_BASE + s / N_COUNT;
        out[n++] = V_BASE + (s % N_COUNT) / T_COUNT;
        if (s % T_COUNT != 0) {
          out[n++] = T_BASE + s % T_COUNT;
        }
        continue;
      }
      int[] mapping = ClipUnicode.decomposition(cp);
      if (mapping == null) {
        out[n++] = cp;
      } else {
        if (n + mapping.length > out.length) {
          out = Arrays.copyOf(out, out.length * 2 + mapping.length);
        }
        System.arraycopy(mapping, 0, out, n, mapping.length);
        n += mapping.length;
      }
    }
    return Arrays.copyOf(out, n);
  }

  // Canonical ordering: a stable sort by combining class of each run of non-starters.
  private static void reorder(int[] cps) {
    for (int i = 1; i < cps.length; i++) {
      int ccc = ClipUnicode.combiningClass(cps[i]);
      if (ccc == 0) {
        continue;
      }
      int j = i;
      while (j > 0 && ClipUnicode.combiningClass(cps[j - 1]) > ccc) {
        int swap = cps[j - 1];
        cps[j - 1] = cps[j];
        cps[j] = swap;
        j--;
      }
    }
  }

  // Canonical composition in place; returns the new length.
  private static int compose(int[] cps) {
    if (cps.length == 0) {
      return 0;
    }
    int starterPos = 0;
    int starter = cps[0];
    // A leading non-starter has no starter to join; 256 blocks every composition onto it.
    int lastClass = ClipUnicode.combiningClass(starter) == 0 ? 0 : 256;
    int out = 1;
    for (int i = 1; i < cps.length; i++) {
      int cp = cps[i];
      int ccc = ClipUnicode.combiningClass(cp);
      int composite = pairComposite(starter, cp);
      if (composite >= 0 && (lastClass < ccc || lastClass == 0)) {
        cps[starterPos] = composite;
        starter = composite;
        continue;
      }
      if (ccc == 0) {
        starterPos = out;
        starter = cp;
      }
      lastClass = ccc;
      cps[out++] = cp;
    }
    return out;
  }

  private static int pairComposite(int first, int second) {
    int l = first - L_BASE;
    int v = second - V_BASE;
    if (l >= 0 && l < L_COUNT && v >= 0 && v < V_COUNT) {
      return S_BASE + (l * V_COUNT + v) * T_COUNT;
    }
    int s = first - S_BASE;
    int t = second - T_BASE;
    if (s >= 0 && s < S_COUNT && s % T_COUNT == 0 && t > 0 && t < T_COUNT) {
      return first + t;
    }
    return ClipUnicode.composition(first, second);
  }
}

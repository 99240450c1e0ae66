// ref: transformers/models/clip/tokenization_clip.py (CLIPTokenizer) and transformers/tokenization_utils.py (tokenize)
package io.hspace.prompt;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * CLIP's byte-level BPE tokenizer, giving the same ids as {@code transformers.CLIPTokenizer}
 * (4.57, slow tokenizer, no {@code ftfy}) loaded from the same folder and called with
 * {@code truncation=True, max_length=N} and optionally {@code padding="max_length"}.
 *
 * <p>The steps mirror transformers: the text is split around the folder's special tokens
 * (bos, eos, unk, pad, additional and added tokens; SDXL's second tokenizer makes {@code !} one of
 * them), each piece is cleaned by {@link BasicTextCleaner}, cut by CLIP's pre-tokenizer pattern,
 * mapped byte-wise to printable characters and merged by BPE rank with a {@code </w>} end marker.
 *
 * <p>{@code do_lower_case} in tokenizer_config.json is deliberately not read: transformers'
 * CLIPTokenizer never turns it into an attribute and always lowercases through its
 * BasicTokenizer, so honouring {@code false} would break parity.
 *
 * <p>Instances are immutable apart from a word cache and safe to share between threads.
 */
public final class ClipTokenizer {
  /** transformers keeps merges.txt lines 1 .. 49152-256-2, whatever the file holds beyond. */
  private static final int MAX_MERGES = 49152 - 256 - 2;
  private static final String END_OF_WORD = "</w>";
  /** CLIPTokenizer's pre-seeded BPE cache: these come back whole even when reached through the pattern. */
  private static final List<String> CACHED_SPECIALS = List.of("<|startoftext|>", "<|endoftext|>");
  /** The literal alternatives of CLIP's pattern, tried in this order before letters, digits and the rest. */
  private static final List<String> PATTERN_LITERALS =
      List.of("<|startoftext|>", "<|endoftext|>", "'s", "'t", "'re", "'ve", "'m", "'ll", "'d");
  private static final int CACHE_LIMIT = 100_000;
  private static final char[] BYTE_CHARS = byteToUnicode();

  private final Path dir;
  private final Map<String, Integer> vocab;
  private final Map<String, Integer> mergeRanks;
  /** Special and added tokens, longest first, as transformers' trie matches them. */
  private final List<String> addedTokens;
  private final Map<String, Integer> addedIds;
  private final int bosId;
  private final int eosId;
  private final int unkId;
  private final int padId;
  private final int maxLength;
  private final Map<String, String[]> cache = new ConcurrentHashMap<>();

  private ClipTokenizer(Path dir, Map<String, Integer> vocab, Map<String, Integer> mergeRanks,
      Map<String, Integer> addedIds, SpecialTokens special, int maxLength) {
    this.dir = dir;
    this.vocab = vocab;
    this.mergeRanks = mergeRanks;
    this.addedIds = addedIds;
    this.addedTokens = new ArrayList<>(addedIds.keySet());
    this.addedTokens.sort(Comparator.comparingInt(String::length).reversed());
    this.bosId = addedIds.get(special.bos());
    this.eosId = addedIds.get(special.eos());
    this.unkId = addedIds.get(special.unk());
    this.padId = addedIds.get(special.pad());
    this.maxLength = maxLength;
  }

  /** The special tokens a tokenizer folder names; none may be null. */
  private record SpecialTokens(String bos, String eos, String unk, String pad) {}

  /**
   * Loads a Hugging Face CLIP tokenizer folder: vocab.json, merges.txt, tokenizer_config.json and,
   * when present, special_tokens_map.json (whose entries win, as in transformers' legacy loading).
   *
   * @param dir the folder, e.g. {@code models/toy/tokenizer} or an SD pipeline's {@code tokenizer_2}
   * @return the tokenizer
   * @throws IOException naming the file when one is missing, unreadable or malformed
   */
  public static ClipTokenizer load(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new FileNotFoundException("tokenizer folder " + dir + " does not exist");
    }
    Map<String, Integer> vocab = readVocab(required(dir, "vocab.json"));
    Map<String, Integer> ranks = readMerges(required(dir, "merges.txt"));
    Path configFile = required(dir, "tokenizer_config.json");
    JsonNode config = readJson(configFile);
    Path mapFile = dir.resolve("special_tokens_map.json");
    JsonNode map = Files.exists(mapFile) ? readJson(mapFile) : null;
    boolean configDefinesAdded = config.has("added_tokens_decoder");

    Map<String, Integer> addedIds = new LinkedHashMap<>();
    if (configDefinesAdded) {
      Iterator<Map.Entry<String, JsonNode>> entries = config.get("added_tokens_decoder").fields();
      while (entries.hasNext()) {
        Map.Entry<String, JsonNode> entry = entries.next();
        String content = tokenContent(configFile, "added_tokens_decoder." + entry.getKey(), entry.getValue());
        try {
          addedIds.put(content, Integer.parseInt(entry.getKey()));
        } catch (NumberFormatException e) {
          throw new IOException(configFile + ": added_tokens_decoder key '" + entry.getKey() + "' is not an id");
        }
      }
    }
    String[] names = new String[4];
    String[] keys = {"bos_token", "eos_token", "unk_token", "pad_token"};
    String[] defaults = {"<|startoftext|>", "<|endoftext|>", "<|endoftext|>", "<|endoftext|>"};
    for (int i = 0; i < keys.length; i++) {
      JsonNode node = config.get(keys[i]);
      Path from = configFile;
      if (!configDefinesAdded && map != null && map.hasNonNull(keys[i])) {
        node = map.get(keys[i]);
        from = mapFile;
      }
      names[i] = node == null || node.isNull() ? defaults[i] : tokenContent(from, keys[i], node);
    }
    List<String> extra = new ArrayList<>();
    for (JsonNode source : new JsonNode[] {config, map}) {
      if (source != null && source.has("additional_special_tokens")) {
        Path from = source == config ? configFile : mapFile;
        for (JsonNode token : source.get("additional_special_tokens")) {
          extra.add(tokenContent(from, "additional_special_tokens", token));
        }
      }
    }
    List<String> specials = new ArrayList<>(Arrays.asList(names));
    specials.addAll(extra);
    for (String token : specials) {
      if (!addedIds.containsKey(token)) {
        Integer id = vocab.get(token);
        if (id == null) {
          throw new IOException(dir + ": special token '" + token + "' is neither in vocab.json nor in added_tokens_decoder");
        }
        addedIds.put(token, id);
      }
    }
    for (String side : new String[] {"truncation_side", "padding_side"}) {
      if (config.has(side) && !"right".equals(config.get(side).asText())) {
        throw new IOException(configFile + ": " + side + " '" + config.get(side).asText() + "' is not supported (only 'right')");
      }
    }
    JsonNode max = config.get("model_max_length");
    if (max == null || !max.canConvertToInt() || max.asInt() < 2) {
      throw new IOException(configFile + ": model_max_length must be an integer >= 2, got " + max);
    }
    return new ClipTokenizer(dir, vocab, ranks, addedIds,
        new SpecialTokens(names[0], names[1], names[2], names[3]), max.asInt());
  }

  /** The folder this tokenizer was loaded from. */
  public Path dir() {
    return dir;
  }

  /** tokenizer_config.json's model_max_length: the length {@link #encode(String)} truncates to (77 for CLIP). */
  public int maxLength() {
    return maxLength;
  }

  /** The id padding uses: {@code <|endoftext|>} (49407) for SD 1.5, {@code !} (0) for SDXL's second tokenizer. */
  public int padId() {
    return padId;
  }

  /** The id every encoding starts with ({@code <|startoftext|>}). */
  public int bosId() {
    return bosId;
  }

  /** The id every encoding ends with before padding ({@code <|endoftext|>}), kept even when truncating. */
  public int eosId() {
    return eosId;
  }

  /**
   * BOS, the prompt's tokens and EOS, truncated to {@link #maxLength()} with EOS kept last;
   * what {@code tokenizer(text, truncation=True, max_length=model_max_length).input_ids} gives.
   */
  public int[] encode(String text) {
    return encode(text, maxLength, false);
  }

  /** As {@link #encode(String)}, and when {@code padToMaxLength} padded with {@link #padId()} to {@link #maxLength()}. */
  public int[] encode(String text, boolean padToMaxLength) {
    return encode(text, maxLength, padToMaxLength);
  }

  /**
   * BOS, tokens, EOS truncated to {@code length} (tokens dropped from the end, EOS kept) and, when
   * {@code pad}, padded to exactly {@code length} with {@link #padId()}.
   *
   * @throws IllegalArgumentException when {@code length < 2} (no room for BOS and EOS)
   */
  public int[] encode(String text, int length, boolean pad) {
    return tokenize(text, length, pad).ids();
  }

  /** As {@link #encode(String, int, boolean)}, also telling how many tokens truncation dropped. */
  public Encoding tokenize(String text, int length, boolean pad) {
    if (length < 2) {
      throw new IllegalArgumentException("length must be >= 2 to hold BOS and EOS, got " + length);
    }
    int[] tokens = tokenIds(text);
    int kept = Math.min(tokens.length, length - 2);
    int[] ids = new int[pad ? length : kept + 2];
    ids[0] = bosId;
    System.arraycopy(tokens, 0, ids, 1, kept);
    ids[kept + 1] = eosId;
    Arrays.fill(ids, kept + 2, ids.length, padId);
    return new Encoding(ids, tokens.length - kept);
  }

  /**
   * One prompt's ids and the number of its tokens that did not fit (the model never sees them).
   * The array is not copied; equality is by reference.
   */
  public record Encoding(int[] ids, int droppedTokens) {
    /** Whether truncation dropped any token. */
    public boolean truncated() {
      return droppedTokens > 0;
    }
  }

  /** Whether {@link #encode(String)} drops tokens of {@code text}, so callers can warn that the model never sees them. */
  public boolean wasTruncated(String text) {
    return tokenize(text, maxLength, false).truncated();
  }

  /** The prompt's token ids without BOS/EOS and without truncation. */
  public int[] tokenIds(String text) {
    List<Integer> ids = new ArrayList<>();
    for (String piece : splitOnAddedTokens(text)) {
      Integer added = addedIds.get(piece);
      if (added != null) {
        ids.add(added);
        continue;
      }
      String joined = String.join(" ", BasicTextCleaner.words(piece));
      for (String word : preTokenize(joined)) {
        for (String symbol : bpe(byteEncode(word))) {
          ids.add(idOf(symbol));
        }
      }
    }
    return ids.stream().mapToInt(Integer::intValue).toArray();
  }

  // transformers' Trie.split: the earliest, then longest, added token wins; text between stays.
  private List<String> splitOnAddedTokens(String text) {
    List<String> pieces = new ArrayList<>();
    int start = 0;
    int i = 0;
    outer:
    while (i < text.length()) {
      for (String token : addedTokens) {
        if (text.startsWith(token, i)) {
          if (i > start) {
            pieces.add(text.substring(start, i));
          }
          pieces.add(token);
          i += token.length();
          start = i;
          continue outer;
        }
      }
      i++;
    }
    if (start < text.length()) {
      pieces.add(text.substring(start));
    }
    return pieces;
  }

  // CLIP's pattern (findall under IGNORECASE):
  // <\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+
  private static List<String> preTokenize(String text) {
    int[] cps = text.codePoints().toArray();
    List<String> words = new ArrayList<>();
    int i = 0;
    while (i < cps.length) {
      int end = matchLiteral(cps, i);
      if (end < 0) {
        int flags = ClipUnicode.flags(cps[i]);
        if ((flags & ClipUnicode.LETTER) != 0) {
          end = runEnd(cps, i, ClipUnicode.LETTER);
        } else if ((flags & ClipUnicode.NUMBER) != 0) {
          end = i + 1;
        } else if ((flags & ClipUnicode.OTHER) != 0) {
          end = runEnd(cps, i, ClipUnicode.OTHER);
        } else {
          i++;
          continue;
        }
      }
      words.add(new String(cps, i, end - i));
      i = end;
    }
    return words;
  }

  private static int matchLiteral(int[] cps, int at) {
    for (String literal : PATTERN_LITERALS) {
      if (at + literal.length() > cps.length) {
        continue;
      }
      boolean match = true;
      for (int k = 0; k < literal.length() && match; k++) {
        match = ClipUnicode.matchesIgnoreCase(cps[at + k], literal.charAt(k));
      }
      if (match) {
        return at + literal.length();
      }
    }
    return -1;
  }

  private static int runEnd(int[] cps, int from, int flag) {
    int end = from + 1;
    while (end < cps.length && (ClipUnicode.flags(cps[end]) & flag) != 0) {
      end++;
    }
    return end;
  }

  private static String byteEncode(String word) {
    byte[] bytes = word.getBytes(StandardCharsets.UTF_8);
    char[] chars = new char[bytes.length];
    for (int k = 0; k < bytes.length; k++) {
      chars[k] = BYTE_CHARS[bytes[k] & 0xFF];
    }
    return new String(chars);
  }

  private String[] bpe(String token) {
    if (CACHED_SPECIALS.contains(token)) {
      return new String[] {token};
    }
    String[] cached = cache.get(token);
    if (cached != null) {
      return cached;
    }
    List<String> word = new ArrayList<>(token.length());
    for (int k = 0; k < token.length() - 1; k++) {
      word.add(String.valueOf(token.charAt(k)));
    }
    word.add(token.charAt(token.length() - 1) + END_OF_WORD);
    while (word.size() > 1) {
      int bestRank = Integer.MAX_VALUE;
      String first = null;
      String second = null;
      for (int k = 0; k + 1 < word.size(); k++) {
        Integer rank = mergeRanks.get(word.get(k) + " " + word.get(k + 1));
        if (rank != null && rank < bestRank) {
          bestRank = rank;
          first = word.get(k);
          second = word.get(k + 1);
        }
      }
      if (first == null) {
        break;
      }
      List<String> merged = new ArrayList<>(word.size());
      for (int k = 0; k < word.size(); k++) {
        if (k + 1 < word.size() && word.get(k).equals(first) && word.get(k + 1).equals(second)) {
          merged.add(first + second);
          k++;
        } else {
          merged.add(word.get(k));
        }
      }
      word = merged;
    }
    String[] symbols = word.toArray(new String[0]);
    if (cache.size() >= CACHE_LIMIT) {
      cache.clear();
    }
    cache.put(token, symbols);
    return symbols;
  }

  // _convert_token_to_id_with_added_voc: added tokens first, then the vocabulary, then unk.
  private int idOf(String symbol) {
    Integer id = addedIds.get(symbol);
    if (id == null) {
      id = vocab.get(symbol);
    }
    return id != null ? id : unkId;
  }

  /** GPT-2's reversible byte -> printable character map that CLIP's vocabulary is written in. */
  private static char[] byteToUnicode() {
    char[] map = new char[256];
    int next = 256;
    for (int b = 0; b < 256; b++) {
      boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      map[b] = printable ? (char) b : (char) next++;
    }
    return map;
  }

  private static Path required(Path dir, String name) throws IOException {
    Path file = dir.resolve(name);
    if (!Files.isRegularFile(file)) {
      throw new FileNotFoundException("tokenizer folder " + dir + " has no " + name);
    }
    return file;
  }

  private static JsonNode readJson(Path file) throws IOException {
    try {
      JsonNode node = new ObjectMapper().readTree(file.toFile());
      if (node == null || !node.isObject()) {
        throw new IOException(file + ": expected a JSON object");
      }
      return node;
    } catch (JsonProcessingException e) {
      throw new IOException(file + ": malformed JSON: " + e.getOriginalMessage(), e);
    }
  }

  private static Map<String, Integer> readVocab(Path file) throws IOException {
    JsonNode node = readJson(file);
    Map<String, Integer> vocab = new HashMap<>(node.size() * 2);
    Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> field = fields.next();
      if (!field.getValue().isInt()) {
        throw new IOException(file + ": token '" + field.getKey() + "' has id " + field.getValue() + ", expected an integer");
      }
      vocab.put(field.getKey(), field.getValue().intValue());
    }
    return vocab;
  }

  private static Map<String, Integer> readMerges(Path file) throws IOException {
    // transformers: read().strip().split("\n")[1 : MAX_MERGES + 1], each line split on whitespace.
    String[] lines = Files.readString(file, StandardCharsets.UTF_8).strip().split("\n", -1);
    Map<String, Integer> ranks = new HashMap<>(MAX_MERGES * 2);
    for (int k = 1; k < lines.length && k <= MAX_MERGES; k++) {
      String[] parts = lines[k].strip().split("\\s+");
      if (parts.length != 2 || parts[0].isEmpty()) {
        throw new IOException(file + ": line " + (k + 1) + " is not a merge of two symbols: '" + lines[k] + "'");
      }
      // dict(zip(...)) semantics: a repeated merge keeps its last rank.
      ranks.put(parts[0] + " " + parts[1], k - 1);
    }
    return ranks;
  }

  private static String tokenContent(Path file, String key, JsonNode node) throws IOException {
    if (node.isTextual()) {
      return node.asText();
    }
    if (node.isObject() && node.path("content").isTextual()) {
      for (String flag : new String[] {"lstrip", "rstrip", "single_word"}) {
        if (node.path(flag).asBoolean(false)) {
          throw new IOException(file + ": " + key + " sets " + flag + ", which this tokenizer does not support");
        }
      }
      return node.get("content").asText();
    }
    throw new IOException(file + ": " + key + " is neither a string nor an object with 'content'");
  }
}

package io.flinkcumo.engine.text;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The parts of a Hugging Face tokenizer directory's {@code tokenizer_config.json} and {@code
 * special_tokens_map.json} that change tokenisation. Values in {@code special_tokens_map.json} win
 * over those in {@code tokenizer_config.json}, as in transformers; missing files or keys take the
 * {@link #DEFAULTS} of CuMo's Mistral tokenizer.
 *
 * @param addBosToken prepend the BOS id when encoding
 * @param addEosToken append the EOS id when encoding
 * @param legacy transformers' {@code legacy} flag (absent means {@code true})
 * @param bosToken BOS token string, or null
 * @param eosToken EOS token string, or null
 * @param unkToken unknown token string, or null
 * @param padToken padding token string, or null
 * @param additionalSpecialTokens {@code additional_special_tokens}
 * @param addedTokens entries of {@code added_tokens_decoder}
 */
record TokenizerConfig(
    boolean addBosToken,
    boolean addEosToken,
    boolean legacy,
    String bosToken,
    String eosToken,
    String unkToken,
    String padToken,
    List<String> additionalSpecialTokens,
    List<AddedToken> addedTokens) {

  static final String CONFIG_FILE = "tokenizer_config.json";
  static final String SPECIAL_TOKENS_FILE = "special_tokens_map.json";

  /** What CuMo's tokenizer uses: BOS on, EOS off, legacy, pad = {@code <unk>}. */
  static final TokenizerConfig DEFAULTS =
      new TokenizerConfig(true, false, true, "<s>", "</s>", "<unk>", "<unk>", List.of(), List.of());

  /** An added token, e.g. {@code <s>}, that the text is split on before SentencePiece runs. */
  record AddedToken(int id, String content, boolean lstrip, boolean rstrip, boolean singleWord) {}

  /** The special token strings (BOS, EOS, unknown, padding, additional), without nulls. */
  List<String> specialTokens() {
    List<String> out = new ArrayList<>();
    for (String s : new String[] {bosToken, eosToken, unkToken, padToken}) {
      if (s != null && !s.isEmpty()) {
        out.add(s);
      }
    }
    out.addAll(additionalSpecialTokens);
    return out;
  }

  /** Reads the two files of {@code dir}; either may be missing. */
  static TokenizerConfig read(Path dir) throws IOException {
    ObjectMapper json = new ObjectMapper();
    JsonNode config = readIfPresent(json, dir.resolve(CONFIG_FILE));
    JsonNode specials = readIfPresent(json, dir.resolve(SPECIAL_TOKENS_FILE));
    return new TokenizerConfig(
        bool(config, "add_bos_token", DEFAULTS.addBosToken),
        bool(config, "add_eos_token", DEFAULTS.addEosToken),
        bool(config, "legacy", DEFAULTS.legacy),
        token(specials, config, "bos_token", DEFAULTS.bosToken),
        token(specials, config, "eos_token", DEFAULTS.eosToken),
        token(specials, config, "unk_token", DEFAULTS.unkToken),
        token(specials, config, "pad_token", DEFAULTS.padToken),
        additionalSpecialTokens(specials.has("additional_special_tokens") ? specials : config),
        addedTokens(config));
  }

  private static JsonNode readIfPresent(ObjectMapper json, Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      return json.createObjectNode();
    }
    JsonNode node;
    try {
      node = json.readTree(file.toFile());
    } catch (JsonProcessingException e) {
      throw new IOException("cannot parse " + file + ": " + e.getOriginalMessage(), e);
    }
    if (node == null || !node.isObject()) {
      throw new IOException(file + " does not contain a JSON object");
    }
    return node;
  }

  private static boolean bool(JsonNode node, String key, boolean fallback) {
    JsonNode v = node.get(key);
    return v == null || v.isNull() ? fallback : v.asBoolean(fallback);
  }

  /** A token given as a string or as an AddedToken object {@code {"content": ...}}. */
  private static String token(JsonNode first, JsonNode second, String key, String fallback) {
    JsonNode v = first.has(key) ? first.get(key) : second.get(key);
    if (v == null) {
      return fallback;
    }
    return tokenContent(v);
  }

  private static String tokenContent(JsonNode v) {
    if (v == null || v.isNull()) {
      return null;
    }
    return v.isObject() ? v.path("content").asText(null) : v.asText();
  }

  private static List<String> additionalSpecialTokens(JsonNode node) {
    List<String> out = new ArrayList<>();
    for (JsonNode v : node.path("additional_special_tokens")) {
      String content = tokenContent(v);
      if (content != null) {
        out.add(content);
      }
    }
    return List.copyOf(out);
  }

  private static List<AddedToken> addedTokens(JsonNode config) throws IOException {
    List<AddedToken> out = new ArrayList<>();
    Iterator<Map.Entry<String, JsonNode>> it = config.path("added_tokens_decoder").fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      int id;
      try {
        id = Integer.parseInt(e.getKey());
      } catch (NumberFormatException ex) {
        throw new IOException("added_tokens_decoder key '" + e.getKey() + "' is not an id");
      }
      JsonNode t = e.getValue();
      String content = t.path("content").asText(null);
      if (content == null || content.isEmpty()) {
        throw new IOException("added token " + id + " has no content");
      }
      out.add(
          new AddedToken(
              id,
              content,
              t.path("lstrip").asBoolean(false),
              t.path("rstrip").asBoolean(false),
              t.path("single_word").asBoolean(false)));
    }
    return List.copyOf(out);
  }
}

package io.hspace.analysis;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * True attributes of external images, from a JSONL file with one object per image:
 * {@code {"file": "images/000001.png", "attributes": {"color": "red", "shape": "circle"}}}
 * (the format {@code hspace toyworld render} writes). {@code file} is resolved against the
 * labels file's folder; a null attribute means unknown.
 *
 * <p>The labels must match the images one for one: an image without a label, a label naming a
 * file that is not among the images, a file labelled twice or a line that is not such an
 * object is an error naming the file and line.
 */
public final class ImageLabels {
    private ImageLabels() {}

    /**
     * The attributes of each image, in the order of {@code images}.
     *
     * @throws IOException when the file cannot be read or does not match the images
     */
    public static List<Map<String, String>> read(Path labels, List<Path> images) throws IOException {
        ObjectMapper json = new ObjectMapper();
        Path base = labels.toAbsolutePath().getParent();
        Map<Path, Map<String, String>> byFile = new HashMap<>();
        Map<Path, Integer> lineOf = new HashMap<>();
        List<String> lines = Files.readAllLines(labels, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).trim();
            if (line.isEmpty()) {
                continue;
            }
            String where = labels + ":" + (i + 1);
            JsonNode node;
            try {
                node = json.readTree(line);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IOException(where + ": not a JSON object: " + e.getOriginalMessage(), e);
            }
            if (node == null || !node.isObject() || !node.path("file").isTextual() || !node.path("attributes").isObject()) {
                throw new IOException(where + ": expected {\"file\": ..., \"attributes\": {...}}");
            }
            Path file = base.resolve(node.get("file").asText()).normalize();
            Map<String, String> attributes = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = node.get("attributes").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                attributes.put(e.getKey(), e.getValue().isNull() ? null : e.getValue().asText());
            }
            if (byFile.put(file, attributes) != null) {
                throw new IOException(where + ": " + node.get("file").asText() + " is labelled twice (first on line "
                        + lineOf.get(file) + ")");
            }
            lineOf.put(file, i + 1);
        }
        List<Map<String, String>> out = new ArrayList<>(images.size());
        List<String> unlabelled = new ArrayList<>();
        for (Path image : images) {
            Map<String, String> a = byFile.remove(image.toAbsolutePath().normalize());
            if (a == null) {
                unlabelled.add(image.getFileName().toString());
            }
            out.add(a);
        }
        if (!unlabelled.isEmpty()) {
            throw new IOException(labels + " does not match the images: " + unlabelled.size() + " of " + images.size()
                    + " images have no label, e.g. " + unlabelled.subList(0, Math.min(3, unlabelled.size())));
        }
        if (!byFile.isEmpty()) {
            Path first = byFile.keySet().stream().sorted().findFirst().orElseThrow();
            throw new IOException(labels + " does not match the images: " + byFile.size() + " labels name files that are "
                    + "not among them, e.g. " + first + " (line " + lineOf.get(first) + ")");
        }
        return out;
    }
}

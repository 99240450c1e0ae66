package io.hspace.engine;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * The identity of a model folder: a SHA-256 over every config, tokenizer and weight file
 * (relative path and content), so two folders with the same files share an identity wherever
 * they lie, and any changed weight, config or vocabulary changes it.
 */
public final class ModelIdentity {
    private ModelIdentity() {}

    /** "sha256:" + hex digest of the folder's model files. */
    public static String of(Path modelDir) throws IOException {
        MessageDigest all = sha256();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(modelDir)) {
            files = walk.filter(Files::isRegularFile).filter(ModelIdentity::isModelFile).sorted().toList();
        }
        if (files.isEmpty()) {
            throw new IOException(modelDir + " holds no config or weight files");
        }
        byte[] buffer = new byte[1 << 20];
        for (Path file : files) {
            MessageDigest one = sha256();
            try (InputStream in = Files.newInputStream(file)) {
                for (int n; (n = in.read(buffer)) > 0; ) {
                    one.update(buffer, 0, n);
                }
            }
            all.update(modelDir.relativize(file).toString().replace('\\', '/').getBytes(java.nio.charset.StandardCharsets.UTF_8));
            all.update((byte) 0);
            all.update(one.digest());
        }
        return "sha256:" + HexFormat.of().formatHex(all.digest());
    }

    private static boolean isModelFile(Path file) {
        String name = file.getFileName().toString();
        return name.endsWith(".json") || name.endsWith(".safetensors") || name.equals("merges.txt");
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM lacks SHA-256", e);
        }
    }
}

package io.hspace.atlas;

import java.nio.file.Path;
import java.util.List;

/** An atlas asked to take results made with other settings; lists every difference. */
public final class AtlasMismatchException extends AtlasException {
    private final List<String> differences;

    public AtlasMismatchException(Path dir, List<String> differences) {
        super("atlas " + dir + " holds results of different settings, refusing to mix them:\n  "
                + String.join("\n  ", differences) + "\nuse another --out folder, or the atlas's own settings");
        this.differences = List.copyOf(differences);
    }

    /** One line per differing setting. */
    public List<String> differences() {
        return differences;
    }
}

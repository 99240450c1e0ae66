package io.hspace.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.javacpp.Loader;
import org.junit.jupiter.api.Test;

/**
 * Does nothing but load the native engine, so a broken library path fails loudly and first.
 * If it fails, rerun with -Dorg.bytedeco.javacpp.logger.debug=true to see every path tried.
 */
class NativeLibraryLoadsTest {
    @Test
    void nativeLibraryLoadsAndReportsItsVersion() {
        String path = Loader.load(HspaceNative.class);
        assertTrue(path != null && path.contains("jniHspaceNative"), "loaded " + path);
        String version = Engine.nativeVersion();
        assertTrue(version.startsWith("hspace ") && version.contains("LibTorch "), version);
    }
}

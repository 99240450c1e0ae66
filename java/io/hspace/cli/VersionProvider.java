package io.hspace.cli;

import io.hspace.engine.Engine;
import picocli.CommandLine;

/** {@code hspace --version}: the Java front end, the native engine and LibTorch. */
final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String java = "Java " + System.getProperty("java.version");
        String front = "hspace " + (VersionProvider.class.getPackage().getImplementationVersion() != null
                ? VersionProvider.class.getPackage().getImplementationVersion() : "0.1.0 (dev)");
        try {
            return new String[] {front, Engine.nativeVersion(), java};
        } catch (Throwable e) {
            return new String[] {front, "native engine not loadable: " + e, java};
        }
    }
}

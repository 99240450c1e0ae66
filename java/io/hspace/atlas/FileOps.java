package io.hspace.atlas;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The only way the atlas writes files. The default is durable: write a temporary file in the
 * same folder, flush it to the device (fsync), rename it over the target, fsync the folder; an
 * append is written and fsynced. A reader therefore sees the old file or the new one, never a
 * part. Tests substitute failing implementations to simulate a full disk or a read-only folder.
 */
public interface FileOps {
    /** Replaces {@code target} with the concatenation of {@code parts}, atomically and durably. */
    void writeAtomically(Path target, ByteBuffer... parts) throws IOException;

    /** Appends {@code bytes} to {@code file} (created if absent) and flushes them to the device. */
    void appendDurably(Path file, byte[] bytes) throws IOException;

    /** The durable implementation on the default file system. */
    FileOps DURABLE = new FileOps() {
        @Override
        public void writeAtomically(Path target, ByteBuffer... parts) throws IOException {
            Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
            try {
                try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING)) {
                    for (ByteBuffer p : parts) {
                        ByteBuffer b = p.duplicate();
                        while (b.hasRemaining()) {
                            ch.write(b);
                        }
                    }
                    ch.force(true);
                }
                try {
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    throw new IOException("the file system of " + target.getParent() + " cannot rename atomically", e);
                }
            } catch (IOException e) {
                Files.deleteIfExists(tmp);
                throw e;
            }
            syncFolder(target.getParent());
        }

        @Override
        public void appendDurably(Path file, byte[] bytes) throws IOException {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND)) {
                ByteBuffer b = ByteBuffer.wrap(bytes);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                ch.force(true);
            }
        }

        private void syncFolder(Path folder) {
            // makes the rename itself durable on Linux; other systems may refuse to open a folder
            try (FileChannel ch = FileChannel.open(folder, StandardOpenOption.READ)) {
                ch.force(true);
            } catch (IOException ignored) {
                // the rename is still atomic; only its durability across power loss is weaker
            }
        }
    };
}

package io.hspace.caption;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * An external captioning program: {@code /bin/sh -c COMMAND} reads the absolute image paths on
 * stdin, one per line (UTF-8), and must print exactly one caption per line on stdout (UTF-8), in
 * the same order, then exit with status 0 within the timeout. Anything else is a
 * {@link CaptionException} naming the command: a non-zero exit (with the tail of stderr), a
 * timeout (the process and its children are killed), too few or too many lines, output that is
 * not UTF-8.
 */
public final class CommandCaptioner implements Captioner {
    /** Characters of stderr kept for error messages. */
    static final int STDERR_TAIL = 2000;

    private final String command;
    private final Duration timeout;

    /**
     * @param command a shell command line
     * @param timeout the most one call ({@link #caption}) may take, positive
     */
    public CommandCaptioner(String command, Duration timeout) {
        if (command == null || command.isBlank()) {
            throw new IllegalArgumentException("the captioner command is empty");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("the captioner timeout must be positive, got " + timeout);
        }
        this.command = command;
        this.timeout = timeout;
    }

    @Override
    public List<String> caption(List<Path> images) throws IOException {
        if (images.isEmpty()) {
            return List.of();
        }
        StringBuilder in = new StringBuilder();
        for (Path p : images) {
            if (!Files.isRegularFile(p)) {
                throw new IOException("image " + p + " does not exist");
            }
            String s = p.toAbsolutePath().toString();
            if (s.indexOf('\n') >= 0) {
                throw new IOException("image path " + s + " contains a line break; the command reads one path per line");
            }
            in.append(s).append('\n');
        }
        Process proc = new ProcessBuilder("/bin/sh", "-c", command).start();
        Drain out = new Drain(proc.getInputStream(), Long.MAX_VALUE);
        Drain err = new Drain(proc.getErrorStream(), STDERR_TAIL);
        out.start();
        err.start();
        try (OutputStream stdin = proc.getOutputStream()) {
            stdin.write(in.toString().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            // the command may exit without reading its input; its status and output tell why
        }
        boolean finished;
        try {
            finished = proc.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            kill(proc);
            Thread.currentThread().interrupt();
            throw new CaptionException("interrupted while waiting for captioner command '" + command + "'", e);
        }
        if (!finished) {
            kill(proc);
            throw new CaptionException("captioner command '" + command + "' did not finish within " + timeout.toMillis()
                    + " ms for " + images.size() + " images; it was killed" + tail(err));
        }
        out.finish();
        err.finish();
        if (proc.exitValue() != 0) {
            throw new CaptionException("captioner command '" + command + "' failed with exit code " + proc.exitValue() + tail(err));
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(out.bytes())).toString();
        } catch (CharacterCodingException e) {
            throw new CaptionException("captioner command '" + command + "' printed output that is not UTF-8 (" + e + ")", e);
        }
        List<String> lines = lines(text);
        if (lines.size() != images.size()) {
            throw new CaptionException("captioner command '" + command + "' printed " + lines.size() + " caption lines for "
                    + images.size() + " images (expected " + images.size() + ", got " + lines.size() + "; one line per image)"
                    + tail(err));
        }
        return lines;
    }

    /** Lines of {@code text}: split at LF, a CR before it dropped, no empty line after a final LF. */
    static List<String> lines(String text) {
        List<String> out = new ArrayList<>();
        int start = 0;
        while (start < text.length()) {
            int nl = text.indexOf('\n', start);
            int end = nl < 0 ? text.length() : nl;
            String line = text.substring(start, end);
            out.add(line.endsWith("\r") ? line.substring(0, line.length() - 1) : line);
            start = end + 1;
        }
        return out;
    }

    /** {@code command:COMMAND}. */
    @Override
    public String name() {
        return "command:" + command;
    }

    private static void kill(Process proc) {
        proc.descendants().forEach(ProcessHandle::destroyForcibly);
        proc.destroyForcibly();
        try {
            proc.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String tail(Drain err) {
        err.finishQuietly();
        String s = new String(err.bytes(), StandardCharsets.UTF_8).strip();
        return s.isEmpty() ? "" : "; stderr ends: " + s;
    }

    /** Reads a stream to its end on its own thread, keeping everything or only the last {@code keep} bytes. */
    private static final class Drain extends Thread {
        private final InputStream in;
        private final long keep;
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream();
        private volatile IOException failure;

        Drain(InputStream in, long keep) {
            this.in = in;
            this.keep = keep;
            setDaemon(true);
        }

        @Override
        public void run() {
            byte[] b = new byte[8192];
            try (in) {
                int n;
                while ((n = in.read(b)) >= 0) {
                    synchronized (buf) {
                        buf.write(b, 0, n);
                        if (buf.size() > 2 * keep && keep < Integer.MAX_VALUE) {
                            byte[] all = buf.toByteArray();
                            buf.reset();
                            buf.write(all, all.length - (int) keep, (int) keep);
                        }
                    }
                }
            } catch (IOException e) {
                failure = e;
            }
        }

        void finish() throws IOException {
            try {
                join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while reading the captioner's output", e);
            }
            if (failure != null) {
                throw failure;
            }
        }

        void finishQuietly() {
            try {
                join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        byte[] bytes() {
            synchronized (buf) {
                byte[] all = buf.toByteArray();
                return all.length <= keep ? all : java.util.Arrays.copyOfRange(all, all.length - (int) keep, all.length);
            }
        }
    }
}

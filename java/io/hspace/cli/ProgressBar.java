package io.hspace.cli;

import java.io.PrintStream;
import java.util.Locale;

/** A one-line progress bar on stderr with rate and ETA, redrawn in place. */
final class ProgressBar {
    private final PrintStream out;
    private final String label;
    private long total;
    private final long start = System.nanoTime();
    private long lastDraw;

    ProgressBar(String label, long total) {
        this(System.err, label, total);
    }

    ProgressBar(PrintStream out, String label, long total) {
        this.out = out;
        this.label = label;
        this.total = total;
    }

    /** Redraws the bar at {@code done} of {@code total}, a total known only once work starts (what a resumed run lacks). */
    void update(long done, long total) {
        this.total = total;
        update(done);
    }

    /** Redraws the bar at {@code done} of the total (often on a terminal, rarely into a log file). */
    void update(long done) {
        long now = System.nanoTime();
        long every = System.console() != null ? 250_000_000L : 10_000_000_000L;
        if (done < total && now - lastDraw < every) {
            return;
        }
        lastDraw = now;
        double seconds = (now - start) / 1e9;
        double rate = seconds > 0 ? done / seconds : 0;
        int width = 30;
        int filled = total == 0 ? width : (int) (width * done / total);
        String eta = rate > 0 ? clock((total - done) / rate) : "--:--";
        out.printf(Locale.ROOT, "\r%s [%s%s] %d/%d %.2f items/s ETA %s ", label, "#".repeat(filled),
                " ".repeat(width - filled), done, total, rate, eta);
        if (done >= total) {
            out.printf(Locale.ROOT, "(%s)%n", clock(seconds));
        }
        out.flush();
    }

    private static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}

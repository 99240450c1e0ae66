package io.hspace.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Opens the report in Debian's Chromium (headless, offline) and checks that it renders, runs its
 * script, logs nothing to the console and shows each analysis section's chart. A control page
 * with a planted console error proves the console capture works with the installed Chromium.
 */
class ReportBrowserTest {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    @TempDir
    Path tmp;

    private record Page(String dom, List<String> console) {}

    private Page open(Path html) throws IOException, InterruptedException {
        if (!Files.isExecutable(CHROMIUM)) {
            fail(CHROMIUM + " is missing: the report's browser test needs Debian's Chromium. Install it with "
                    + "`apt-get install -y chromium` (tools/test does this on first use).");
        }
        Path profile = Files.createTempDirectory(tmp, "profile");
        Path out = tmp.resolve("dom.html");
        Path err = tmp.resolve("stderr.txt");
        Process p = new ProcessBuilder(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile, "--enable-logging=stderr", "--v=0", "--dump-dom", html.toUri().toString())
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("chromium did not finish within 120 s; stderr:\n" + Files.readString(err));
        }
        assertEquals(0, p.exitValue(), "chromium exit status; stderr:\n" + Files.readString(err));
        List<String> console = Files.readAllLines(err, StandardCharsets.UTF_8).stream().filter(l -> l.contains(":CONSOLE")).toList();
        return new Page(Files.readString(out, StandardCharsets.UTF_8), console);
    }

    @Test
    void consoleCaptureSeesAPlantedError() throws Exception {
        Path control = tmp.resolve("control.html");
        Files.writeString(control, "<!DOCTYPE html><html><body><script>console.error('planted-error');</script></body></html>");
        Page page = open(control);
        assertTrue(page.console().stream().anyMatch(l -> l.contains("planted-error")), "console lines: " + page.console());
    }

    @Test
    void reportRendersWithoutConsoleErrorsAndShowsEveryChart() throws Exception {
        Path html = tmp.resolve("report.html");
        Report.write(ReportFixture.build(tmp.resolve("atlas")), html);
        Page page = open(html);
        assertEquals(List.of(), page.console(), "the report logs nothing to the console");
        assertTrue(page.dom().contains("data-ready=\"1\""), "the report's script ran to its end");
        for (String section : new String[] {"defaults", "descriptors", "clusters"}) {
            Matcher m = Pattern.compile("(?s)<section id=\"" + section + "\".*?</section>").matcher(page.dom());
            assertTrue(m.find(), "section " + section + " rendered");
            assertTrue(m.group().contains("<svg"), "section " + section + " has its chart");
        }
        assertTrue(page.dom().contains("a &lt;script&gt;alert('x')&lt;/script&gt; circle"), "hostile prompt shown as text");
        assertTrue(page.dom().contains("data:image/png;base64,"), "image grid rendered");
    }
}

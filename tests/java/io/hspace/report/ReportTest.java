package io.hspace.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportTest {
    @TempDir
    Path tmp;

    @Test
    void promptsContainingScriptAreEscaped() throws Exception {
        String html = Report.render(ReportFixture.build(tmp.resolve("atlas")));
        assertFalse(html.contains("<script>alert"), "the hostile prompt must not become a script element");
        assertTrue(html.contains("a &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; circle"));
        assertFalse(html.contains("<b>not bold</b>"), "the method text is escaped too");
        assertFalse(html.contains("<study>"));
        assertEquals(1, html.split("<script>", -1).length - 1, "exactly one script: the report's own");
    }

    @Test
    void isSelfContained() throws Exception {
        String html = Report.render(ReportFixture.build(tmp.resolve("atlas")));
        assertFalse(html.matches("(?s).*(src|href)=\"(https?:|//).*"), "no network reference");
        assertTrue(html.contains("src=\"data:image/png;base64,"), "images embedded");
        for (String section : new String[] {"settings", "defaults", "descriptors", "clusters", "method"}) {
            assertTrue(html.contains("<section id=\"" + section + "\""), section);
        }
    }

    @Test
    void furtherSectionsAreRenderedAndLinkedFromTheNavigation() throws Exception {
        Report.Input in = ReportFixture.build(tmp.resolve("atlas"));
        String section = "<section id=\"steer-to-blue\" class=\"analysis\"><h2>Steering: to &amp; blue</h2><p>x</p></section>\n";
        String html = Report.render(new Report.Input(in.title(), in.atlas(), in.seeds(), in.defaults(), in.descriptors(), in.clusters(),
                in.method(), in.discover(), java.util.List.of(section)));
        assertTrue(html.contains(section));
        String nav = html.substring(html.indexOf("<nav>"), html.indexOf("</nav>"));
        assertTrue(nav.contains("<a href=\"#steer-to-blue\">Steering: to &amp; blue</a>"), nav);
    }

    @Test
    void escapeCoversAllSpecialCharacters() {
        assertEquals("&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;", Html.escape("<a href=\"x\" title='y'>&"));
    }
}

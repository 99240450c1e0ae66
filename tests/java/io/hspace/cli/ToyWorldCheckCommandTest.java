package io.hspace.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hspace.toyworld.Attribute;
import io.hspace.toyworld.CaptionGrammar;
import io.hspace.toyworld.PriorTable;
import io.hspace.toyworld.Stated;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code toyworld check} on the shipped model with few seeds and steps: the output's structure, and that the priors file only changes the planted column. */
class ToyWorldCheckCommandTest {

    private static final Pattern CELL = Pattern.compile(
            "^  '([^']+)'\\s+(\\w+)\\s+(\\w+)\\s+([0-9.]+)\\s+([0-9.]+)\\s+(\\d+)/(\\d+)\\s+([0-9.]+)\\s+(PASS|FAIL)$");

    @TempDir
    Path tmp;

    private record Row(String prompt, String attribute, String value, double planted, double measured, int count, int images) {}

    private static List<Row> cells(String out) {
        List<Row> rows = new ArrayList<>();
        for (String line : out.split("\n")) {
            Matcher m = CELL.matcher(line);
            if (m.matches()) {
                rows.add(new Row(m.group(1), m.group(2), m.group(3), Double.parseDouble(m.group(4)), Double.parseDouble(m.group(5)),
                        Integer.parseInt(m.group(6)), Integer.parseInt(m.group(7))));
                assertEquals(Math.abs(Double.parseDouble(m.group(5)) - Double.parseDouble(m.group(4))), Double.parseDouble(m.group(8)), 0.0011, line);
            }
        }
        return rows;
    }

    @Test
    void printsTheGatesAndEveryLeftOutCellAndThePriorsOnlyChangeThePlantedColumn() throws Exception {
        String seeds = "2";
        String pub = CommandOutput.run("toyworld", "check", "--model", "models/toy", "--seeds", seeds, "--steps", "2", "--scheduler", "ddim");
        for (Attribute a : Attribute.values()) {
            assertTrue(Pattern.compile("(?m)^  " + a.word() + "\\s+accuracy [0-9.]+  (PASS|FAIL)$").matcher(pub).find(), pub);
        }
        assertTrue(pub.contains("fully specified prompts: " + 36 * 2 + " images"), pub);
        assertTrue(Pattern.compile("(?m)^accuracy gate: (PASS|FAIL); prior gate: \\d+/\\d+ cells pass, (PASS|FAIL); overall (PASS|FAIL)$")
                .matcher(pub).find(), pub);

        PriorTable table = PriorTable.load(Path.of("models/toy/priors.json"));
        List<Row> rows = cells(pub);
        int expected = 0;
        for (String prompt : ToyWorldCheckCommand.leftOutPrompts(table)) {
            Stated stated = CaptionGrammar.parse(prompt);
            for (Attribute a : stated.leftOut()) {
                double[] planted = table.marginal(stated, a);
                Map<String, Integer> counts = new HashMap<>();
                for (int v = 0; v < planted.length; v++) {
                    String value = Attribute.wordOf(a.domain().get(v));
                    Row r = rows.stream().filter(x -> x.prompt().equals(prompt) && x.attribute().equals(a.word()) && x.value().equals(value))
                            .findFirst().orElseThrow(() -> new AssertionError("no cell " + prompt + " / " + a.word() + " / " + value));
                    assertEquals(planted[v], r.planted(), 0.0005);
                    assertEquals(2, r.images());
                    counts.merge(a.word(), r.count(), Integer::sum);
                    expected++;
                }
                assertTrue(counts.get(a.word()) <= 2);
            }
        }
        assertEquals(expected, rows.size());

        Path other = tmp.resolve("priors.json");
        Files.writeString(other, "{\"color\": {\"given\": \"shape\", \"table\": {\"circle\": {\"green\": 0.9, \"rest\": \"uniform\"}}}}");
        String mine = CommandOutput.run("toyworld", "check", "--model", "models/toy", "--priors", other.toString(), "--seeds", seeds, "--steps", "2",
                "--scheduler", "ddim");
        List<Row> changed = cells(mine);
        Row green = changed.stream().filter(r -> r.prompt().equals("a circle") && r.attribute().equals("color") && r.value().equals("green"))
                .findFirst().orElseThrow();
        assertEquals(0.9, green.planted(), 1e-9);
        // the model and seeds are the same: identical measurements, only the planted column follows the file
        Map<String, Row> before = new HashMap<>();
        rows.forEach(r -> before.put(r.prompt() + "|" + r.attribute() + "|" + r.value(), r));
        int compared = 0;
        for (Row r : changed) {
            Row b = before.get(r.prompt() + "|" + r.attribute() + "|" + r.value());
            if (b != null) {
                assertEquals(b.count(), r.count(), r.toString());
                compared++;
            }
        }
        assertTrue(compared > 0);
        assertTrue(changed.size() < rows.size(), "a table with one conditional has fewer left-out prompts");
    }

    @Test
    void aModelFolderWithoutPriorsAsksForTheFlag() throws Exception {
        Path model = tmp.resolve("no-priors");
        Files.createDirectories(model);
        String err = CommandOutput.runFailing("toyworld", "check", "--model", model.toString(), "--seeds", "1", "--steps", "1");
        assertTrue(err.contains(model.resolve("priors.json").toString()), err);
        assertTrue(err.contains("--priors"), err);
    }
}

package io.hspace.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code hspace condition} end to end on rendered Toy World images: what it prints and writes, and that batching changes nothing. */
class ConditionCommandTest {

    private static final Pattern ACCURACY = Pattern.compile("(?m)^(\\w+) accuracy ([0-9.]+) \\[([0-9.]+), ([0-9.]+)\\] over (\\d+) images$");

    @TempDir
    Path tmp;

    private String condition(String out, String batch) {
        return CommandOutput.run("condition", tmp.resolve("render/images").toString(), "--labels", tmp.resolve("render/captions.jsonl").toString(),
                "--family", "color:a {value} shape:red,green,blue,yellow,purple,orange", "--family", "size:a {value} shape:small,large",
                "--prompt-seeds", "0-1", "--steps", "2", "--step", "1", "--guidance", "3", "--batch", batch,
                "--out", tmp.resolve(out).toString());
    }

    @Test
    void printsEachFamilysAccuracyWritesTheTablesAndReadsTheSameInAnyBatchSize() throws Exception {
        CommandOutput.run("toyworld", "render", "--n", "6", "--priors", "models/toy/priors.json", "--seed", "7", "--out", tmp.resolve("render").toString());
        String printed = condition("batched", "3");
        Matcher m = ACCURACY.matcher(printed);
        List<String> families = new ArrayList<>();
        while (m.find()) {
            families.add(m.group(1));
            double acc = Double.parseDouble(m.group(2));
            assertTrue(Double.parseDouble(m.group(3)) <= acc && acc <= Double.parseDouble(m.group(4)), m.group());
            assertEquals(6, Integer.parseInt(m.group(5)), m.group());
        }
        assertEquals(List.of("color", "size"), families, printed);
        for (String f : List.of("condition.json", "condition.csv", "condition.html")) {
            assertTrue(Files.size(tmp.resolve("batched").resolve(f)) > 0, f);
        }
        List<String> csv = Files.readAllLines(tmp.resolve("batched/condition.csv"));
        assertEquals("file,family,read,truth,score", csv.get(0));
        assertEquals(1 + 6 * 2, csv.size(), "one row per image and family");
        for (String row : csv.subList(1, csv.size())) {
            String[] f = row.split(",");
            List<String> values = f[1].equals("color") ? List.of("red", "green", "blue", "yellow", "purple", "orange") : List.of("small", "large");
            assertTrue(values.contains(f[2]) && values.contains(f[3]), row);
        }

        // batches of 3 and one call read alike (scores to float rounding: a batch's kernels sum in another order)
        condition("whole", "0");
        List<String> whole = Files.readAllLines(tmp.resolve("whole/condition.csv"));
        assertEquals(csv.size(), whole.size());
        for (int i = 1; i < csv.size(); i++) {
            String[] a = csv.get(i).split(",");
            String[] b = whole.get(i).split(",");
            assertEquals(List.of(a).subList(0, 4), List.of(b).subList(0, 4));
            double x = Double.parseDouble(a[4]);
            assertEquals(x, Double.parseDouble(b[4]), 1e-4 * Math.max(1, Math.abs(x)), csv.get(i));
        }
    }
}

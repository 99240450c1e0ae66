package io.hspace.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hspace.engine.CudaDevices;
import io.hspace.engine.DType;
import io.hspace.engine.Engine;
import io.hspace.engine.EngineOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code hspace info}: the architecture detected from a model folder, and the compute device. */
@Command(name = "info", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Shows the model's architecture family, components, parameter counts and weight dtypes, and the compute devices.",
        footer = {"", "Example:", "  hspace info models/toy", "  hspace info --json path/to/stable-diffusion-v1-5"})
final class InfoCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL_DIR", description = "A diffusers pipeline folder or one component folder.")
    Path modelDir;

    @Option(names = "--device", description = "-1 for the CPU, else a CUDA device index.", defaultValue = "-1")
    int device;

    @Option(names = "--dtype", description = "auto, fp32, fp16 or bf16.", defaultValue = "auto", converter = DTypeConverter.class)
    DType dtype;

    @Option(names = "--json", description = "Print the engine's JSON description only.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (!Files.isDirectory(modelDir)) {
            throw new IllegalArgumentException(modelDir + " is not a folder (expected a diffusers model folder)");
        }
        try (Engine engine = Engine.open(modelDir, new EngineOptions(device, dtype, 0))) {
            String description = engine.describeJson();
            if (json) {
                System.out.println(description);
                return 0;
            }
            JsonNode root = new ObjectMapper().readTree(description);
            System.out.printf("model:   %s%n", root.get("path").asText());
            System.out.printf("family:  %s%n", root.get("family").asText());
            System.out.printf("compute: %s, %s%n", root.get("device").asText(), root.get("dtype").asText());
            long total = 0;
            System.out.printf("%-16s %-32s %14s  %s%n", "component", "class", "parameters", "weights");
            for (JsonNode c : root.get("components")) {
                long params = c.get("parameters").asLong();
                total += params;
                StringBuilder dtypes = new StringBuilder();
                c.get("dtypes").forEach(d -> dtypes.append(dtypes.length() == 0 ? "" : ",").append(d.asText()));
                System.out.printf("%-16s %-32s %,14d  %s%s%n", c.get("name").asText(), c.get("class").asText(), params,
                        dtypes.length() == 0 ? "-" : dtypes, c.get("loaded").asBoolean() ? "" : " (not loaded)");
            }
            System.out.printf("%-16s %-32s %,14d%n", "total", "", total);
            System.out.println("engine:  " + Engine.nativeVersion());
            System.out.println("cuda:    " + CudaDevices.probe().describe());
        }
        return 0;
    }
}

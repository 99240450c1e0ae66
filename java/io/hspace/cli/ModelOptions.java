package io.hspace.cli;

import io.hspace.engine.DType;
import io.hspace.engine.Engine;
import io.hspace.engine.EngineOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options every command that opens a model shares. */
final class ModelOptions {
    @Option(names = "--device", description = "-1 for the CPU, else a CUDA device index.", defaultValue = "-1")
    int device;

    @Option(names = "--dtype", description = "auto (fp32 on the CPU, fp16 on CUDA), fp32, fp16 or bf16.",
            defaultValue = "auto", converter = DTypeConverter.class)
    DType dtype;

    @Option(names = "--threads", description = "CPU threads for the engine; 0 leaves LibTorch's default.", defaultValue = "0")
    int threads;

    /** Opens {@code modelDir}, failing early with a clear message when it is not a folder. */
    Engine open(Path modelDir) {
        if (!Files.isDirectory(modelDir)) {
            throw new IllegalArgumentException(modelDir + " is not a folder (expected a diffusers model folder)");
        }
        return Engine.open(modelDir, engineOptions());
    }

    /** The engine options these flags give. */
    EngineOptions engineOptions() {
        return new EngineOptions(device, dtype, threads);
    }

    /** "hspace 0.1.0 (LibTorch 2.9.1, CUDA no), cpu fp32": what made a result. */
    String engineDescription() {
        return Engine.nativeVersion() + ", " + (device < 0 ? "cpu" : "cuda:" + device) + " " + dtype;
    }
}

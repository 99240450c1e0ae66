package io.hspace.engine;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.cuda.cudart.cudaDeviceProp;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.SizeTPointer;

/**
 * CUDA device discovery through the JavaCPP CUDA presets, independent of the engine build.
 * Without a driver or GPU the list is empty and {@link #reason()} says why.
 */
public final class CudaDevices {
    /**
     * One CUDA device.
     *
     * @param index CUDA device index
     * @param name marketing name, e.g. "NVIDIA H200"
     * @param totalBytes total device memory
     * @param freeBytes free device memory when probed
     */
    public record Device(int index, String name, long totalBytes, long freeBytes) {}

    private final List<Device> devices;
    private final String reason;

    private CudaDevices(List<Device> devices, String reason) {
        this.devices = devices;
        this.reason = reason;
    }

    /** Probes the machine once; never throws. */
    public static CudaDevices probe() {
        try {
            Loader.load(cudart.class);
        } catch (Throwable e) {
            return new CudaDevices(List.of(), "no CUDA device (CUDA runtime not loadable: " + e.getClass().getSimpleName() + ")");
        }
        try (IntPointer count = new IntPointer(1)) {
            int status = cudart.cudaGetDeviceCount(count);
            if (status != cudart.cudaSuccess || count.get() == 0) {
                return new CudaDevices(List.of(), "no CUDA device (" + (status != cudart.cudaSuccess
                        ? cudart.cudaGetErrorString(status).getString() : "driver reports 0 devices") + ")");
            }
            List<Device> found = new ArrayList<>();
            for (int i = 0; i < count.get(); i++) {
                try (cudaDeviceProp props = new cudaDeviceProp();
                        SizeTPointer free = new SizeTPointer(1);
                        SizeTPointer total = new SizeTPointer(1)) {
                    cudart.cudaGetDeviceProperties(props, i);
                    cudart.cudaSetDevice(i);
                    cudart.cudaMemGetInfo(free, total);
                    found.add(new Device(i, props.name().getString(), total.get(), free.get()));
                }
            }
            return new CudaDevices(List.copyOf(found), "");
        } catch (Throwable e) {
            return new CudaDevices(List.of(), "no CUDA device (" + e.getMessage() + ")");
        }
    }

    /** Devices found, possibly none. */
    public List<Device> devices() {
        return devices;
    }

    /** Empty when devices were found, else why none were. */
    public String reason() {
        return reason;
    }

    /** One line per device, or the reason there is none. */
    public String describe() {
        if (devices.isEmpty()) {
            return reason + "; everything runs on the CPU";
        }
        StringBuilder sb = new StringBuilder();
        for (Device d : devices) {
            sb.append(String.format("cuda:%d %s, %.1f GiB total, %.1f GiB free%n", d.index(), d.name(),
                    d.totalBytes() / 1073741824.0, d.freeBytes() / 1073741824.0));
        }
        return sb.toString().strip();
    }
}

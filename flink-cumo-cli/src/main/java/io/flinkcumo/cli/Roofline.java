package io.flinkcumo.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.flinkcumo.engine.model.BFloat16;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BinaryOperator;

/**
 * The machine's ceilings, measured through the same libtorch the engine uses, in the same run: the
 * float32 GEMM rate of a square n³ matmul (and, for bf16 runs, the rate of the same matmul as the
 * engine's bf16 Linear runs it), and the memory bandwidth of an in-place add over arrays far larger
 * than the caches. Each is the best of a few repetitions after a warm-up. {@code gemmBf16Gflops}
 * is 0 when not measured.
 */
record Roofline(
        String cpu, List<String> flags, int threads, int gemmSize, double gemmGflops, double gemmBf16Gflops, long streamBytes,
        double memoryGbps) {

    /** The CPU flags that decide GEMM kernels (the rest of /proc/cpuinfo's list is left out). */
    private static final Set<String> KERNEL_FLAGS = Set.of(
            "sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl", "avx512_vnni", "avx512_bf16",
            "avx512_fp16", "avx_vnni", "amx_bf16", "amx_int8", "amx_tile", "neon", "asimd", "sve");

    static Roofline measure(int gemmSize, long streamBytes, int repeats, boolean bf16) {
        try (NDManager m = NDManager.newBaseManager()) {
            return new Roofline(cpuModel(), cpuFlags(), Runtime.getRuntime().availableProcessors(), gemmSize,
                    gemmGflops(m, gemmSize, repeats, NDArray::matMul), bf16 ? bf16GemmGflops(m, gemmSize, repeats) : 0, streamBytes,
                    memoryGbps(m, streamBytes, repeats));
        }
    }

    /** The engine's bf16 Linear ({@link BFloat16#linear}: a bfloat16 weight, float32 in and out). */
    private static double bf16GemmGflops(NDManager m, int n, int repeats) {
        BFloat16 bf16 = new BFloat16(m);
        NDArray[] weight = new NDArray[1]; // b as bfloat16, made in the warm-up
        return gemmGflops(m, n, repeats, (a, b) -> bf16.linear(a, weight[0] == null ? (weight[0] = bf16.weight(b)) : weight[0]));
    }

    /** 2n³ FLOP per n×n by n×n product {@code times} (a warm-up first; the product's inputs are made before the clock starts). */
    static double gemmGflops(NDManager m, int n, int repeats, BinaryOperator<NDArray> times) {
        NDArray a = m.randomUniform(-1, 1, new Shape(n, n), DataType.FLOAT32);
        NDArray b = m.randomUniform(-1, 1, new Shape(n, n), DataType.FLOAT32);
        double best = Double.MAX_VALUE;
        for (int i = -1; i < repeats; i++) {
            try (NDManager scope = m.newSubManager()) {
                long t0 = System.nanoTime();
                NDArray c = times.apply(a, b);
                c.attach(scope);
                c.getFloat(0, 0); // synchronise (a no-op on CPU, waits on a GPU)
                long t = System.nanoTime() - t0;
                if (i >= 0) {
                    best = Math.min(best, t);
                }
            }
        }
        return 2.0 * n * n * n / best;
    }

    /** x += y over two arrays of {@code bytes} each: reads 2, writes 1 per element, allocates nothing. */
    static double memoryGbps(NDManager m, long bytes, int repeats) {
        long n = bytes / 4;
        NDArray x = m.ones(new Shape(n), DataType.FLOAT32);
        NDArray y = m.ones(new Shape(n), DataType.FLOAT32);
        double best = Double.MAX_VALUE;
        for (int i = -1; i < repeats; i++) {
            long t0 = System.nanoTime();
            x.addi(y);
            x.getFloat(0);
            long t = System.nanoTime() - t0;
            if (i >= 0) {
                best = Math.min(best, t);
            }
        }
        return 3.0 * 4 * n / best;
    }

    static String cpuModel() {
        for (String line : cpuinfo()) {
            if (line.startsWith("model name")) {
                return line.substring(line.indexOf(':') + 1).strip();
            }
        }
        return System.getProperty("os.arch");
    }

    static List<String> cpuFlags() {
        for (String line : cpuinfo()) {
            if (line.startsWith("flags") || line.startsWith("Features")) {
                Set<String> out = new TreeSet<>();
                for (String f : line.substring(line.indexOf(':') + 1).strip().split("\\s+")) {
                    if (KERNEL_FLAGS.contains(f.toLowerCase(Locale.ROOT))) {
                        out.add(f);
                    }
                }
                return List.copyOf(out);
            }
        }
        return List.of();
    }

    private static List<String> cpuinfo() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo"));
        } catch (IOException e) {
            return List.of();
        }
    }
}

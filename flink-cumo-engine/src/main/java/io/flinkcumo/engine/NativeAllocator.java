package io.flinkcumo.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Which malloc serves libtorch's tensors in this process. glibc's malloc hands every block above
 * 32 MiB (DEFAULT_MMAP_THRESHOLD_MAX on 64-bit) back to the kernel when it is freed, so the next
 * tensor of that size faults on each 4 KiB page again; tcmalloc and jemalloc (as {@code bin/cumo},
 * docker-compose and docs/flink.md preload them) keep freed pages for reuse. The vision tower sizes
 * its crop chunks by this: small enough for glibc's heap, or large enough for the GEMMs to run near
 * the machine's peak.
 */
public final class NativeAllocator {

    private static final Path MAPS = Path.of("/proc/self/maps");

    private NativeAllocator() {}

    /** The preloaded allocator library mapped into this process ("tcmalloc", "jemalloc"), if any. */
    public static Optional<String> preloaded() {
        return preloaded(MAPS);
    }

    static Optional<String> preloaded(Path maps) {
        if (!Files.isReadable(maps)) {
            return Optional.empty(); // not Linux: assume the system allocator
        }
        try (Stream<String> lines = Files.lines(maps)) {
            return lines.map(l -> l.toLowerCase(Locale.ROOT))
                    .map(l -> l.contains("libtcmalloc") ? "tcmalloc" : l.contains("libjemalloc") ? "jemalloc" : null)
                    .filter(a -> a != null)
                    .findFirst();
        } catch (IOException | java.io.UncheckedIOException e) {
            return Optional.empty();
        }
    }

    /** True when freed large blocks stay in the process (a caching allocator is preloaded). */
    public static boolean keepsFreedPages() {
        return preloaded().isPresent();
    }
}

package io.flinkcumo.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.types.DataType;
import io.flinkcumo.engine.model.MultiScaleVisionEncoder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The vision chunk budget follows the allocator mapped into the process. */
class NativeAllocatorTest {

    @TempDir Path dir;

    @Test
    void findsAPreloadedCachingAllocatorInTheProcessMaps() throws Exception {
        assertThat(NativeAllocator.preloaded(maps("/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4.5.16"))).hasValue("tcmalloc");
        assertThat(NativeAllocator.preloaded(maps("/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"))).hasValue("jemalloc");
        assertThat(NativeAllocator.preloaded(maps("/usr/lib/x86_64-linux-gnu/libc.so.6"))).isEmpty();
        assertThat(NativeAllocator.preloaded(dir.resolve("absent"))).isEmpty();
    }

    @Test
    void theChunkBudgetIsSizedForTheGemmsOnlyWhenFreedPagesAreKept() {
        String before = System.getProperty("cumo.vision.chunkBytes");
        System.clearProperty("cumo.vision.chunkBytes");
        try {
            long budget = LlavaModel.visionChunkBytes();
            // this JVM: the allocator the surefire fork runs with decides (none preloaded: glibc's limit)
            assertThat(budget).isEqualTo(NativeAllocator.keepsFreedPages()
                    ? LlavaModel.CACHING_ALLOCATOR_VISION_CHUNK_BYTES : LlavaModel.DEFAULT_VISION_CHUNK_BYTES);
            // CLIP-L fp32: 21.3 MB per crop, so 6 crops per pass with a caching allocator
            assertThat(MultiScaleVisionEncoder.cropsPerPass(CumoConfig.Vision.CLIP_VIT_L_14_336, DataType.FLOAT32,
                    LlavaModel.CACHING_ALLOCATOR_VISION_CHUNK_BYTES)).isEqualTo(6);
            System.setProperty("cumo.vision.chunkBytes", "1000");
            assertThat(LlavaModel.visionChunkBytes()).isEqualTo(1000);
        } finally {
            if (before == null) {
                System.clearProperty("cumo.vision.chunkBytes");
            } else {
                System.setProperty("cumo.vision.chunkBytes", before);
            }
        }
    }

    private Path maps(String library) throws Exception {
        Path maps = dir.resolve("maps-" + Math.abs(library.hashCode()));
        Files.writeString(maps, String.join("\n",
                "55d5c8a00000-55d5c8a01000 r--p 00000000 fd:01 1 /usr/lib/jvm/java-17-openjdk-amd64/bin/java",
                "7f1c2a000000-7f1c2a021000 r-xp 00000000 fd:01 2 " + library,
                "7ffd1f7e1000-7ffd1f802000 rw-p 00000000 00:00 0 [stack]"));
        return maps;
    }
}

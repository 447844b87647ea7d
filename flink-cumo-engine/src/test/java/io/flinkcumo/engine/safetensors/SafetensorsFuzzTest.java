package io.flinkcumo.engine.safetensors;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkcumo.engine.Conformance;
import io.flinkcumo.engine.LlavaModel;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * Mutates the header and data of a real checkpoint shard thousands of times: every open either
 * succeeds (and then every tensor reads within bounds) or fails with a {@link SafetensorsException}
 * (or an IOException) naming the problem — never another exception type, never a crash or hang.
 * Iterations: {@code -Dcumo.fuzz.iterations} (CI default 3000; see docs/reliability.md for the large run).
 */
class SafetensorsFuzzTest {

    private static final int ITERATIONS = Integer.getInteger("cumo.fuzz.iterations", 3000);
    private static final long SEED = Long.getLong("cumo.fuzz.seed", 20261125L);

    @TempDir
    Path tmp;

    private final SplittableRandom random = new SplittableRandom(SEED);

    @Test
    void mutatedShardsOpenCleanlyOrFailCleanly() throws IOException {
        byte[] original = Files.readAllBytes(Conformance.modelDir("tiny-mistral").resolve("model-00001-of-00002.safetensors"));
        int headerLen = (int) ByteBuffer.wrap(original).order(ByteOrder.LITTLE_ENDIAN).getLong();
        Path file = tmp.resolve("fuzz.safetensors");
        int opened = 0;
        int refused = 0;
        for (int i = 0; i < ITERATIONS; i++) {
            byte[] mutated = mutate(original, headerLen);
            Files.write(file, mutated);
            try (SafetensorsFile f = SafetensorsFile.open(file)) {
                for (String name : f.tensors().keySet()) {
                    TensorInfo info = f.info(name);
                    if (info.dtype().isFloating()) {
                        assertThat(f.readFloats(name)).hasSize((int) info.numel());
                    } else {
                        assertThat(f.readInts(name)).hasSize((int) info.numel());
                    }
                }
                opened++;
            } catch (SafetensorsException | IOException expected) {
                assertThat(expected.getMessage()).isNotBlank();
                refused++;
            } catch (RuntimeException | Error other) {
                throw new AssertionError("iteration " + i + " (seed " + SEED + ") escaped with " + other, other);
            }
        }
        assertThat(opened + refused).isEqualTo(ITERATIONS);
        assertThat(refused).as("most mutations must be caught").isGreaterThan(ITERATIONS / 4);
        assertThat(opened).as("some mutations (data bytes, whitespace) are harmless").isPositive();
    }

    @Test
    void mutatedCheckpointsLoadOrFailCleanly() throws IOException {
        Path src = Conformance.modelDir("tiny-mistral");
        Path dir = tmp.resolve("model");
        Files.createDirectories(dir);
        try (Stream<Path> files = Files.list(src)) {
            for (Path p : files.toList()) {
                Files.copy(p, dir.resolve(p.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Path shard = dir.resolve("model-00002-of-00002.safetensors");
        byte[] original = Files.readAllBytes(shard);
        int headerLen = (int) ByteBuffer.wrap(original).order(ByteOrder.LITTLE_ENDIAN).getLong();
        for (int i = 0; i < Math.max(20, ITERATIONS / 100); i++) {
            Files.write(shard, mutate(original, headerLen));
            try (LlavaModel model = LlavaModel.load(dir)) {
                assertThat(model.config().llm().hiddenSize()).isPositive();
            } catch (IllegalArgumentException | IOException expected) {
                assertThat(expected.getMessage()).isNotBlank();
            } catch (RuntimeException | Error other) {
                throw new AssertionError("iteration " + i + " (seed " + SEED + ") escaped with " + other, other);
            }
        }
    }

    /** One of several structural or byte-level mutations of a safetensors file. */
    private byte[] mutate(byte[] original, int headerLen) {
        byte[] b = original.clone();
        int headerEnd = 8 + headerLen;
        switch (random.nextInt(9)) {
            case 0 -> { // flip bits in the JSON header
                for (int k = random.nextInt(1, 4); k > 0; k--) {
                    b[8 + random.nextInt(headerLen)] ^= (byte) (1 << random.nextInt(8));
                }
            }
            case 1 -> { // random bytes in the header
                for (int k = random.nextInt(1, 8); k > 0; k--) {
                    b[8 + random.nextInt(headerLen)] = (byte) random.nextInt(256);
                }
            }
            case 2 -> ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, randomLength(headerLen, b.length));
            case 3 -> b = Arrays.copyOf(b, random.nextInt(b.length)); // truncated
            case 4 -> { // extra garbage after the data
                byte[] longer = Arrays.copyOf(b, b.length + random.nextInt(1, 64));
                b = longer;
            }
            case 5 -> b = replaceInHeader(b, headerLen, "\"data_offsets\":[", "\"data_offsets\":[" + randomNumber() + ",");
            case 6 -> b = replaceInHeader(b, headerLen, "\"shape\":[", "\"shape\":[" + randomNumber() + ",");
            case 7 -> b = replaceInHeader(b, headerLen, "\"dtype\":\"", "\"dtype\":\"" + pick("F", "BF", "I6", "U", "X", "F64") );
            default -> { // flip bytes in the data section (must never matter for safety)
                for (int k = random.nextInt(1, 16); k > 0 && b.length > headerEnd; k--) {
                    b[headerEnd + random.nextInt(b.length - headerEnd)] ^= (byte) random.nextInt(1, 256);
                }
            }
        }
        return b;
    }

    private long randomLength(int headerLen, int fileLen) {
        return switch (random.nextInt(5)) {
            case 0 -> -random.nextLong(1, Long.MAX_VALUE);
            case 1 -> random.nextLong(fileLen, Long.MAX_VALUE);
            case 2 -> headerLen + random.nextInt(-16, 17);
            case 3 -> random.nextInt(0, 8);
            default -> random.nextLong();
        };
    }

    private String randomNumber() {
        return pick("-1", "0", "1", "4294967296", "9223372036854775807", "99999999999999999999", "1.5", "1e30", "null", "\"7\"");
    }

    private String pick(String... options) {
        return options[random.nextInt(options.length)];
    }

    /** Replaces one random occurrence of {@code find} inside the header, keeping the header length field consistent. */
    private byte[] replaceInHeader(byte[] b, int headerLen, String find, String replacement) {
        String header = new String(b, 8, headerLen, StandardCharsets.UTF_8);
        int count = header.split(java.util.regex.Pattern.quote(find), -1).length - 1;
        if (count == 0) {
            return b;
        }
        int target = random.nextInt(count);
        int idx = -1;
        for (int k = 0; k <= target; k++) {
            idx = header.indexOf(find, idx + 1);
        }
        String changed = header.substring(0, idx) + replacement + header.substring(idx + find.length());
        byte[] h = changed.getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(8 + h.length + b.length - 8 - headerLen).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(h.length).put(h).put(b, 8 + headerLen, b.length - 8 - headerLen);
        return out.array();
    }
}

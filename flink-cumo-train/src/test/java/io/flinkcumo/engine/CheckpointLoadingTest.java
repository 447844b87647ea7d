package io.flinkcumo.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinkcumo.engine.safetensors.Checkpoint;
import io.flinkcumo.engine.safetensors.Dtype;
import io.flinkcumo.engine.safetensors.SafetensorsFile;
import io.flinkcumo.engine.safetensors.SafetensorsWriter;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Generated checkpoints load and run; broken ones fail with an error naming the problem. */
class CheckpointLoadingTest {

    @TempDir
    Path tmp;

    private Path generate(boolean mixtral, int shards) throws IOException {
        CheckpointGenerator.Spec t = CheckpointGenerator.Spec.tiny(mixtral);
        Path dir = tmp.resolve(mixtral ? "mixtral" : "mistral");
        new CheckpointGenerator(new CheckpointGenerator.Spec(
                t.mixtral(), t.imageSize(), t.visionHidden(), t.visionIntermediate(), t.visionLayers(), t.visionHeads(), t.hidden(),
                t.intermediate(), t.layers(), t.heads(), t.kvHeads(), t.experts(), t.topK(), t.llmExperts(), t.dtype(), shards, 7))
                .write(dir);
        return dir;
    }

    private static ModelInput textAndImage(int maxNew) {
        float[] pixels = new float[3 * 336 * 336];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) Math.sin(i * 0.001);
        }
        return new ModelInput(new int[] {1, 1, 297, -200, 13, 288}, List.of(pixels), GenerationConfig.greedy(maxNew));
    }

    @Test
    void generatedMistralIsShardedBf16AndRuns() throws IOException {
        Path dir = generate(false, 3);
        assertThat(dir.resolve("model.safetensors.index.json")).exists();
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".safetensors"))).hasSize(3);
        }
        try (SafetensorsFile shard = SafetensorsFile.open(dir.resolve("model-00001-of-00003.safetensors"))) {
            assertThat(shard.tensors().values()).allSatisfy(t -> assertThat(t.dtype()).isEqualTo(Dtype.BF16));
        }
        try (LlavaModel model = LlavaModel.load(dir)) {
            ModelOutput out = model.generate(List.of(textAndImage(5)), null, io.flinkcumo.engine.model.ForwardTrace.NONE).get(0);
            assertThat(out.tokenIds()).isNotEmpty().hasSizeLessThanOrEqualTo(5);
            assertThat(out.promptPositions()).isEqualTo(5 + 576);
        }
    }

    @Test
    void generatedMixtralRunsAndReportsLlmRouting() throws IOException {
        Path dir = generate(true, 1);
        assertThat(dir.resolve("model.safetensors")).exists();
        try (LlavaModel model = LlavaModel.load(dir)) {
            ModelOutput out = model.generate(List.of(textAndImage(3)), null, io.flinkcumo.engine.model.ForwardTrace.NONE).get(0);
            assertThat(out.routing().of(io.flinkcumo.engine.routing.Component.LLM)).hasSize(2);
            assertThat(out.routing().of(io.flinkcumo.engine.routing.Component.VISION)).hasSize(2); // 3 layers, last unused
        }
    }

    @Test
    void sameSeedSameCheckpoint() throws IOException {
        Path a = generate(false, 1);
        byte[] first = Files.readAllBytes(a.resolve("model.safetensors"));
        Files.delete(a.resolve("model.safetensors"));
        generate(false, 1);
        assertThat(Files.readAllBytes(a.resolve("model.safetensors"))).isEqualTo(first);
    }

    @Test
    void missingTensorIsNamed() throws IOException {
        Path dir = generate(false, 1);
        rewriteWithout(dir, "model.norm.weight", null);
        assertThatThrownBy(() -> LlavaModel.load(dir)).hasMessageContaining("missing tensor 'model.norm.weight'");
    }

    @Test
    void misShapedTensorIsNamed() throws IOException {
        Path dir = generate(false, 1);
        rewriteWithout(dir, "model.norm.weight", new long[] {65});
        assertThatThrownBy(() -> LlavaModel.load(dir))
                .hasMessageContaining("'model.norm.weight' has shape [65]").hasMessageContaining("[64]");
    }

    @Test
    void unexpectedTensorIsNamed() throws IOException {
        Path dir = generate(false, 1);
        rewriteWithout(dir, null, null);
        assertThatThrownBy(() -> LlavaModel.load(dir)).hasMessageContaining("unexpected tensor").hasMessageContaining("model.extra.weight");
    }

    @Test
    void unknownModelTypeIsRefused() throws IOException {
        Path dir = generate(false, 1);
        ObjectMapper json = new ObjectMapper();
        ObjectNode config = (ObjectNode) json.readTree(dir.resolve("config.json").toFile());
        config.put("model_type", "llama");
        json.writeValue(dir.resolve("config.json").toFile(), config);
        assertThatThrownBy(() -> LlavaModel.load(dir)).hasMessageContaining("model_type 'llama' is not a CuMo model");
    }

    @Test
    void pickleCheckpointIsRefusedWithReason() throws IOException {
        Path dir = generate(false, 1);
        Files.delete(dir.resolve("model.safetensors"));
        Files.write(dir.resolve("pytorch_model.bin"), new byte[] {(byte) 0x80, 2});
        assertThatThrownBy(() -> LlavaModel.load(dir))
                .hasMessageContaining("pytorch_model.bin").hasMessageContaining("unpickling can execute arbitrary code");
    }

    @Test
    void missingDirectoryAndCorruptHeaderAreClear() throws IOException {
        assertThatThrownBy(() -> LlavaModel.load(tmp.resolve("nope"))).hasMessageContaining("no config.json");
        Path dir = generate(false, 1);
        Files.write(dir.resolve("model.safetensors"), new byte[] {(byte) 0xff, (byte) 0xff, 0, 0, 0, 0, 0, 0, '{'});
        assertThatThrownBy(() -> LlavaModel.load(dir)).hasMessageContaining("header length");
    }

    /** Rewrites model.safetensors dropping {@code drop} (or reshaping it to {@code reshape}), or adding an extra tensor. */
    private static void rewriteWithout(Path dir, String drop, long[] reshape) throws IOException {
        Path file = dir.resolve("model.safetensors");
        SafetensorsWriter w = new SafetensorsWriter();
        try (Checkpoint ckpt = Checkpoint.open(dir)) {
            for (String name : ckpt.names()) {
                if (name.equals(drop)) {
                    if (reshape != null) {
                        w.addFloats(name, Dtype.F32, reshape, new float[(int) reshape[0]]);
                    }
                    continue;
                }
                w.addFloats(name, Dtype.F32, ckpt.info(name).shape(), ckpt.readFloats(name));
            }
        }
        if (drop == null) {
            w.addFloats("model.extra.weight", Dtype.F32, new long[] {2}, new float[2]);
        }
        w.write(file);
    }
}

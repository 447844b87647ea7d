package io.flinkcumo.engine.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The weights of a Hugging Face model directory: a single {@code model.safetensors}, or shards
 * listed by {@code model.safetensors.index.json}. Pickle-based checkpoints ({@code *.bin},
 * {@code *.pt}, {@code *.pth}) are refused, since unpickling can execute arbitrary code.
 */
public final class Checkpoint implements AutoCloseable {

    public static final String SINGLE_FILE = "model.safetensors";
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private final Path dir;
    private final Map<String, SafetensorsFile> byTensor;
    private final List<SafetensorsFile> files;

    private Checkpoint(Path dir, Map<String, SafetensorsFile> byTensor, List<SafetensorsFile> files) {
        this.dir = dir;
        this.byTensor = byTensor;
        this.files = files;
    }

    /** Opens the weights in {@code dir}, validating every shard header and the index. */
    public static Checkpoint open(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new SafetensorsException("model directory " + dir + " does not exist or is not a directory");
        }
        Path index = dir.resolve(INDEX_FILE);
        Path single = dir.resolve(SINGLE_FILE);
        List<SafetensorsFile> files = new ArrayList<>();
        Map<String, SafetensorsFile> byTensor = new LinkedHashMap<>();
        try {
            if (Files.isRegularFile(index)) {
                openSharded(dir, index, files, byTensor);
            } else if (Files.isRegularFile(single)) {
                SafetensorsFile f = SafetensorsFile.open(single);
                files.add(f);
                f.tensors().keySet().forEach(n -> byTensor.put(n, f));
            } else {
                throw new SafetensorsException(missingWeightsMessage(dir));
            }
        } catch (IOException | RuntimeException e) {
            for (SafetensorsFile f : files) {
                f.close();
            }
            throw e;
        }
        return new Checkpoint(dir, Collections.unmodifiableMap(byTensor), List.copyOf(files));
    }

    private static void openSharded(
            Path dir, Path index, List<SafetensorsFile> files, Map<String, SafetensorsFile> byTensor)
            throws IOException {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(index.toFile());
        } catch (IOException e) {
            throw new SafetensorsException(index, "not valid JSON: " + e.getMessage());
        }
        JsonNode map = root == null ? null : root.get("weight_map");
        if (map == null || !map.isObject()) {
            throw new SafetensorsException(index, "has no weight_map object");
        }
        Map<String, SafetensorsFile> shards = new LinkedHashMap<>();
        for (var it = map.fields(); it.hasNext(); ) {
            var e = it.next();
            String shardName = e.getValue().asText();
            Path shardPath = dir.resolve(shardName).normalize();
            if (!shardPath.startsWith(dir.normalize()) || shardName.contains("/") || shardName.contains("\\")) {
                throw new SafetensorsException(index, "shard '" + shardName + "' is not a file inside " + dir);
            }
            SafetensorsFile shard = shards.get(shardName);
            if (shard == null) {
                if (!Files.isRegularFile(shardPath)) {
                    throw new SafetensorsException(index, "lists shard '" + shardName + "', which does not exist");
                }
                shard = SafetensorsFile.open(shardPath);
                shards.put(shardName, shard);
                files.add(shard);
            }
            if (!shard.tensors().containsKey(e.getKey())) {
                throw new SafetensorsException(
                        index, "maps '" + e.getKey() + "' to " + shardName + ", which does not contain it");
            }
            byTensor.put(e.getKey(), shard);
        }
    }

    private static String missingWeightsMessage(Path dir) throws IOException {
        List<String> pickles = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".bin") || n.endsWith(".pt") || n.endsWith(".pth") || n.endsWith(".pkl"))
                    .sorted()
                    .forEach(pickles::add);
        }
        if (!pickles.isEmpty()) {
            return "model directory " + dir + " holds only pickle-based weights " + pickles
                    + ": these are refused because unpickling can execute arbitrary code. Convert them to safetensors"
                    + " (e.g. transformers' save_pretrained(..., safe_serialization=True)) and try again";
        }
        return "model directory " + dir + " has neither " + SINGLE_FILE + " nor " + INDEX_FILE;
    }

    /** The model directory. */
    public Path dir() {
        return dir;
    }

    /** All tensor names, sorted. */
    public Set<String> names() {
        return new TreeSet<>(byTensor.keySet());
    }

    /** True when the checkpoint holds {@code name}. */
    public boolean has(String name) {
        return byTensor.containsKey(name);
    }

    /** Header entry of {@code name}. */
    public TensorInfo info(String name) {
        return file(name).info(name);
    }

    /** Reads a floating tensor widened to float32 into {@code dst}. */
    public void readFloats(String name, FloatBuffer dst) throws IOException {
        file(name).readFloats(name, dst);
    }

    /** Reads a floating tensor widened to a float32 heap array. */
    public float[] readFloats(String name) throws IOException {
        return file(name).readFloats(name);
    }

    private SafetensorsFile file(String name) {
        SafetensorsFile f = byTensor.get(name);
        if (f == null) {
            throw new SafetensorsException("checkpoint " + dir + " is missing tensor '" + name + "'");
        }
        return f;
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        for (SafetensorsFile f : files) {
            try {
                f.close();
            } catch (IOException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }
}

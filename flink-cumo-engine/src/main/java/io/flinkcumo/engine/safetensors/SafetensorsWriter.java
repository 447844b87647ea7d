package io.flinkcumo.engine.safetensors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a safetensors file in memory and writes it: tensors in insertion order, the header padded
 * with spaces to a multiple of 8 bytes as the reference writer does.
 */
public final class SafetensorsWriter {

    private record Entry(String name, Dtype dtype, long[] shape, byte[] data) {}

    private final List<Entry> entries = new ArrayList<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    /** Adds a string to {@code __metadata__} (e.g. {@code format=pt}). */
    public SafetensorsWriter metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    /** Adds float data stored as {@code dtype} (F32, F16 or BF16; rounding to nearest even). */
    public SafetensorsWriter addFloats(String name, Dtype dtype, long[] shape, float[] values) {
        ByteBuffer buf = ByteBuffer.allocate(values.length * dtype.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            switch (dtype) {
                case F32 -> buf.putFloat(v);
                case BF16 -> buf.putShort(HalfFloats.floatToBf16(v));
                case F16 -> buf.putShort(HalfFloats.floatToF16(v));
                default -> throw new IllegalArgumentException("addFloats cannot store " + dtype);
            }
        }
        return addRaw(name, dtype, shape, buf.array());
    }

    /** Adds int32 data. */
    public SafetensorsWriter addInts(String name, long[] shape, int[] values) {
        ByteBuffer buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : values) {
            buf.putInt(v);
        }
        return addRaw(name, Dtype.I32, shape, buf.array());
    }

    /** Adds already-encoded little-endian bytes. */
    public SafetensorsWriter addRaw(String name, Dtype dtype, long[] shape, byte[] data) {
        long numel = 1;
        for (long d : shape) {
            numel *= d;
        }
        if (numel * dtype.bytes() != data.length) {
            throw new IllegalArgumentException(
                    name + ": " + data.length + " bytes do not hold " + numel + " " + dtype + " elements");
        }
        entries.add(new Entry(name, dtype, shape.clone(), data));
        return this;
    }

    /** Total bytes of tensor data added so far. */
    public long dataBytes() {
        return entries.stream().mapToLong(e -> e.data.length).sum();
    }

    /** Names added so far, in order. */
    public List<String> names() {
        return entries.stream().map(Entry::name).toList();
    }

    /** Writes the file. */
    public void write(Path path) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode header = json.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Entry e : entries) {
            ObjectNode t = header.putObject(e.name);
            t.put("dtype", e.dtype.name());
            ArrayNode shape = t.putArray("shape");
            for (long d : e.shape) {
                shape.add(d);
            }
            t.putArray("data_offsets").add(offset).add(offset + e.data.length);
            offset += e.data.length;
        }
        byte[] headerBytes = json.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        int padded = (headerBytes.length + 7) / 8 * 8;
        ByteBuffer prefix = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        prefix.putLong(padded).put(headerBytes);
        while (prefix.hasRemaining()) {
            prefix.put((byte) ' ');
        }
        Files.createDirectories(path.toAbsolutePath().getParent());
        try (OutputStream out = Files.newOutputStream(path)) {
            out.write(prefix.array());
            for (Entry e : entries) {
                out.write(e.data);
            }
        }
    }
}

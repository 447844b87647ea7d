package io.flinkcumo.engine.safetensors;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A safetensors file opened for reading: the header is parsed and validated completely before
 * any tensor is touched, and tensor data is memory-mapped on demand (never read into the heap).
 *
 * <p>Layout: an 8-byte little-endian header length {@code n}, {@code n} bytes of JSON
 * ({@code name -> {dtype, shape, data_offsets:[begin,end]}} plus an optional
 * {@code __metadata__} string map), then the data section. Validation follows the format's
 * promise that loading never reads out of bounds: the header length is bounded, the JSON is
 * well-formed with no duplicate keys, every byte range lies inside the data section, ranges do
 * not overlap, and each range's length equals {@code numel * dtype width}.
 */
public final class SafetensorsFile implements AutoCloseable {

    /** Largest header accepted (the reference implementation uses the same bound). */
    public static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;
    /** Largest number of tensors accepted in one file. */
    public static final int MAX_TENSORS = 1_000_000;

    private static final ObjectMapper JSON =
            new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private final Path path;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;

    private SafetensorsFile(
            Path path,
            FileChannel channel,
            long dataStart,
            Map<String, TensorInfo> tensors,
            Map<String, String> metadata) {
        this.path = path;
        this.channel = channel;
        this.dataStart = dataStart;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /** Opens and validates {@code path}; throws {@link SafetensorsException} naming the problem. */
    public static SafetensorsFile open(Path path) throws IOException {
        FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
        try {
            long size = channel.size();
            if (size < 8) {
                throw new SafetensorsException(path, "file is " + size + " bytes, too short for a header");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, lenBuf, 0);
            long headerLen = lenBuf.getLong(0);
            if (headerLen < 2 || headerLen > MAX_HEADER_BYTES || headerLen > size - 8) {
                throw new SafetensorsException(
                        path,
                        "header length " + headerLen + " is out of bounds (file is " + size + " bytes)");
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLen);
            readFully(channel, header, 8);
            long dataStart = 8 + headerLen;
            long dataSize = size - dataStart;
            SafetensorsFile file = parseHeader(path, channel, header.array(), dataStart, dataSize);
            return file;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos + buf.position());
            if (n < 0) {
                throw new IOException("unexpected end of file");
            }
        }
    }

    private static SafetensorsFile parseHeader(
            Path path, FileChannel channel, byte[] header, long dataStart, long dataSize)
            throws SafetensorsException {
        JsonNode root;
        try {
            root = JSON.readTree(new String(header, StandardCharsets.UTF_8).stripTrailing());
        } catch (IOException e) {
            throw new SafetensorsException(path, "header is not valid JSON: " + firstLine(e.getMessage()));
        }
        if (root == null || !root.isObject()) {
            throw new SafetensorsException(path, "header is not a JSON object");
        }
        if (root.size() > MAX_TENSORS + 1) {
            throw new SafetensorsException(path, "header lists " + root.size() + " entries, more than " + MAX_TENSORS);
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("__metadata__")) {
                if (!e.getValue().isObject()) {
                    throw new SafetensorsException(path, "__metadata__ is not an object");
                }
                e.getValue().fields().forEachRemaining(m -> {
                    if (!m.getValue().isTextual()) {
                        throw new SafetensorsException(path, "__metadata__." + m.getKey() + " is not a string");
                    }
                    metadata.put(m.getKey(), m.getValue().asText());
                });
                continue;
            }
            tensors.put(e.getKey(), parseEntry(path, e.getKey(), e.getValue(), dataSize));
        }
        checkNoOverlap(path, tensors.values());
        return new SafetensorsFile(
                path, channel, dataStart, Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(metadata));
    }

    private static TensorInfo parseEntry(Path path, String name, JsonNode node, long dataSize) {
        if (!node.isObject()) {
            throw new SafetensorsException(path, "entry '" + name + "' is not an object");
        }
        JsonNode dtypeNode = node.get("dtype");
        JsonNode shapeNode = node.get("shape");
        JsonNode offsets = node.get("data_offsets");
        if (dtypeNode == null || !dtypeNode.isTextual() || shapeNode == null || !shapeNode.isArray()
                || offsets == null || !offsets.isArray() || offsets.size() != 2) {
            throw new SafetensorsException(
                    path, "entry '" + name + "' needs a string dtype, an array shape and data_offsets [begin, end]");
        }
        Dtype dtype;
        try {
            dtype = Dtype.parse(dtypeNode.asText());
        } catch (IllegalArgumentException e) {
            throw new SafetensorsException(path, "entry '" + name + "': " + e.getMessage());
        }
        long[] shape = new long[shapeNode.size()];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0) {
                throw new SafetensorsException(path, "entry '" + name + "' has an invalid shape " + shapeNode);
            }
            shape[i] = d.asLong();
            try {
                numel = Math.multiplyExact(numel, shape[i]);
            } catch (ArithmeticException ex) {
                throw new SafetensorsException(path, "entry '" + name + "' shape " + shapeNode + " overflows");
            }
        }
        JsonNode b = offsets.get(0);
        JsonNode en = offsets.get(1);
        if (!b.isIntegralNumber() || !en.isIntegralNumber() || !b.canConvertToLong() || !en.canConvertToLong()) {
            throw new SafetensorsException(path, "entry '" + name + "' has non-integer data_offsets");
        }
        long begin = b.asLong();
        long end = en.asLong();
        if (begin < 0 || end < begin || end > dataSize) {
            throw new SafetensorsException(
                    path,
                    "entry '" + name + "' data_offsets [" + begin + ", " + end + "] lie outside the data section of "
                            + dataSize + " bytes");
        }
        long expected;
        try {
            expected = Math.multiplyExact(numel, dtype.bytes());
        } catch (ArithmeticException ex) {
            throw new SafetensorsException(path, "entry '" + name + "' byte size overflows");
        }
        if (end - begin != expected) {
            throw new SafetensorsException(
                    path,
                    "entry '" + name + "' is " + dtype + " " + shapeNode + " = " + expected + " bytes but its range holds "
                            + (end - begin));
        }
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    private static void checkNoOverlap(Path path, Iterable<TensorInfo> infos) {
        List<TensorInfo> sorted = new ArrayList<>();
        infos.forEach(sorted::add);
        sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        for (int i = 1; i < sorted.size(); i++) {
            TensorInfo prev = sorted.get(i - 1);
            TensorInfo cur = sorted.get(i);
            if (cur.begin() < prev.end()) {
                throw new SafetensorsException(
                        path, "tensors '" + prev.name() + "' and '" + cur.name() + "' overlap in the data section");
            }
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** The file this was opened from. */
    public Path path() {
        return path;
    }

    /** Header entries in file order (without {@code __metadata__}). */
    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    /** The {@code __metadata__} map (empty when absent). */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** The header entry for {@code name}; throws naming the file when it is absent. */
    public TensorInfo info(String name) {
        TensorInfo info = tensors.get(name);
        if (info == null) {
            throw new SafetensorsException(path, "no tensor named '" + name + "'");
        }
        return info;
    }

    /** The raw little-endian bytes of a tensor, memory-mapped read-only. */
    public ByteBuffer map(String name) throws IOException {
        TensorInfo info = info(name);
        if (info.byteLength() == 0) {
            return ByteBuffer.allocate(0).order(ByteOrder.LITTLE_ENDIAN);
        }
        return channel.map(FileChannel.MapMode.READ_ONLY, dataStart + info.begin(), info.byteLength())
                .order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Bytes read per system call by {@link #readFloats}: a multiple of every element size. */
    private static final int READ_CHUNK = 8 << 20;

    /**
     * Writes a floating tensor widened to float32 into {@code dst} (its position advances by
     * numel). BF16 widens exactly; F16 exactly; F64 rounds to nearest. Read with positional reads
     * through one heap chunk, not memory-mapped: a mapping stays in the process's resident set until
     * the garbage collector unmaps it, which for a 16 GB checkpoint added up to 5 GB of file pages
     * to the peak RSS while loading.
     */
    public void readFloats(String name, FloatBuffer dst) throws IOException {
        TensorInfo info = info(name);
        if (!info.dtype().isFloating()) {
            throw new SafetensorsException(path, "tensor '" + name + "' is " + info.dtype() + ", not a floating type");
        }
        long pos = dataStart + info.begin();
        long left = info.byteLength();
        ByteBuffer chunk = ByteBuffer.allocate((int) Math.min(left, READ_CHUNK)).order(ByteOrder.LITTLE_ENDIAN);
        while (left > 0) {
            int n = (int) Math.min(left, chunk.capacity());
            chunk.clear().limit(n);
            readFully(channel, chunk, pos);
            chunk.flip();
            widen(info.dtype(), chunk, dst);
            pos += n;
            left -= n;
        }
    }

    private static void widen(Dtype dtype, ByteBuffer src, FloatBuffer dst) {
        switch (dtype) {
            case F32 -> dst.put(src.asFloatBuffer());
            case BF16 -> {
                while (src.hasRemaining()) {
                    dst.put(HalfFloats.bf16ToFloat(src.getShort()));
                }
            }
            case F16 -> {
                while (src.hasRemaining()) {
                    dst.put(HalfFloats.f16ToFloat(src.getShort()));
                }
            }
            case F64 -> {
                while (src.hasRemaining()) {
                    dst.put((float) src.getDouble());
                }
            }
            default -> throw new IllegalArgumentException(dtype + " is not a floating type");
        }
    }

    /** A floating tensor widened to a float32 heap array (for small tensors and tests). */
    public float[] readFloats(String name) throws IOException {
        float[] out = new float[Math.toIntExact(info(name).numel())];
        readFloats(name, FloatBuffer.wrap(out));
        return out;
    }

    /** An integer tensor (I64, I32, I16, I8, U8, BOOL) as ints. */
    public int[] readInts(String name) throws IOException {
        TensorInfo info = info(name);
        ByteBuffer src = map(name);
        int[] out = new int[Math.toIntExact(info.numel())];
        for (int i = 0; i < out.length; i++) {
            out[i] = switch (info.dtype()) {
                case I64 -> Math.toIntExact(src.getLong());
                case I32 -> src.getInt();
                case I16 -> src.getShort();
                case I8 -> src.get();
                case U8, BOOL -> src.get() & 0xff;
                default -> throw new SafetensorsException(
                        path, "tensor '" + name + "' is " + info.dtype() + ", not an integer type");
            };
        }
        return out;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}

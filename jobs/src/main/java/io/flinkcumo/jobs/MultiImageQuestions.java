package io.flinkcumo.jobs;

import io.flinkcumo.runtime.core.CumoInputException;
import io.flinkcumo.runtime.core.ImageFiles;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.core.fs.Path;
import org.apache.flink.util.Collector;

/**
 * The pending questions of the multi-image benchmarks (SEED-IMG's list of images, MMMU's {@code
 * image_1}..{@code image_7}): reads one Parquet file of the input row by row, only its image
 * columns, and gives each pending question the images it names ({@link
 * io.flinkcumo.eval.BenchTask#IMAGES}), in order. A missing or null image column, an image struct
 * with neither bytes nor a path, or a path outside the image base gives the question an error
 * (scored as wrong), never a lost question; an unreadable file gives all its pending questions one.
 */
final class MultiImageQuestions implements FlatMapFunction<ParquetImageInput.InputFile, BenchmarkRequest>, Serializable {

    private static final long serialVersionUID = 1L;

    /** {@code <file>#<row>} to key, prompt, images, key, prompt, images, ... */
    private final HashMap<String, List<String>> pending;
    private final String imageBase;
    private final long maxImageBytes;

    MultiImageQuestions(Map<String, List<String>> pending, String imageBase, long maxImageBytes) {
        this.pending = new HashMap<>();
        pending.forEach((k, v) -> this.pending.put(k, new ArrayList<>(v)));
        this.imageBase = imageBase;
        this.maxImageBytes = maxImageBytes;
    }

    @Override
    public void flatMap(ParquetImageInput.InputFile file, Collector<BenchmarkRequest> out) throws IOException {
        Path path = new Path(file.path());
        ImageFiles sandbox = new ImageFiles(List.of(ParquetImageFormat.imageBase(imageBase, path)), maxImageBytes);
        Set<String> columns = new HashSet<>();
        Set<Long> rows = new HashSet<>();
        pending.forEach((row, questions) -> {
            int hash = row.lastIndexOf('#');
            if (row.substring(0, hash).equals(file.name())) {
                rows.add(Long.parseLong(row.substring(hash + 1)));
                for (int i = 2; i < questions.size(); i += 3) {
                    columns.addAll(List.of(questions.get(i).split(",")));
                }
            }
        });
        if (rows.isEmpty()) {
            return;
        }
        Set<Long> seen = new HashSet<>();
        try {
            BenchData.forEachRow(path, t -> !columns.contains(t.getName()), (position, values) -> {
                List<String> questions = pending.get(file.name() + "#" + position);
                if (questions != null) {
                    seen.add(position);
                    emit(file.name(), position, questions, values, sandbox, out);
                }
            });
        } catch (IllegalArgumentException | IOException e) {
            for (long row : rows) {
                if (!seen.contains(row)) {
                    List<String> questions = pending.get(file.name() + "#" + row);
                    for (int i = 0; i < questions.size(); i += 3) {
                        out.collect(request(file.name(), row, questions, i, null, ParquetImageFormat.oneLine(e)));
                    }
                }
            }
        }
    }

    private void emit(String file, long position, List<String> questions, Map<String, Object> values, ImageFiles sandbox,
            Collector<BenchmarkRequest> out) {
        for (int i = 0; i < questions.size(); i += 3) {
            List<Object[]> images = new ArrayList<>();
            String error = null;
            for (String column : questions.get(i + 2).split(",")) {
                try {
                    images.addAll(images(column, values, sandbox));
                } catch (CumoInputException | IllegalArgumentException e) {
                    error = e.getMessage();
                    break;
                }
            }
            out.collect(request(file, position, questions, i, error == null ? images : null, error));
        }
    }

    /** The images of one column: {bytes, path} pairs. */
    private static List<Object[]> images(String column, Map<String, Object> values, ImageFiles sandbox) {
        if (!values.containsKey(column)) {
            throw new IllegalArgumentException("the data has no image column '" + column + "'");
        }
        Object v = values.get(column);
        if (v == null) {
            throw new IllegalArgumentException("image column '" + column + "' is null");
        }
        List<Object[]> out = new ArrayList<>();
        if (v instanceof List<?> list) {
            if (list.isEmpty()) {
                throw new IllegalArgumentException("image column '" + column + "' is an empty list");
            }
            for (int i = 0; i < list.size(); i++) {
                out.add(image(list.get(i), column + "[" + i + "]", sandbox));
            }
        } else {
            out.add(image(v, column, sandbox));
        }
        return out;
    }

    private static Object[] image(Object v, String where, ImageFiles sandbox) {
        if (!(v instanceof Map<?, ?> struct)) {
            throw new IllegalArgumentException(where + " is not an image struct {bytes, path}");
        }
        Object bytes = struct.get("bytes");
        Object path = struct.get("path");
        if (bytes instanceof byte[] b && b.length > 0) {
            return new Object[] {b, path == null ? null : path.toString()};
        }
        if (path != null && !path.toString().isEmpty()) {
            return new Object[] {null, sandbox.resolve(path.toString())};
        }
        throw new IllegalArgumentException(where + " has neither bytes nor a path");
    }

    private static BenchmarkRequest request(String file, long row, List<String> questions, int i, List<Object[]> images,
            String error) {
        BenchmarkRequest r = new BenchmarkRequest();
        r.key = questions.get(i);
        r.row = file + "#" + row;
        r.prompt = questions.get(i + 1);
        r.error = error;
        if (images != null) {
            r.images = new byte[images.size()][];
            r.imagePaths = new String[images.size()];
            for (int j = 0; j < images.size(); j++) {
                r.images[j] = (byte[]) images.get(j)[0];
                r.imagePaths[j] = (String) images.get(j)[1];
            }
        }
        return r;
    }
}

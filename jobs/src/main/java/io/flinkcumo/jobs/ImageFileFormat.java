package io.flinkcumo.jobs;

import java.io.IOException;
import io.flinkcumo.runtime.core.CumoInputException;
import io.flinkcumo.runtime.core.ImageFiles;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.reader.BulkFormat;
import org.apache.flink.connector.file.src.util.RecordAndPosition;
import org.apache.flink.core.fs.FSDataInputStream;
import org.apache.flink.core.fs.Path;

/**
 * Reads each file of a directory as one image to moderate: the id is the file's path relative to
 * the directory. Files larger than {@code maxBytes}, and anything that is not a regular file (a
 * FIFO, a device, a symlink to one), are not read; they become inputs with an error, so each is
 * flagged rather than skipped or waited for.
 */
public final class ImageFileFormat implements BulkFormat<ModerationInput, FileSourceSplit> {

    private static final long serialVersionUID = 1L;

    private final String root;
    private final long maxBytes;

    /**
     * @param root the directory the ids are relative to
     * @param maxBytes the largest file that is read
     */
    public ImageFileFormat(Path root, long maxBytes) {
        this.root = root.toUri().getPath();
        this.maxBytes = maxBytes;
    }

    @Override
    public Reader<ModerationInput> createReader(Configuration config, FileSourceSplit split) {
        return new Reader<>() {
            private boolean done = split.getReaderPosition().map(p -> p.getRecordsAfterOffset() > 0).orElse(false);

            @Override
            public RecordIterator<ModerationInput> readBatch() throws IOException {
                if (done) {
                    return null;
                }
                done = true;
                ModerationInput input = read(split);
                return new RecordIterator<>() {
                    private boolean taken;

                    @Override
                    public RecordAndPosition<ModerationInput> next() {
                        if (taken) {
                            return null;
                        }
                        taken = true;
                        return new RecordAndPosition<>(input, RecordAndPosition.NO_OFFSET, 1);
                    }

                    @Override
                    public void releaseBatch() {}
                };
            }

            @Override
            public void close() {}
        };
    }

    private ModerationInput read(FileSourceSplit split) throws IOException {
        Path path = split.path();
        ModerationInput input = new ModerationInput();
        String full = path.toUri().getPath();
        input.id = full.startsWith(root) ? full.substring(root.length()).replaceFirst("^/", "") : path.getName();
        input.source = path.toString();
        if (split.fileSize() > maxBytes) {
            input.error = "the file has " + split.fileSize() + " bytes, more than max-image-bytes (" + maxBytes + ")";
            return input;
        }
        String scheme = path.toUri().getScheme();
        if (scheme == null || scheme.equals("file")) {
            // regular files only, the limit enforced while reading: a FIFO or device is flagged, never opened
            try {
                input.image = ImageFiles.readRegularFile(java.nio.file.Paths.get(path.toUri().getPath()), maxBytes);
            } catch (CumoInputException e) {
                input.error = e.getMessage();
            }
            return input;
        }
        try (FSDataInputStream in = path.getFileSystem().open(path)) {
            byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
            if (bytes.length > maxBytes) {
                input.error = "the file has more than max-image-bytes (" + maxBytes + ") bytes";
            } else {
                input.image = bytes;
            }
        }
        return input;
    }

    @Override
    public Reader<ModerationInput> restoreReader(Configuration config, FileSourceSplit split) {
        return createReader(config, split);
    }

    @Override
    public boolean isSplittable() {
        return false;
    }

    @Override
    public TypeInformation<ModerationInput> getProducedType() {
        return TypeInformation.of(ModerationInput.class);
    }
}

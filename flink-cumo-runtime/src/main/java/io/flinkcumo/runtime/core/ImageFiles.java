package io.flinkcumo.runtime.core;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads image files named by data (a Parquet row, a SQL path, a Kafka {@code image_path}) under the
 * sandbox rule of the {@code image-base} option:
 *
 * <ol>
 *   <li>A relative path resolves against the first base; {@code file:} URIs and absolute paths are
 *       taken as they are; {@code ..} segments are removed first.
 *   <li>The path must lie under one of the bases, before and after symlinks are resolved (the real
 *       path), so neither {@code ../../etc/passwd} nor a symlink out of the base is read. Other file
 *       systems ({@code s3://}, {@code hdfs://}) must match a base's scheme and authority and lie
 *       under its path.
 *   <li>Only regular files are read: a directory, FIFO, device ({@code /dev/zero}) or socket is
 *       refused before it is opened, so nothing blocks or streams forever.
 *   <li>The byte limit ({@code max-image-bytes}) is enforced while reading, not only from the size
 *       the file system reports.
 * </ol>
 *
 * <p>With no base, every path is refused. A refusal is a {@link CumoInputException} naming the path
 * and the rule; no message ever contains bytes of a file.
 */
public final class ImageFiles implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Access to files of other file systems ({@code s3://}, {@code hdfs://}); Flink's in {@link io.flinkcumo.runtime.FlinkRemoteFiles}. */
    public interface RemoteFiles extends Serializable {
        /** True for a directory. */
        boolean isDirectory(URI uri) throws IOException;

        /** The file's length as the file system reports it. */
        long length(URI uri) throws IOException;

        /** The file's bytes. */
        InputStream open(URI uri) throws IOException;
    }

    /** No other file system: remote paths are refused. */
    private static final RemoteFiles NO_REMOTE = new RemoteFiles() {
        private static final long serialVersionUID = 1L;

        @Override
        public boolean isDirectory(URI uri) throws IOException {
            throw new IOException("no reader for " + uri.getScheme() + ": URIs here");
        }

        @Override
        public long length(URI uri) throws IOException {
            throw new IOException("no reader for " + uri.getScheme() + ": URIs here");
        }

        @Override
        public InputStream open(URI uri) throws IOException {
            throw new IOException("no reader for " + uri.getScheme() + ": URIs here");
        }
    };

    private final List<String> bases;
    private final long maxBytes;
    private final RemoteFiles remoteFiles;

    /**
     * Local files only: paths on other file systems are checked against the rule but not read.
     *
     * @param bases directories (or URIs) images may be read from; the first resolves relative paths
     * @param maxBytes the most bytes read from one file
     */
    public ImageFiles(List<String> bases, long maxBytes) {
        this(bases, maxBytes, NO_REMOTE);
    }

    /**
     * @param bases directories (or URIs) images may be read from; the first resolves relative paths
     * @param maxBytes the most bytes read from one file
     * @param remoteFiles reads files of other file systems
     */
    public ImageFiles(List<String> bases, long maxBytes, RemoteFiles remoteFiles) {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("maxBytes must be positive, got " + maxBytes);
        }
        this.bases = bases == null ? List.of() : List.copyOf(bases);
        this.maxBytes = maxBytes;
        this.remoteFiles = remoteFiles;
    }

    /** The allowed bases, as given. */
    public List<String> bases() {
        return bases;
    }

    /**
     * Checks {@code path} against the rule and reads the file.
     *
     * @throws CumoInputException naming the path and the rule it broke, or why it cannot be read
     */
    public byte[] read(String path) {
        Location location = locate(path);
        return location.local != null ? readLocal(path, location.local) : readRemote(path, location.remote);
    }

    /**
     * The bytes of each image of one request, in order: bytes given in the row as they are, a row
     * with only a path read from its file under the rule.
     *
     * @throws CumoInputException for a missing image (naming its position) or a file the rule refuses
     *     or that cannot be read
     */
    public List<byte[]> read(List<ImageRef> images) {
        List<byte[]> bytes = new ArrayList<>(images.size());
        for (int i = 0; i < images.size(); i++) {
            ImageRef image = images.get(i);
            if (image == null || image.isNull()) {
                throw new CumoInputException("image " + (i + 1) + " of " + images.size() + " is missing");
            }
            bytes.add(image.isPathOnly() ? read(image.path()) : image.bytes());
        }
        return bytes;
    }

    /**
     * Where {@code path} points once resolved and checked against the rule (for a local file its
     * real path), without reading it.
     *
     * @throws CumoInputException if it breaks the rule or does not exist
     */
    public String resolve(String path) {
        Location location = locate(path);
        return location.local != null ? location.local.toString() : location.remote.toString();
    }

    private record Location(Path local, URI remote) {}

    private Location locate(String path) {
        if (path == null || path.isEmpty()) {
            throw new CumoInputException("the image path is empty");
        }
        if (bases.isEmpty()) {
            throw new CumoInputException("image path '" + path + "' refused: no image-base is set, so image paths are"
                    + " not read (set 'image-base' to the directories images may be read from)");
        }
        URI uri = uriOf(path);
        URI firstBase = uriOf(bases.get(0));
        boolean remoteBase = firstBase.getScheme() != null && !firstBase.getScheme().equals("file");
        if (uri.getScheme() == null && remoteBase && !path.startsWith("/")) {
            String dir = firstBase.toString().endsWith("/") ? firstBase.toString() : firstBase + "/";
            return new Location(null, remote(path, URI.create(dir).resolve(uri)));
        }
        if (uri.getScheme() == null || uri.getScheme().equals("file")) {
            return new Location(local(path, uri), null);
        }
        return new Location(null, remote(path, uri));
    }

    private Path local(String path, URI uri) {
        Path candidate;
        try {
            if (uri.getScheme() != null) {
                candidate = Paths.get(uri);
            } else {
                Path p = Paths.get(path);
                candidate = p.isAbsolute() ? p : localBase(bases.get(0)).resolve(p);
            }
        } catch (IllegalArgumentException e) {
            throw new CumoInputException("image path '" + path + "' is not a valid local path or file: URI");
        }
        Path normalized = candidate.toAbsolutePath().normalize();
        if (!underLocalBase(normalized, false)) {
            throw outside(path);
        }
        Path real = realPath(normalized, path);
        if (!underLocalBase(real, true)) {
            throw outside(path);
        }
        return real;
    }

    private boolean underLocalBase(Path path, boolean real) {
        for (String base : bases) {
            URI uri = uriOf(base);
            if (uri.getScheme() != null && !uri.getScheme().equals("file")) {
                continue;
            }
            Path dir = localBase(base);
            if (path.startsWith(dir)) {
                return true;
            }
            if (real) {
                try {
                    if (path.startsWith(dir.toRealPath())) {
                        return true;
                    }
                } catch (IOException e) {
                    // a base that does not exist holds nothing
                }
            }
        }
        return false;
    }

    private static Path localBase(String base) {
        URI uri = uriOf(base);
        Path p = uri.getScheme() != null && uri.getScheme().equals("file") ? Paths.get(uri) : Paths.get(base);
        return p.toAbsolutePath().normalize();
    }

    private URI remote(String path, URI uri) {
        URI normalized = uri.normalize();
        String p = normalized.getPath();
        if (p == null || p.startsWith("/..") || p.contains("/../")) {
            throw outside(path);
        }
        for (String base : bases) {
            URI b = uriOf(base).normalize();
            if (equal(b.getScheme(), normalized.getScheme()) && equal(b.getAuthority(), normalized.getAuthority())) {
                String dir = b.getPath() == null || b.getPath().isEmpty() ? "/" : b.getPath();
                String prefix = dir.endsWith("/") ? dir : dir + "/";
                if (p.startsWith(prefix)) {
                    return normalized;
                }
            }
        }
        throw outside(path);
    }

    private CumoInputException outside(String path) {
        return new CumoInputException("image path '" + path + "' is outside image-base " + bases
                + " (paths in data must lie under image-base after resolving '..' and symlinks)");
    }

    private byte[] readLocal(String path, Path real) {
        try {
            BasicFileAttributes attributes = Files.readAttributes(real, BasicFileAttributes.class);
            if (!attributes.isRegularFile()) {
                throw notRegular(path, attributes.isDirectory() ? "a directory" : "a FIFO, device or socket");
            }
            checkSize(path, attributes.size());
            try (InputStream in = Files.newInputStream(real)) {
                return readBounded(path, in);
            }
        } catch (IOException e) {
            throw new CumoInputException("cannot read image file '" + path + "': " + e.getClass().getSimpleName());
        }
    }

    private byte[] readRemote(String path, URI uri) {
        try {
            if (remoteFiles.isDirectory(uri)) {
                throw notRegular(path, "a directory");
            }
            checkSize(path, remoteFiles.length(uri));
            try (InputStream in = remoteFiles.open(uri)) {
                return readBounded(path, in);
            }
        } catch (java.io.FileNotFoundException e) {
            throw new CumoInputException("image file '" + path + "' does not exist");
        } catch (IOException e) {
            throw new CumoInputException("cannot read image file '" + path + "': " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : " " + e.getMessage()));
        }
    }

    private static CumoInputException notRegular(String path, String what) {
        return new CumoInputException("image path '" + path + "' is " + what + ", not a regular file; only regular"
                + " files are read");
    }

    private void checkSize(String path, long size) {
        if (size > maxBytes) {
            throw new CumoInputException("image file '" + path + "' has " + size + " bytes, more than max-image-bytes ("
                    + maxBytes + ")");
        }
    }

    /** Reads at most {@code maxBytes}; a stream that has more fails as soon as the limit is passed. */
    private byte[] readBounded(String path, InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[64 * 1024];
        long total = 0;
        int n;
        while ((n = in.read(buffer, 0, (int) Math.min(buffer.length, maxBytes - total + 1))) > 0) {
            total += n;
            if (total > maxBytes) {
                throw new CumoInputException("image file '" + path + "' has more than max-image-bytes (" + maxBytes
                        + ") bytes (read stopped at the limit)");
            }
            out.write(buffer, 0, n);
        }
        return out.toByteArray();
    }

    /**
     * Reads a regular file named by the user (a command-line argument, a listed input file), with
     * the byte limit enforced while reading; no sandbox.
     *
     * @throws CumoInputException if it is missing, not a regular file, or too large
     */
    public static byte[] readRegularFile(Path file, long maxBytes) {
        ImageFiles files = new ImageFiles(List.of("/"), maxBytes);
        return files.readLocal(file.toString(), realPath(file, file.toString()));
    }

    /** The file's real path (links resolved), or a one-line error that names it as {@code shown}. */
    private static Path realPath(Path file, String shown) {
        try {
            return file.toRealPath();
        } catch (NoSuchFileException e) {
            throw new CumoInputException("image file '" + shown + "' does not exist");
        } catch (IOException e) {
            throw new CumoInputException("image file '" + shown + "' cannot be resolved: " + e.getClass().getSimpleName());
        }
    }

    private static URI uriOf(String path) {
        try {
            URI uri = new URI(path);
            // a Windows drive letter or a plain path with a colon is not a scheme
            return uri.getScheme() != null && uri.getScheme().length() > 1 ? uri : new URI(null, null, path, null);
        } catch (java.net.URISyntaxException e) {
            try {
                return new URI(null, null, path, null);
            } catch (java.net.URISyntaxException e2) {
                throw new CumoInputException("image path '" + path + "' is not a valid path or URI");
            }
        }
    }

    private static boolean equal(String a, String b) {
        return a == null ? b == null : a.equalsIgnoreCase(b);
    }

    /** The bases in a list, for building from an option value. */
    static List<String> basesOf(List<String> option) {
        List<String> out = new ArrayList<>();
        if (option != null) {
            for (String b : option) {
                if (b != null && !b.isBlank()) {
                    out.add(b.trim());
                }
            }
        }
        return out;
    }
}

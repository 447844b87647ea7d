package io.flinkcumo.runtime;

import io.flinkcumo.runtime.core.ImageFiles;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import org.apache.flink.core.fs.Path;

/** {@link ImageFiles.RemoteFiles} through Flink's file systems (s3, hdfs, gs, ... as the cluster has plugins). */
public final class FlinkRemoteFiles implements ImageFiles.RemoteFiles {

    private static final long serialVersionUID = 1L;

    @Override
    public boolean isDirectory(URI uri) throws IOException {
        Path path = new Path(uri);
        return path.getFileSystem().getFileStatus(path).isDir();
    }

    @Override
    public long length(URI uri) throws IOException {
        Path path = new Path(uri);
        return path.getFileSystem().getFileStatus(path).getLen();
    }

    @Override
    public InputStream open(URI uri) throws IOException {
        Path path = new Path(uri);
        return path.getFileSystem().open(path);
    }
}

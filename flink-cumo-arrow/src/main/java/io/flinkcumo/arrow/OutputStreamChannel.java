package io.flinkcumo.arrow;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;

/**
 * A channel writing to a stream it does not own: {@link #close()} only flushes, so an Arrow IPC
 * writer can be closed without closing a Flink part-file stream (which the sink closes itself).
 */
final class OutputStreamChannel implements WritableByteChannel {

    private static final int CHUNK = 64 * 1024;

    private final OutputStream out;
    private byte[] chunk;
    private boolean open = true;

    OutputStreamChannel(OutputStream out) {
        this.out = out;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        int n = src.remaining();
        if (src.hasArray()) {
            out.write(src.array(), src.arrayOffset() + src.position(), n);
            src.position(src.limit());
            return n;
        }
        if (chunk == null) {
            chunk = new byte[CHUNK];
        }
        while (src.hasRemaining()) {
            int len = Math.min(CHUNK, src.remaining());
            src.get(chunk, 0, len);
            out.write(chunk, 0, len);
        }
        return n;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public void close() throws IOException {
        open = false;
        out.flush();
    }
}

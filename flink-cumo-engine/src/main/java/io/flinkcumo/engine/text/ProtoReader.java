package io.flinkcumo.engine.text;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * A minimal reader for the protocol-buffers wire format, just enough to read a SentencePiece {@code
 * ModelProto} without a protobuf dependency.
 *
 * <p>Every read is bounds-checked; malformed input raises {@link IllegalArgumentException} with the
 * byte offset, never an index exception.
 */
final class ProtoReader {

    static final int WIRE_VARINT = 0;
    static final int WIRE_FIXED64 = 1;
    static final int WIRE_LEN = 2;
    static final int WIRE_FIXED32 = 5;

    private static final int MAX_FIELD_NUMBER = (1 << 29) - 1;

    private final byte[] buf;
    private final int limit;
    private int pos;
    private int field;
    private int wireType = -1;

    ProtoReader(byte[] buf) {
        this(buf, 0, buf.length);
    }

    private ProtoReader(byte[] buf, int start, int limit) {
        this.buf = buf;
        this.pos = start;
        this.limit = limit;
    }

    /** Returns whether another field follows in this message. */
    boolean hasMore() {
        return pos < limit;
    }

    /** Reads the next field key and returns its field number; see {@link #wireType()}. */
    int readTag() {
        int at = pos;
        long key = readVarint();
        field = (int) (key >>> 3);
        wireType = (int) (key & 7);
        if ((key >>> 3) < 1 || (key >>> 3) > MAX_FIELD_NUMBER) {
            throw malformed(at, "invalid field number " + (key >>> 3));
        }
        return field;
    }

    /** Wire type of the field whose key was read last. */
    int wireType() {
        return wireType;
    }

    long readVarint() {
        long result = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos >= limit) {
                throw malformed(pos, "truncated varint");
            }
            byte b = buf[pos++];
            result |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return result;
            }
        }
        throw malformed(pos, "varint longer than 10 bytes");
    }

    /** Reads an {@code int32}/{@code enum} field (negative values use 10-byte varints). */
    int readInt32() {
        expect(WIRE_VARINT);
        return (int) readVarint();
    }

    boolean readBool() {
        expect(WIRE_VARINT);
        return readVarint() != 0;
    }

    float readFloat() {
        expect(WIRE_FIXED32);
        require(4);
        int bits =
                (buf[pos] & 0xFF)
                        | (buf[pos + 1] & 0xFF) << 8
                        | (buf[pos + 2] & 0xFF) << 16
                        | (buf[pos + 3] & 0xFF) << 24;
        pos += 4;
        return Float.intBitsToFloat(bits);
    }

    /** Reads a {@code string} field; invalid UTF-8 is an error. */
    String readString() {
        int at = pos;
        byte[] bytes = readBytes();
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw malformed(at, "field " + field + " is not valid UTF-8");
        }
    }

    byte[] readBytes() {
        expect(WIRE_LEN);
        int length = readLength();
        byte[] out = new byte[length];
        System.arraycopy(buf, pos, out, 0, length);
        pos += length;
        return out;
    }

    /** Reads an embedded message field and returns a reader over it. */
    ProtoReader readMessage() {
        expect(WIRE_LEN);
        int length = readLength();
        ProtoReader sub = new ProtoReader(buf, pos, pos + length);
        pos += length;
        return sub;
    }

    /** Skips the value of the field whose key was read last. */
    void skip() {
        switch (wireType) {
            case WIRE_VARINT -> readVarint();
            case WIRE_FIXED64 -> advance(8);
            case WIRE_LEN -> advance(readLength());
            case WIRE_FIXED32 -> advance(4);
            default -> throw malformed(pos, "unsupported wire type " + wireType + " for field " + field);
        }
    }

    private int readLength() {
        int at = pos;
        long length = readVarint();
        if (length < 0 || length > limit - pos) {
            throw malformed(at, "length " + length + " of field " + field + " exceeds the message");
        }
        return (int) length;
    }

    private void advance(int n) {
        require(n);
        pos += n;
    }

    private void require(int n) {
        if (n > limit - pos) {
            throw malformed(pos, "truncated field " + field);
        }
    }

    private void expect(int expected) {
        if (wireType != expected) {
            throw malformed(
                    pos, "field " + field + " has wire type " + wireType + ", expected " + expected);
        }
    }

    private static IllegalArgumentException malformed(int offset, String what) {
        return new IllegalArgumentException("malformed protobuf at byte " + offset + ": " + what);
    }
}

package io.flinkcumo.engine.text;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Builds serialised SentencePiece {@code ModelProto}s for tests, field by field. */
final class ModelProtoWriter {

    private final ByteArrayOutputStream model = new ByteArrayOutputStream();
    private final Message trainer = new Message();
    private final Message normalizer = new Message();

    /** A BPE model with identity normalisation, dummy prefix on and extra whitespace kept. */
    static ModelProtoWriter bpe() {
        ModelProtoWriter w = new ModelProtoWriter();
        w.trainer.varint(3, 2);
        w.normalizer.string(1, "identity").varint(3, 1).varint(4, 0).varint(5, 1);
        return w;
    }

    /** An empty writer: every field must be added explicitly. */
    static ModelProtoWriter empty() {
        return new ModelProtoWriter();
    }

    ModelProtoWriter piece(String text, float score, int type) {
        Message p = new Message().string(1, text).fixed32(2, Float.floatToIntBits(score));
        if (type != 1) {
            p.varint(3, type);
        }
        new Message().message(1, p).writeTo(model);
        return this;
    }

    /** unk, s, /s and, if {@code withBytes}, the 256 byte pieces. */
    ModelProtoWriter llamaSpecials(boolean withBytes) {
        piece("<unk>", 0, 2).piece("<s>", 0, 3).piece("</s>", 0, 3);
        if (withBytes) {
            for (int b = 0; b < 256; b++) {
                piece(SentencePieceModel.bytePiece(b), 0, 6);
            }
        }
        return this;
    }

    Message trainer() {
        return trainer;
    }

    Message normalizer() {
        return normalizer;
    }

    byte[] toByteArray() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(model.toByteArray());
        Message top = new Message();
        if (trainer.size() > 0) {
            top.message(2, trainer);
        }
        if (normalizer.size() > 0) {
            top.message(3, normalizer);
        }
        top.writeTo(out);
        return out.toByteArray();
    }

    SentencePieceModel build() {
        return SentencePieceModel.parse(toByteArray());
    }

    /** A protobuf message under construction. */
    static final class Message {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        Message varint(int field, long value) {
            writeVarint(bytes, (long) field << 3);
            writeVarint(bytes, value);
            return this;
        }

        Message fixed32(int field, int value) {
            writeVarint(bytes, (long) field << 3 | 5);
            for (int i = 0; i < 4; i++) {
                bytes.write(value >>> (8 * i));
            }
            return this;
        }

        Message bytes(int field, byte[] value) {
            writeVarint(bytes, (long) field << 3 | 2);
            writeVarint(bytes, value.length);
            bytes.writeBytes(value);
            return this;
        }

        Message string(int field, String value) {
            return bytes(field, value.getBytes(StandardCharsets.UTF_8));
        }

        Message message(int field, Message value) {
            return bytes(field, value.bytes.toByteArray());
        }

        int size() {
            return bytes.size();
        }

        void writeTo(ByteArrayOutputStream out) {
            out.writeBytes(bytes.toByteArray());
        }

        private static void writeVarint(ByteArrayOutputStream out, long value) {
            while ((value & ~0x7FL) != 0) {
                out.write((int) (value & 0x7F) | 0x80);
                value >>>= 7;
            }
            out.write((int) value);
        }
    }
}

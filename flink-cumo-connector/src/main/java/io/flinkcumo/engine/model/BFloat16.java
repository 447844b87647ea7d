package io.flinkcumo.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.JniUtils;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * BF16 Linear weights on DJL 0.36, whose JNI has no dtype code for torch.bfloat16 (its
 * {@code GetScalarTypeFromDType} ends in a bare {@code throw;}, so {@code toType(BFLOAT16)} or
 * {@code zeros(.., BFLOAT16)} terminate the JVM). The two operations BF16 weights need run inside
 * libtorch instead, as TorchScript functions compiled from the source below: DJL only passes
 * tensor handles in and out and never has to name the dtype. A BF16 weight is an opaque tensor to
 * DJL (its {@code getDataType()} is not BFLOAT16); only {@link #linear} reads it.
 *
 * <p>torch ScalarType codes in the source: 15 = bfloat16, 6 = float32.
 */
public final class BFloat16 implements AutoCloseable {

    /** w [out, in] float32 → bfloat16. */
    private static final String TO_BF16 = """
            class ToBFloat16(Module):
              __parameters__ = []
              __buffers__ = []
              training : bool
              def forward(self: __torch__.ToBFloat16,
                w: Tensor) -> Tensor:
                return torch.to(w, 15)
            """;

    /** x [..., in] float32, w [out, in] bfloat16 → x·wᵀ [..., out] computed in bfloat16, returned as float32. */
    private static final String LINEAR = """
            class LinearBFloat16(Module):
              __parameters__ = []
              __buffers__ = []
              training : bool
              def forward(self: __torch__.LinearBFloat16,
                x: Tensor,
                w: Tensor) -> Tensor:
                return torch.to(torch.linear(torch.to(x, 15), w), 6)
            """;

    private final PtSymbolBlock toBf16;
    private final PtSymbolBlock linear;

    /** Compiles the functions into {@code manager} (they are closed with it, or by {@link #close}). */
    public BFloat16(NDManager manager) {
        PtNDManager m = (PtNDManager) manager;
        this.toBf16 = load(m, "ToBFloat16", TO_BF16);
        this.linear = load(m, "LinearBFloat16", LINEAR);
    }

    /** A bfloat16 copy of the float32 {@code w}, in {@code w}'s manager. */
    public NDArray toBFloat16(NDArray w) {
        return call(toBf16, w.getManager(), w);
    }

    /** x [..., in] float32 · w [out, in] bfloat16 ᵀ → [..., out] float32, in {@code x}'s manager. */
    public NDArray linear(NDArray x, NDArray w) {
        return call(linear, x.getManager(), x, w);
    }

    private static NDArray call(PtSymbolBlock f, NDManager out, NDArray... args) {
        IValue[] in = new IValue[args.length];
        try {
            for (int i = 0; i < args.length; i++) {
                in[i] = IValue.from((PtNDArray) args[i]);
            }
            try (IValue result = f.forward(in)) {
                return result.toTensor((PtNDManager) out);
            }
        } finally {
            for (IValue v : in) {
                if (v != null) {
                    v.close();
                }
            }
        }
    }

    @Override
    public void close() {
        toBf16.close();
        linear.close();
    }

    /** A TorchScript archive (what torch.jit.save writes) holding one module class with {@code source}. */
    private static PtSymbolBlock load(PtNDManager manager, String className, String source) {
        ByteArrayOutputStream zip = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(zip)) {
            stored(z, "archive/version", "3\n".getBytes(StandardCharsets.US_ASCII));
            stored(z, "archive/constants.pkl", new byte[] {(byte) 0x80, 2, ')', '.'}); // pickle: ()
            stored(z, "archive/data.pkl", modulePickle(className));
            stored(z, "archive/code/__torch__.py", source.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            return JniUtils.loadModule(manager, new ByteArrayInputStream(zip.toByteArray()), false, false);
        } catch (IOException e) {
            throw new UncheckedIOException("compiling the BF16 TorchScript function " + className, e);
        }
    }

    /** Pickle protocol 2 of an instance of {@code __torch__.<className>} with state {training: True}. */
    private static byte[] modulePickle(String className) {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.write(0x80); // PROTO 2
        p.write(2);
        p.writeBytes(("c__torch__\n" + className + "\n").getBytes(StandardCharsets.US_ASCII)); // GLOBAL
        p.write(')'); // EMPTY_TUPLE
        p.write(0x81); // NEWOBJ
        p.write('}'); // EMPTY_DICT
        byte[] key = "training".getBytes(StandardCharsets.US_ASCII);
        p.write('X'); // BINUNICODE, 4-byte little-endian length
        p.writeBytes(new byte[] {(byte) key.length, 0, 0, 0});
        p.writeBytes(key);
        p.write(0x88); // NEWTRUE
        p.write('s'); // SETITEM
        p.write('b'); // BUILD
        p.write('.'); // STOP
        return p.toByteArray();
    }

    private static void stored(ZipOutputStream z, String name, byte[] data) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED); // libtorch's reader maps records in place
        e.setSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setCrc(crc.getValue());
        z.putNextEntry(e);
        z.write(data);
        z.closeEntry();
    }
}

package io.flinkcumo.engine.model;

import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
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

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * BF16 Linear weights on DJL 0.36, whose JNI has no dtype code for torch.bfloat16 (its
 * {@code GetScalarTypeFromDType} ends in a bare {@code throw;}, so {@code toType(BFLOAT16)} or
 * {@code zeros(.., BFLOAT16)} terminate the JVM). The operations BF16 weights need run inside
 * libtorch instead, as TorchScript functions compiled from the source below: DJL only passes
 * tensor handles in and out and never has to name the dtype. A stored weight is an opaque tensor
 * to DJL (its {@code getDataType()} is not BFLOAT16); only {@link #linear} reads it.
 *
 * <p>On a CPU where oneDNN multiplies bfloat16 (avx512_bf16, AMX, or avx512bw/vl/dq emulation), a
 * weight is stored pre-packed in oneDNN's blocked layout ({@code mkldnn._reorder_linear_weight})
 * and multiplied by {@code mkldnn._linear_pointwise}, as torch.compile's CPU freezing does: plain
 * {@code torch.linear} is far slower at decode's one row
 * (measured on AMD EPYC, 2 threads: a [1, 4096]·[4096, 14336] product at 65 GFLOP/s packed, 15 plain,
 * 9 in float32). Elsewhere (a GPU, or a CPU oneDNN refuses) the weight is plain bfloat16.
 *
 * <p>torch ScalarType codes in the source: 15 = bfloat16, 6 = float32.
 */
public final class BFloat16 implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(BFloat16.class);

    /** w [out, in] float32 → bfloat16. */
    private static final String TO_BF16 = module("ToBFloat16", "w: Tensor", "torch.to(w, 15)");

    /** x [..., in] float32, w [out, in] bfloat16 → x·wᵀ [..., out] computed in bfloat16, returned as float32. */
    private static final String LINEAR = module("LinearBFloat16", "x: Tensor,\n    w: Tensor", "torch.to(torch.linear(torch.to(x, 15), w), 6)");

    /** w [out, in] float32 → bfloat16 in oneDNN's blocked layout for x·wᵀ. */
    private static final String PACK = module("PackBFloat16", "w: Tensor", "ops.mkldnn._reorder_linear_weight(torch.to(w, 15), 1)");

    /** x [..., in] float32, packed w → x·wᵀ [..., out] in bfloat16 by oneDNN, returned as float32. */
    private static final String PACKED_LINEAR = module("PackedLinearBFloat16", "x: Tensor,\n    w: Tensor",
            "torch.to(ops.mkldnn._linear_pointwise(torch.to(x, 15), w, None, \"none\", annotate(List[Optional[number]], []), \"\"), 6)");

    private final PtSymbolBlock store;
    private final PtSymbolBlock linear;
    private final boolean packed;

    /** Compiles the functions into {@code manager} (they are closed with it, or by {@link #close}). */
    public BFloat16(NDManager manager) {
        PtNDManager m = (PtNDManager) manager;
        PtSymbolBlock pack = m.getDevice().isGpu() ? null : packIfSupported(m);
        this.packed = pack != null;
        this.store = packed ? pack : load(m, "ToBFloat16", TO_BF16);
        this.linear = packed ? load(m, "PackedLinearBFloat16", PACKED_LINEAR) : load(m, "LinearBFloat16", LINEAR);
    }

    /** The packing function if oneDNN packs a bfloat16 weight on this CPU, else null. */
    private static PtSymbolBlock packIfSupported(PtNDManager m) {
        PtSymbolBlock pack = load(m, "PackBFloat16", PACK);
        try (NDManager probe = m.newSubManager()) {
            call(pack, probe, probe.ones(new Shape(16, 16)));
            return pack;
        } catch (EngineException e) {
            LOG.info("bf16 Linear weights stay unpacked: oneDNN refuses to pack bfloat16 here ({})", e.getMessage().lines().findFirst().orElse(""));
            pack.close();
            return null;
        }
    }

    /** True when weights are stored pre-packed for oneDNN. */
    public boolean packed() {
        return packed;
    }

    /** The stored bfloat16 form of the float32 weight {@code w} [out, in], in {@code w}'s manager. */
    public NDArray weight(NDArray w) {
        return call(store, w.getManager(), w);
    }

    /** x [..., in] float32 · w ᵀ ({@link #weight}) → [..., out] float32, in {@code x}'s manager. */
    public NDArray linear(NDArray x, NDArray w) {
        return call(linear, x.getManager(), x, w);
    }

    /** The source of a module whose forward takes {@code params} and returns {@code body}. */
    private static String module(String className, String params, String body) {
        return "class " + className + "(Module):\n"
                + "  __parameters__ = []\n"
                + "  __buffers__ = []\n"
                + "  training : bool\n"
                + "  def forward(self: __torch__." + className + ",\n"
                + "    " + params + ") -> Tensor:\n"
                + "    return " + body + "\n";
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
        store.close();
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

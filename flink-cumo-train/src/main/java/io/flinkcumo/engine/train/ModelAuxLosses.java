package io.flinkcumo.engine.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import io.flinkcumo.engine.CumoConfig;
import io.flinkcumo.engine.model.Scalars;
import io.flinkcumo.engine.routing.Component;

import java.util.List;

/**
 * The auxiliary losses of one forward pass of a whole CuMo model, aggregated as CuMo does:
 *
 * <ul>
 *   <li>CLIP: per S² scale pass (the 1× batch of images, the batch of 3× tiles), the mean over all
 *       vision layers (the last one included) of the per-layer losses, each with one group per
 *       crop; then the mean over the passes;</li>
 *   <li>MLP projector: one block, one group per image;</li>
 *   <li>Mixtral LLM: per layer all tokens of the batch as one group (padding and image rows
 *       included), mean over layers.</li>
 * </ul>
 *
 * Missing parts (dense CLIP, dense projector, Mistral LLM) are null. All values are device scalars.
 */
public record ModelAuxLosses(
        NDArray clipBalance,
        NDArray clipZ,
        NDArray[] clipBalancePerScale,
        NDArray[] clipZPerScale,
        NDArray mlpBalance,
        NDArray mlpZ,
        NDArray llmBalance,
        NDArray llmZ) {

    /** Aggregates the logits captured during a forward over {@code images} images. */
    public static ModelAuxLosses of(RouterLogitsCapture capture, CumoConfig config, int images) {
        NDArray clipB = null;
        NDArray clipZ = null;
        NDArray[] perScaleB = null;
        NDArray[] perScaleZ = null;
        List<Integer> visionLayers = capture.layers(Component.VISION);
        if (!visionLayers.isEmpty()) {
            int[] scales = config.scales();
            int crops = 0;
            for (int s : scales) {
                crops += s * s;
            }
            NDList[] b = new NDList[scales.length];
            NDList[] z = new NDList[scales.length];
            for (int j = 0; j < scales.length; j++) {
                b[j] = new NDList();
                z[j] = new NDList();
            }
            for (int layer : visionLayers) {
                NDArray logits = capture.logits(Component.VISION, layer);
                long e = logits.getShape().get(1);
                NDArray grouped = logits.reshape((long) images * crops, -1, e); // one group per crop, image-major
                NDArray gb = AuxLosses.balancePerGroup(grouped).reshape(images, crops);
                NDArray gz = AuxLosses.zPerGroup(grouped).reshape(images, crops);
                int offset = 0;
                for (int j = 0; j < scales.length; j++) {
                    int n = scales[j] * scales[j];
                    NDIndex pass = new NDIndex(":, {}:{}", offset, offset + n);
                    b[j].add(gb.get(pass).mean());
                    z[j].add(gz.get(pass).mean());
                    offset += n;
                }
            }
            perScaleB = new NDArray[scales.length];
            perScaleZ = new NDArray[scales.length];
            for (int j = 0; j < scales.length; j++) {
                perScaleB[j] = NDArrays.stack(b[j]).mean();
                perScaleZ[j] = NDArrays.stack(z[j]).mean();
            }
            clipB = NDArrays.stack(new NDList(perScaleB)).mean();
            clipZ = NDArrays.stack(new NDList(perScaleZ)).mean();
        }
        NDArray mlpB = null;
        NDArray mlpZ = null;
        if (!capture.layers(Component.PROJECTOR).isEmpty()) {
            NDArray logits = capture.logits(Component.PROJECTOR, 0);
            NDArray grouped = logits.reshape(images, -1, logits.getShape().get(1));
            mlpB = AuxLosses.balance(grouped);
            mlpZ = AuxLosses.z(grouped);
        }
        NDArray llmB = null;
        NDArray llmZ = null;
        List<Integer> llmLayers = capture.layers(Component.LLM);
        if (!llmLayers.isEmpty()) {
            NDList b = new NDList();
            NDList z = new NDList();
            for (int layer : llmLayers) {
                NDArray flat = AuxLosses.flatten(capture.logits(Component.LLM, layer));
                b.add(AuxLosses.balance(flat));
                z.add(AuxLosses.z(flat));
            }
            llmB = NDArrays.stack(b).mean();
            llmZ = NDArrays.stack(z).mean();
        }
        return new ModelAuxLosses(clipB, clipZ, perScaleB, perScaleZ, mlpB, mlpZ, llmB, llmZ);
    }

    /** Sum of the load-balancing losses present (null when none). */
    public NDArray balance() {
        return sum(clipBalance, mlpBalance, llmBalance);
    }

    /** Sum of the z-losses present (null when none). */
    public NDArray z() {
        return sum(clipZ, mlpZ, llmZ);
    }

    /** 0.1·Σ balance + 0.01·Σ z, or null when the model has no MoE block. */
    public NDArray total() {
        NDArray b = balance();
        return b == null ? null : Scalars.mul(b, AuxLosses.BALANCE_COEF).add(Scalars.mul(z(), AuxLosses.Z_COEF));
    }

    private static NDArray sum(NDArray... parts) {
        NDArray s = null;
        for (NDArray p : parts) {
            if (p != null) {
                s = s == null ? p : s.add(p);
            }
        }
        return s;
    }
}

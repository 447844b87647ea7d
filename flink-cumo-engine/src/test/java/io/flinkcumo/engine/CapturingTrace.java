package io.flinkcumo.engine;

import ai.djl.ndarray.NDArray;
import io.flinkcumo.engine.model.ForwardTrace;
import io.flinkcumo.engine.routing.Component;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Copies every traced value to the heap, for comparison with the conformance data. */
final class CapturingTrace implements ForwardTrace {

    /** One routing call. */
    record Route(int[] owners, int[] topIdx, float[] topW, int k) {}

    final Map<Integer, float[]> visionHiddenCrop0 = new HashMap<>();
    float[] visionFeatures;
    float[] projectorOutput;
    final Map<String, List<Route>> routes = new HashMap<>();
    final Map<Integer, float[]> llmHidden = new HashMap<>();
    final List<float[]> logits = new ArrayList<>();
    long vocab;

    @Override
    public void visionHidden(int k, NDArray hidden) {
        visionHiddenCrop0.putIfAbsent(k, hidden.get(0).toFloatArray()); // first chunk's crop 0 = 1x crop of image 0
    }

    @Override
    public void visionFeatures(NDArray v) {
        visionFeatures = v.toFloatArray();
    }

    @Override
    public void projectorOutput(NDArray rows) {
        projectorOutput = rows.toFloatArray();
    }

    @Override
    public void routing(Component c, int layer, int[] owners, int[] topIdx, float[] topW, int k) {
        routes.computeIfAbsent(c + "/" + layer, x -> new ArrayList<>())
                .add(new Route(owners.clone(), topIdx.clone(), topW.clone(), k));
    }

    @Override
    public void llmHidden(int k, NDArray hidden) {
        llmHidden.put(k, hidden.toFloatArray());
    }

    @Override
    public void logits(int step, NDArray l) {
        vocab = l.getShape().get(1);
        logits.add(l.toFloatArray());
    }

    /** The logits row of batch member {@code r} at step {@code step}. */
    float[] logitsRow(int step, int r) {
        float[] all = logits.get(step);
        float[] row = new float[(int) vocab];
        System.arraycopy(all, (int) (r * vocab), row, 0, row.length);
        return row;
    }

    /** Top-k ids of all calls of one layer, concatenated in call order. */
    int[] topIdx(Component c, int layer, int calls) {
        List<Route> list = routes.get(c + "/" + layer);
        int n = 0;
        for (int i = 0; i < calls; i++) {
            n += list.get(i).topIdx().length;
        }
        int[] out = new int[n];
        int o = 0;
        for (int i = 0; i < calls; i++) {
            int[] t = list.get(i).topIdx();
            System.arraycopy(t, 0, out, o, t.length);
            o += t.length;
        }
        return out;
    }
}

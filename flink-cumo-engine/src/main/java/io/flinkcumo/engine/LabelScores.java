package io.flinkcumo.engine;

import io.flinkcumo.engine.routing.RoutingStats;

import java.util.List;

/**
 * Label scores for one request.
 *
 * @param logProbs log-likelihood of each label (its tokens then EOS) as the whole answer
 * @param probabilities softmax of {@code logProbs} over the labels (sums to 1)
 */
public record LabelScores(String id, List<String> labels, double[] logProbs, double[] probabilities, RoutingStats routing) {

    /** The most likely label. */
    public String best() {
        int best = 0;
        for (int k = 1; k < probabilities.length; k++) {
            if (probabilities[k] > probabilities[best]) {
                best = k;
            }
        }
        return labels.get(best);
    }

    /** Probability of {@code label}. */
    public double probability(String label) {
        int k = labels.indexOf(label);
        if (k < 0) {
            throw new IllegalArgumentException("unknown label '" + label + "'");
        }
        return probabilities[k];
    }
}

package io.flinkcumo.eval;

import java.util.Map;

/**
 * What scoring one task gave.
 *
 * @param metrics the task's metrics, on the paper's 0-100 scale, as the JSON object {@code cumo score} prints
 * @param perItem each item's score by key: 1/0 for right/wrong, VQA soft accuracy in [0, 1]
 */
public record TaskScore(Map<String, Object> metrics, Map<String, Double> perItem) {}

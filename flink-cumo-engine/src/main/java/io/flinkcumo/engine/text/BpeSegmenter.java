package io.flinkcumo.engine.text;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * SentencePiece BPE segmentation of an already normalised string.
 *
 * <p>The text is split into Unicode characters (a USER_DEFINED piece is kept whole and never
 * merged). Then, repeatedly, the adjacent pair whose concatenation is a vocabulary piece with the
 * highest score is merged; ties go to the leftmost pair. Pairs live in a priority queue with lazy
 * deletion over a doubly linked list of symbols, so a string of n characters costs O(n log n).
 *
 * <p>UNUSED pieces take part in merges like SentencePiece does, and are split back into the two
 * symbols they were made from at the end. Symbols that are not in the vocabulary get the unknown
 * id; byte fallback is applied by the caller.
 */
final class BpeSegmenter {

    /** A piece of the segmentation and its id (the unknown id if not in the vocabulary). */
    record Segment(String piece, int id) {}

    private record Candidate(int left, int right, float score, int length) {}

    private final SentencePieceModel model;
    private final UserDefinedMatcher userDefined;

    BpeSegmenter(SentencePieceModel model) {
        this.model = model;
        this.userDefined = new UserDefinedMatcher(model.userDefinedSymbols());
    }

    List<Segment> segment(String normalized) {
        return new Run(normalized).segment();
    }

    /** The mutable state of one segmentation. */
    private final class Run {
        private final String text;
        private final int[] start;
        private final int[] end;
        private final int[] prev;
        private final int[] next;
        private final boolean[] frozen;
        private final PriorityQueue<Candidate> agenda =
                new PriorityQueue<>(
                        (a, b) ->
                                a.score != b.score
                                        ? Float.compare(b.score, a.score)
                                        : Integer.compare(a.left, b.left));

        /** For merged UNUSED pieces: the two symbols they were made from. */
        private final Map<String, String[]> unusedParts = new HashMap<>();

        Run(String text) {
            this.text = text;
            int capacity = text.length();
            start = new int[capacity];
            end = new int[capacity];
            prev = new int[capacity];
            next = new int[capacity];
            frozen = new boolean[capacity];
        }

        List<Segment> segment() {
            int count = splitIntoSymbols();
            if (count == 0) {
                return List.of();
            }
            for (int i = 1; i < count; i++) {
                addCandidate(i - 1, i);
            }
            while (!agenda.isEmpty()) {
                Candidate top = agenda.poll();
                if (isStale(top)) {
                    continue;
                }
                merge(top.left, top.right);
                addCandidate(prev[top.left], top.left);
                addCandidate(top.left, next[top.left]);
            }
            List<Segment> out = new ArrayList<>();
            for (int i = 0; i != -1; i = next[i]) {
                resegment(text.substring(start[i], end[i]), out);
            }
            return out;
        }

        private int splitIntoSymbols() {
            int count = 0;
            int pos = 0;
            while (pos < text.length()) {
                int length = userDefined.matchLength(text, pos);
                frozen[count] = length > 0;
                if (length == 0) {
                    length = Character.charCount(text.codePointAt(pos));
                }
                start[count] = pos;
                end[count] = pos + length;
                prev[count] = count - 1;
                pos += length;
                next[count] = pos < text.length() ? count + 1 : -1;
                count++;
            }
            return count;
        }

        private void addCandidate(int left, int right) {
            if (left < 0 || right < 0 || frozen[left] || frozen[right]) {
                return;
            }
            String piece = text.substring(start[left], end[right]);
            int id = model.mergeTargetId(piece);
            if (id < 0) {
                return;
            }
            agenda.add(new Candidate(left, right, model.scoreOf(id), piece.length()));
            if (model.typeOf(id) == SentencePieceModel.PieceType.UNUSED) {
                unusedParts.put(
                        piece,
                        new String[] {
                            text.substring(start[left], end[left]), text.substring(start[right], end[right])
                        });
            }
        }

        /** A candidate is stale once either side was merged into something else. */
        private boolean isStale(Candidate c) {
            return start[c.left] == end[c.left]
                    || start[c.right] == end[c.right]
                    || next[c.left] != c.right
                    || end[c.right] - start[c.left] != c.length;
        }

        private void merge(int left, int right) {
            end[left] = end[right];
            next[left] = next[right];
            if (next[right] >= 0) {
                prev[next[right]] = left;
            }
            end[right] = start[right]; // the right symbol is now empty
        }

        private void resegment(String piece, List<Segment> out) {
            int id = model.idOrUnk(piece);
            String[] parts =
                    model.typeOf(id) == SentencePieceModel.PieceType.UNUSED ? unusedParts.get(piece) : null;
            if (parts == null) {
                out.add(new Segment(piece, id));
                return;
            }
            resegment(parts[0], out);
            resegment(parts[1], out);
        }
    }

    /** Longest-prefix matching of USER_DEFINED pieces. */
    private static final class UserDefinedMatcher {
        private final Map<Character, List<String>> byFirstChar = new HashMap<>();

        UserDefinedMatcher(List<String> symbols) {
            for (String s : symbols) {
                byFirstChar.computeIfAbsent(s.charAt(0), k -> new ArrayList<>()).add(s);
            }
        }

        /** Length of the longest user-defined piece starting at {@code pos}, or 0. */
        int matchLength(String text, int pos) {
            List<String> candidates = byFirstChar.get(text.charAt(pos));
            if (candidates == null) {
                return 0;
            }
            int best = 0;
            for (String s : candidates) {
                if (s.length() > best && text.startsWith(s, pos)) {
                    best = s.length();
                }
            }
            return best;
        }
    }
}

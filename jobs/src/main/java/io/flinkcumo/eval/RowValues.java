package io.flinkcumo.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Reading the columns of a dataset row (nested values as {@code List} / {@code Map}), with errors that name the column. */
final class RowValues {

    private RowValues() {}

    /** A column that must be there and not null. */
    static Object required(Map<String, Object> row, String column) {
        if (!row.containsKey(column)) {
            throw new IllegalArgumentException("the data has no column '" + column + "' (columns: " + row.keySet() + ")");
        }
        Object v = row.get(column);
        if (v == null) {
            throw new IllegalArgumentException("column '" + column + "' is null");
        }
        return v;
    }

    static String requiredText(Map<String, Object> row, String column) {
        return text(required(row, column));
    }

    /** The value as text; integral doubles without ".0" (pandas writes integer columns with nulls as doubles). */
    static String text(Object v) {
        if (v == null) {
            return null;
        }
        if (v instanceof Double d && d == Math.rint(d) && !Double.isInfinite(d)) {
            return Long.toString(d.longValue());
        }
        if (v instanceof byte[] b) {
            return new String(b, java.nio.charset.StandardCharsets.UTF_8);
        }
        return v.toString();
    }

    /** A column that may be missing or null. */
    static String optionalText(Map<String, Object> row, String column) {
        return text(row.get(column));
    }

    /** LLaVA's {@code is_none}: null, NaN, or the text "nan" / "none" in any case. */
    static boolean isNone(Object v) {
        if (v == null) {
            return true;
        }
        if (v instanceof Double d && d.isNaN()) {
            return true;
        }
        String s = text(v).toLowerCase(Locale.ROOT);
        return s.equals("nan") || s.equals("none");
    }

    /** A list column's elements as text; struct elements give their {@code field}. */
    static List<String> texts(Object list, String column, String field) {
        if (!(list instanceof List<?> l)) {
            throw new IllegalArgumentException("column '" + column + "' must be a list, got " + list);
        }
        List<String> out = new ArrayList<>();
        for (Object e : l) {
            if (e instanceof Map<?, ?> m) {
                if (!m.containsKey(field)) {
                    throw new IllegalArgumentException("the elements of '" + column + "' have no field '" + field + "'");
                }
                out.add(text(m.get(field)));
            } else {
                out.add(text(e));
            }
        }
        return out;
    }

    /** An ordered map of ids for a prediction line. */
    static Map<String, Object> ids(Object... keyValues) {
        Map<String, Object> ids = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            ids.put((String) keyValues[i], keyValues[i + 1]);
        }
        return ids;
    }

    /** A JSON-friendly id: integers stay integers, everything else is text. */
    static Object idValue(Object v) {
        if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
            return ((Number) v).longValue();
        }
        if (v instanceof Double d && d == Math.rint(d)) {
            return d.longValue();
        }
        return text(v);
    }

    static double percent(double numerator, double denominator) {
        return denominator == 0 ? 0 : 100 * numerator / denominator;
    }
}

package io.flinkcumo.engine.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Polygon;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A synthetic visual-question dataset, deterministic from a seed: procedurally drawn images
 * (Java2D) of one to three shapes (circle, square, triangle) in distinct colours, sizes and
 * columns (left, center, right) on a textured background, each with a short caption (stage 1),
 * a detailed caption (stage 2) and question–answer pairs of five types (stage 3 and evaluation):
 * colour, shape, count, position and yes/no. Shapes and colours are unique within an image, so
 * every question has one answer.
 *
 * <p>Layout on disk: {@code images/NNNNN.png}, {@code train.jsonl} and {@code test.jsonl} (the
 * held-out split), one JSON object per image: {@code image}, {@code caption}, {@code detail},
 * {@code qa} [{type, question, answer}].
 */
public final class ShapesDataset {

    /** Question types. */
    public static final List<String> TYPES = List.of("color", "shape", "count", "position", "yesno");

    static final String[] SHAPES = {"circle", "square", "triangle"};
    static final String[] COLORS = {"red", "green", "blue", "yellow"};
    static final Color[] RGB = {new Color(220, 30, 30), new Color(20, 160, 40), new Color(30, 60, 220), new Color(240, 200, 0)};
    static final String[] COLUMNS = {"left", "center", "right"};
    static final String[] COUNT_WORDS = {"zero", "one", "two", "three"};

    /** One drawn object. */
    record Item(int shape, int color, boolean large, int column, int cx, int cy) {
        String name() {
            return COLORS[color] + " " + SHAPES[shape];
        }
    }

    /** One sample: image file (relative), captions and question–answer pairs. */
    public record Sample(String image, String caption, String detail, List<Qa> qa) {}

    /** A question with its answer and type. */
    public record Qa(String type, String question, String answer) {}

    private final int size;

    /** {@code size}: side of the drawn PNG images in pixels. */
    public ShapesDataset(int size) {
        this.size = size;
    }

    /** Writes {@code train} + {@code test} samples to {@code dir}. */
    public void write(Path dir, int train, int test, long seed) throws IOException {
        Files.createDirectories(dir.resolve("images"));
        SplittableRandom random = new SplittableRandom(seed);
        ObjectMapper json = new ObjectMapper();
        int index = 0;
        for (String split : List.of("train", "test")) {
            int n = split.equals("train") ? train : test;
            try (BufferedWriter out = Files.newBufferedWriter(dir.resolve(split + ".jsonl"), StandardCharsets.UTF_8)) {
                for (int i = 0; i < n; i++) {
                    String file = String.format("images/%05d.png", index++);
                    List<Item> items = scene(random);
                    javax.imageio.ImageIO.write(draw(items, random), "png", dir.resolve(file).toFile());
                    out.write(json.writeValueAsString(toJson(json, new Sample(file, caption(items), detail(items), questions(items, random)))));
                    out.write('\n');
                }
            }
        }
    }

    /** Reads the samples of one split ({@code train} or {@code test}). */
    public static List<Sample> read(Path dir, String split) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<Sample> samples = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve(split + ".jsonl"), StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode o = json.readTree(line);
            List<Qa> qa = new ArrayList<>();
            o.get("qa").forEach(q -> qa.add(new Qa(q.get("type").asText(), q.get("question").asText(), q.get("answer").asText())));
            samples.add(new Sample(o.get("image").asText(), o.get("caption").asText(), o.get("detail").asText(), qa));
        }
        return samples;
    }

    private static ObjectNode toJson(ObjectMapper json, Sample s) {
        ObjectNode o = json.createObjectNode();
        o.put("image", s.image());
        o.put("caption", s.caption());
        o.put("detail", s.detail());
        ArrayNode qa = o.putArray("qa");
        for (Qa q : s.qa()) {
            qa.addObject().put("type", q.type()).put("question", q.question()).put("answer", q.answer());
        }
        return o;
    }

    /** 1–3 objects with distinct shapes, colours and columns. */
    List<Item> scene(SplittableRandom random) {
        int n = 1 + random.nextInt(3);
        List<Integer> shapes = shuffled(SHAPES.length, random);
        List<Integer> colors = shuffled(COLORS.length, random);
        List<Integer> columns = shuffled(COLUMNS.length, random);
        List<Item> items = new ArrayList<>();
        double cell = size / 3.0;
        for (int i = 0; i < n; i++) {
            boolean large = random.nextBoolean();
            int col = columns.get(i);
            int r = radius(large);
            int cx = (int) Math.round(cell * col + cell / 2 + random.nextInt(-(int) (cell / 2 - r), (int) (cell / 2 - r) + 1) * 0.5);
            int cy = r + 2 + random.nextInt(Math.max(1, size - 2 * r - 4));
            items.add(new Item(shapes.get(i), colors.get(i), large, col, cx, cy));
        }
        items.sort((a, b) -> Integer.compare(a.column(), b.column()));
        return items;
    }

    private int radius(boolean large) {
        return (int) Math.round(size * (large ? 0.14 : 0.09));
    }

    /** Draws the scene on a textured background (stripes, checks or noise in pale tones). */
    BufferedImage draw(List<Item> items, SplittableRandom random) {
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        int base = 200 + random.nextInt(40);
        Color bg = new Color(base, base - random.nextInt(20), base - random.nextInt(30));
        g.setColor(bg);
        g.fillRect(0, 0, size, size);
        int texture = random.nextInt(3);
        Color tone = new Color(Math.max(0, bg.getRed() - 25), Math.max(0, bg.getGreen() - 25), Math.max(0, bg.getBlue() - 25));
        g.setColor(tone);
        int step = 6 + random.nextInt(8);
        if (texture == 0) {
            g.setStroke(new BasicStroke(2));
            for (int k = -size; k < size; k += step) {
                g.drawLine(k, 0, k + size, size);
            }
        } else if (texture == 1) {
            for (int y = 0; y < size; y += step) {
                for (int x = (y / step) % 2 * step; x < size; x += 2 * step) {
                    g.fillRect(x, y, step, step);
                }
            }
        } else {
            for (int k = 0; k < size * size / 12; k++) {
                g.fillRect(random.nextInt(size), random.nextInt(size), 2, 2);
            }
        }
        for (Item it : items) {
            g.setColor(RGB[it.color()]);
            int r = radius(it.large());
            switch (it.shape()) {
                case 0 -> g.fillOval(it.cx() - r, it.cy() - r, 2 * r, 2 * r);
                case 1 -> g.fillRect(it.cx() - r, it.cy() - r, 2 * r, 2 * r);
                default -> g.fillPolygon(new Polygon(
                        new int[] {it.cx(), it.cx() - r, it.cx() + r}, new int[] {it.cy() - r, it.cy() + r, it.cy() + r}, 3));
            }
        }
        g.dispose();
        return img;
    }

    /** "a red circle, a blue square and a green triangle." */
    static String caption(List<Item> items) {
        List<String> parts = new ArrayList<>();
        for (Item it : items) {
            parts.add("a " + it.name());
        }
        return join(parts) + ".";
    }

    /** "There are 2 shapes: a large red circle on the left and a small blue square on the right." */
    static String detail(List<Item> items) {
        List<String> parts = new ArrayList<>();
        for (Item it : items) {
            parts.add("a " + (it.large() ? "large " : "small ") + it.name() + (it.column() == 1 ? " in the center" : " on the " + COLUMNS[it.column()]));
        }
        String head = items.size() == 1 ? "There is 1 shape: " : "There are " + items.size() + " shapes: ";
        return head + join(parts) + ".";
    }

    /** One question of each type, in a random order. */
    static List<Qa> questions(List<Item> items, SplittableRandom random) {
        List<Qa> qa = new ArrayList<>();
        Item a = items.get(random.nextInt(items.size()));
        qa.add(new Qa("color", "What color is the " + SHAPES[a.shape()] + "?", COLORS[a.color()]));
        Item b = items.get(random.nextInt(items.size()));
        qa.add(new Qa("shape", "What shape is the " + COLORS[b.color()] + " object?", SHAPES[b.shape()]));
        qa.add(new Qa("count", "How many shapes are there?", Integer.toString(items.size())));
        Item c = items.get(random.nextInt(items.size()));
        qa.add(new Qa("position", "Where is the " + c.name() + "?", COLUMNS[c.column()]));
        boolean yes = random.nextBoolean();
        int shape;
        int color;
        if (yes) {
            Item d = items.get(random.nextInt(items.size()));
            shape = d.shape();
            color = d.color();
        } else {
            do {
                shape = random.nextInt(SHAPES.length);
                color = random.nextInt(COLORS.length);
            } while (present(items, shape, color));
        }
        qa.add(new Qa("yesno", "Is there a " + COLORS[color] + " " + SHAPES[shape] + "?", yes ? "yes" : "no"));
        Collections.shuffle(qa, new java.util.Random(random.nextLong()));
        return qa;
    }

    private static boolean present(List<Item> items, int shape, int color) {
        return items.stream().anyMatch(i -> i.shape() == shape && i.color() == color);
    }

    private static String join(List<String> parts) {
        if (parts.size() == 1) {
            return parts.get(0);
        }
        return String.join(", ", parts.subList(0, parts.size() - 1)) + " and " + parts.get(parts.size() - 1);
    }

    private static List<Integer> shuffled(int n, SplittableRandom random) {
        List<Integer> l = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            l.add(i);
        }
        for (int i = n - 1; i > 0; i--) {
            Collections.swap(l, i, random.nextInt(i + 1));
        }
        return l;
    }
}

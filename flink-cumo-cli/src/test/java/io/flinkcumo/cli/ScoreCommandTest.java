package io.flinkcumo.cli;

import static io.flinkcumo.jobs.DuckDb.literal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinkcumo.jobs.DuckDb;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cumo score} on fixture Parquet files in each lmms-lab layout, written by DuckDB (an
 * independent writer), with predictions files as other tools write them; expected metrics worked
 * out by hand.
 */
class ScoreCommandTest {

    @TempDir
    Path dir;

    /** The lmms-lab image struct with no bytes (scoring never reads it). */
    private static final String IMAGE = "{'bytes': NULL::BLOB, 'path': 'x.png'}";

    private JsonNode score(String task, String selectSql, String... predictionLines) throws Exception {
        Path data = dir.resolve(task + ".parquet");
        DuckDb.query("COPY (" + selectSql + ") TO " + literal(data) + " (FORMAT parquet)");
        Path predictions = dir.resolve(task + ".jsonl");
        Files.write(predictions, List.of(predictionLines), StandardCharsets.UTF_8);
        CliRun run = CliRun.of("score", "--task", task, "--data", data.toString(), "--predictions", predictions.toString());
        assertThat(run.code()).as(run.err()).isZero();
        String[] lines = run.out().strip().split("\n");
        return new ObjectMapper().readTree(lines[lines.length - 1]);
    }

    @Test
    void vqav2ListOfAnswerStructs() throws Exception {
        String answers = "list_transform(range(10), i -> {'answer': CASE WHEN i < %d THEN '%s' ELSE '%s' END,"
                + " 'answer_confidence': 'yes', 'answer_id': i + 1})";
        JsonNode m = score("vqav2", "SELECT 1::BIGINT AS question_id, 'Is it?' AS question, " + answers.formatted(10, "yes", "yes")
                + " AS answers, 'yes/no' AS answer_type, " + IMAGE + " AS image UNION ALL "
                + "SELECT 2::BIGINT, 'How many?', " + answers.formatted(2, "2", "3") + ", 'number', " + IMAGE,
                "{\"question_id\": 1, \"prediction\": \"Yes.\"}", "{\"question_id\": 2, \"prediction\": \"two\"}");
        // 1.0 and (2 x 1/3 + 8 x 2/3) / 10 = 0.6 -> 80
        assertThat(m.get("accuracy").asDouble()).isCloseTo(80.0, within(1e-9));
        assertThat(m.get("categories").get("number").asDouble()).isCloseTo(60.0, within(1e-9));
        assertThat(m.get("questions").asInt()).isEqualTo(2);
    }

    @Test
    void textVqaListOfStrings() throws Exception {
        JsonNode m = score("textvqa", "SELECT 10::BIGINT AS question_id, 'what brand?' AS question,"
                        + " ['Coca Cola', 'Coca Cola', 'coca-cola', 'coke', 'coke', 'coke', 'coke', 'coke', 'coke', 'coke'] AS answers,"
                        + " ['coca', 'cola'] AS ocr_tokens, " + IMAGE + " AS image",
                "{\"question_id\": 10, \"prediction\": \"coca cola\"}");
        assertThat(m.get("accuracy").asDouble()).isCloseTo(90.0, within(1e-9));
    }

    @Test
    void gqaStringIds() throws Exception {
        JsonNode m = score("gqa", "SELECT '201' AS id, 'Is it red?' AS question, 'yes' AS answer, " + IMAGE + " AS image UNION ALL "
                        + "SELECT '202', 'What is it?', 'cat', " + IMAGE,
                "{\"question_id\": \"201\", \"prediction\": \"Yes.\"}", "{\"question_id\": \"202\", \"prediction\": \"A cat\"}");
        assertThat(m.get("accuracy").asDouble()).isEqualTo(50.0);
    }

    @Test
    void popeCategoriesAndAMissingPrediction() throws Exception {
        JsonNode m = score("pope", "SELECT * FROM (VALUES (1::BIGINT, 'Is there a dog?', 'yes', 'random', " + IMAGE + "),"
                        + " (2, 'Is there a cat?', 'no', 'random', " + IMAGE + "), (3, 'Is there a car?', 'yes', 'popular', " + IMAGE + "))"
                        + " AS t(question_id, question, answer, category, image)",
                "{\"question_id\": 1, \"prediction\": \"Yes, there is.\"}", "{\"question_id\": 2, \"prediction\": \"No.\"}");
        // random: all right; popular: question 3 missing -> fn -> accuracy 0 -> mean accuracy 50
        assertThat(m.get("categories").get("random").get("f1").asDouble()).isEqualTo(100.0);
        assertThat(m.get("accuracy").asDouble()).isEqualTo(50.0);
        assertThat(m.get("answered").asInt()).isEqualTo(2);
    }

    @Test
    void mmeTwoQuestionsPerImageIdentifiedByQuestionText() throws Exception {
        JsonNode m = score("mme", "SELECT * FROM (VALUES ('artwork/1.jpg', 'Is it Monet? Please answer yes or no.', 'Yes', 'artwork', " + IMAGE + "),"
                        + " ('artwork/1.jpg', 'Is it Dali? Please answer yes or no.', 'No', 'artwork', " + IMAGE + "))"
                        + " AS t(question_id, question, answer, category, image)",
                "{\"question_id\": \"artwork/1.jpg\", \"question\": \"Is it Monet? Please answer yes or no.\", \"prediction\": \"Yes\"}",
                "{\"question_id\": \"artwork/1.jpg\", \"question\": \"Is it Dali? Please answer yes or no.\", \"prediction\": \"No\"}");
        assertThat(m.get("perception").asDouble()).isEqualTo(200.0);
        assertThat(m.get("cognition").asDouble()).isEqualTo(0.0);
    }

    @Test
    void mmbenchRotations() throws Exception {
        JsonNode m = score("mmbench_en", "SELECT 5::BIGINT AS \"index\", 'Which pet?' AS question, NULL::VARCHAR AS hint, 'cat' AS A,"
                        + " 'dog' AS B, NULL::VARCHAR AS C, NULL::VARCHAR AS D, 'B' AS answer, 'pets' AS category,"
                        + " 'animals' AS \"l2-category\", " + IMAGE + " AS image",
                "{\"index\": 5, \"rotation\": 0, \"prediction\": \"B\"}", "{\"index\": 5, \"rotation\": 1, \"prediction\": \"A\"}");
        assertThat(m.get("accuracy").asDouble()).isEqualTo(100.0);
        assertThat(m.get("rotations").asInt()).isEqualTo(2);
        assertThat(m.get("l2_categories").get("animals").asDouble()).isEqualTo(100.0);
    }

    @Test
    void scienceQaWithoutIdColumnUsesThePosition() throws Exception {
        JsonNode m = score("sqa_img", "SELECT * FROM (VALUES ('Which is a mammal?', ['cat', 'trout'], 0::TINYINT, '', " + IMAGE + "),"
                        + " ('Which is a fish?', ['cat', 'trout'], 1::TINYINT, 'Look.', " + IMAGE + "))"
                        + " AS t(question, choices, answer, hint, image)",
                "{\"question_id\": 0, \"prediction\": \"A\"}", "{\"question_id\": 1, \"prediction\": \"The answer is A.\"}");
        assertThat(m.get("accuracy").asDouble()).isEqualTo(50.0);
    }

    @Test
    void seedImageQuestionsOnlyExactLetters() throws Exception {
        String images = "[" + IMAGE + "]";
        JsonNode m = score("seed_img", "SELECT * FROM (VALUES"
                        + " ('1_0', 'Which?', 'a', 'b', 'c', 'd', 'A', 'image', 1::SMALLINT, " + images + "),"
                        + " ('2_0', 'Which?', 'a', 'b', 'c', 'd', 'B', 'image', 1::SMALLINT, " + images + "),"
                        + " ('3_0', 'Which?', 'a', 'b', 'c', 'd', 'C', 'image', 9::SMALLINT, " + images + "),"
                        + " ('4_0', 'Which?', 'a', 'b', 'c', 'd', 'D', 'image', 9::SMALLINT, " + images + "),"
                        + " ('5_0', 'What next?', 'a', 'b', 'c', 'd', 'A', 'video', 11::SMALLINT, [" + IMAGE + ", " + IMAGE + "]))"
                        + " AS t(question_id, question, choice_a, choice_b, choice_c, choice_d, answer, data_type, question_type_id, image)",
                "{\"question_id\": \"1_0\", \"prediction\": \"A\"}", "{\"question_id\": \"2_0\", \"prediction\": \"B.\"}",
                "{\"question_id\": \"3_0\", \"prediction\": \"C\"}", "{\"question_id\": \"5_0\", \"prediction\": \"A\"}");
        // 4 image questions (the video one is not SEED-IMG): 1_0 and 3_0 right, "B." wrong, 4_0 missing -> 50
        assertThat(m.get("questions").asInt()).isEqualTo(4);
        assertThat(m.get("accuracy").asDouble()).isEqualTo(50.0);
        assertThat(m.get("categories").get("Scene Understanding").asDouble()).isEqualTo(50.0);
        assertThat(m.get("categories").get("Text Understanding").asDouble()).isEqualTo(50.0);
    }

    @Test
    void mmmuChoicesAndOpenAnswers() throws Exception {
        JsonNode m = score("mmmu", "SELECT * FROM (VALUES"
                        + " ('validation_Art_1', 'Who painted <image 1>?', '[''Monet'', ''Dali'', ''Goya'']', 'B', 'multiple-choice', "
                        + IMAGE + ", NULL::STRUCT(bytes BLOB, path VARCHAR)),"
                        + " ('validation_Art_2', 'Compare <image 1> and <image 2>', '[\"same\", \"different\"]', 'A', 'multiple-choice', "
                        + IMAGE + ", " + IMAGE + "),"
                        + " ('validation_Math_1', 'What is x in <image 1>?', '[]', '1200', 'open', " + IMAGE + ", NULL),"
                        + " ('validation_Math_2', 'What is y in <image 1>?', '[]', '[''0.5'', ''1/2'']', 'open', " + IMAGE + ", NULL))"
                        + " AS t(id, question, options, answer, question_type, image_1, image_2)",
                "{\"question_id\": \"validation_Art_1\", \"prediction\": \"I think it is Dali, as the style shows\"}",
                "{\"question_id\": \"validation_Art_2\", \"prediction\": \"(B) different\"}",
                "{\"question_id\": \"validation_Math_1\", \"prediction\": \"x is 1,200.\"}",
                "{\"question_id\": \"validation_Math_2\", \"prediction\": \"y = 0.50\"}");
        // Art_1: no letter, 8 words, only "Dali" occurs -> B right; Art_2: (B) wrong; Math_1: "1,200" -> 1200.0 right;
        // Math_2: "=" on the last line -> "0.50" -> 0.5, a gold answer of the list -> right. 3 of 4 -> 75
        assertThat(m.get("accuracy").asDouble()).isEqualTo(75.0);
        assertThat(m.get("question_types").get("open").asDouble()).isEqualTo(100.0);
        assertThat(m.get("question_types").get("multiple-choice").asDouble()).isEqualTo(50.0);
        assertThat(m.get("categories").get("Art").asDouble()).isEqualTo(50.0);
        assertThat(m.get("guessed").asInt()).isZero();
        assertThat(m.get("domains").get("Science").asDouble()).isEqualTo(100.0);
    }

    @Test
    void aBadPredictionLineIsOneClearError() throws Exception {
        Path data = dir.resolve("g.parquet");
        DuckDb.query("COPY (SELECT '1' AS id, 'Q' AS question, 'a' AS answer) TO " + literal(data) + " (FORMAT parquet)");
        Path predictions = dir.resolve("p.jsonl");
        Files.writeString(predictions, "{\"question_id\": \"1\", \"prediction\": \"a\"}\n{oops\n");
        CliRun run = CliRun.of("score", "--task", "gqa", "--data", data.toString(), "--predictions", predictions.toString());
        assertThat(run.code()).isEqualTo(1);
        assertThat(run.err()).contains("line 2 is not JSON");
        Files.writeString(predictions, "{\"id\": \"1\", \"prediction\": \"a\"}\n");
        run = CliRun.of("score", "--task", "gqa", "--data", data.toString(), "--predictions", predictions.toString());
        assertThat(run.err()).contains("line 1 has no \"question_id\"");
    }
}

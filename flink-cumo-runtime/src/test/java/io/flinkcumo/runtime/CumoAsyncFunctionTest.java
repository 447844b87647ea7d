package io.flinkcumo.runtime;

import io.flinkcumo.runtime.core.CumoAnswer;
import io.flinkcumo.runtime.core.CumoQuestion;
import io.flinkcumo.runtime.core.CumoRequestException;
import io.flinkcumo.runtime.core.CumoService;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinkcumo.engine.CumoEngine;
import io.flinkcumo.engine.CumoRequest;
import io.flinkcumo.engine.GenerationConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.ExceptionUtils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** CumoAsyncFunction in a DataStream job on a MiniCluster; doubles as the usage example. */
class CumoAsyncFunctionTest {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder()
                    .setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(2)
                    .build());

    private static final Map<String, String> EXPECTED = new HashMap<>();
    private static int baselineArrays;

    @BeforeAll
    static void answerDirectly() throws Exception {
        baselineArrays = CumoTestData.liveNativeArrays();
        try (CumoEngine engine = CumoEngine.load(CumoTestData.modelDir())) {
            for (Map.Entry<String, byte[]> image : CumoTestData.images().entrySet()) {
                CumoRequest request =
                        CumoRequest.of(image.getKey(), image.getValue(), CumoTestData.QUESTION, GenerationConfig.greedy(6));
                EXPECTED.put(image.getKey(), engine.answer(List.of(request)).get(0).answer());
            }
        }
    }

    @AfterEach
    void theModelIsFreedWhenTheJobEnds() {
        assertThat(CumoService.registry().loadedCount()).isZero();
        assertThat(CumoTestData.liveNativeArrays()).isEqualTo(baselineArrays);
    }

    @Test
    void answersEveryQuestionInOrderWithOneModelForBothSubtasks() throws Exception {
        List<CumoQuestion> questions = new ArrayList<>();
        for (int round = 0; round < 2; round++) {
            for (Map.Entry<String, byte[]> image : CumoTestData.images().entrySet()) {
                questions.add(new CumoQuestion(image.getKey() + "#" + round, image.getValue(), CumoTestData.QUESTION));
            }
        }
        questions.add(new CumoQuestion("corrupt", CumoTestData.CORRUPT, CumoTestData.QUESTION));
        String first = EXPECTED.keySet().iterator().next();
        questions.add(CumoQuestion.ofPath(first + "#path", CumoTestData.imagePath(first).toString(), CumoTestData.QUESTION));

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        DataStream<CumoQuestion> input = env.fromData(questions).rebalance();
        DataStream<CumoAnswer> answers = AsyncDataStream.orderedWaitWithRetry(
                input,
                new CumoAsyncFunction(CumoTestData.options("error-handling", "error-column",
                        "image-base", CumoTestData.imagePath(first).getParent().toString())),
                2, TimeUnit.MINUTES, 16,
                CumoAsyncFunction.retryStrategy(3, Duration.ofMillis(10)));

        long loads = CumoService.registry().loadCount();
        List<CumoAnswer> results = answers.executeAndCollect(questions.size() + 1);

        assertThat(CumoService.registry().loadCount()).isEqualTo(loads + 1);
        assertThat(results).hasSize(questions.size());
        for (CumoAnswer answer : results) {
            String image = answer.id.substring(0, Math.max(0, answer.id.indexOf('#')));
            if (answer.id.equals("corrupt")) {
                assertThat(answer.answer).isNull();
                assertThat(answer.error).startsWith("invalid image");
            } else {
                assertThat(answer.answer).as(answer.id).isEqualTo(EXPECTED.get(image));
                assertThat(answer.error).isNull();
                assertThat(answer.routing).startsWith("vision: entropy");
            }
        }
    }

    @Test
    void flinksOperatorTimeoutKeepsTheRowUnderErrorColumn() throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        byte[] image = CumoTestData.images().values().iterator().next();
        DataStream<CumoAnswer> answers = AsyncDataStream.unorderedWait(
                env.fromData(new CumoQuestion("slow", image, CumoTestData.QUESTION)),
                new CumoAsyncFunction(CumoTestData.options("error-handling", "error-column")),
                1, TimeUnit.MILLISECONDS);
        List<CumoAnswer> results = answers.executeAndCollect(2);
        assertThat(results).singleElement().satisfies(answer -> {
            assertThat(answer.id).isEqualTo("slow");
            assertThat(answer.answer).isNull();
            assertThat(answer.error).startsWith("timed out in Flink's async operator");
        });
    }

    @Test
    void failStrategyFailsTheJobNamingTheRow() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        DataStream<CumoAnswer> answers = AsyncDataStream.unorderedWaitWithRetry(
                env.fromData(new CumoQuestion("corrupt", CumoTestData.CORRUPT, "Is it a cat?")),
                new CumoAsyncFunction(CumoTestData.options("error-handling", "fail")),
                1, TimeUnit.MINUTES,
                CumoAsyncFunction.retryStrategy(3, Duration.ofMillis(10)));
        assertThatThrownBy(() -> answers.executeAndCollect(1))
                .satisfies(e -> assertThat(ExceptionUtils.findThrowable(e, CumoRequestException.class))
                        .hasValueSatisfying(failure -> assertThat(failure.getMessage())
                                .contains("question \"Is it a cat?\"")
                                .contains("invalid image")));
    }
}

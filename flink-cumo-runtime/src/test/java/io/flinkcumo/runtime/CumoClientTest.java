package io.flinkcumo.runtime;

import io.flinkcumo.runtime.core.CumoReply;
import io.flinkcumo.runtime.core.CumoRequestException;
import io.flinkcumo.runtime.core.CumoService;
import io.flinkcumo.runtime.core.CumoSettings;
import io.flinkcumo.runtime.core.DeviceSpec;
import io.flinkcumo.runtime.core.ImageRef;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import io.flinkcumo.engine.CumoEngine;
import io.flinkcumo.engine.CumoRequest;
import io.flinkcumo.engine.GenerationConfig;
import io.flinkcumo.engine.LabelScores;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The shared request path (CumoClient over the shared CumoService) without a Flink job. */
class CumoClientTest {

    private static final Map<String, String> EXPECTED = new LinkedHashMap<>();
    private static final List<String> LABELS = List.of("cat", "a person", "nothing at all");
    private static final Map<String, LabelScores> EXPECTED_SCORES = new LinkedHashMap<>();
    private static int baselineArrays;

    @BeforeAll
    static void answerDirectly() throws Exception {
        baselineArrays = CumoTestData.liveNativeArrays();
        try (CumoEngine engine = CumoEngine.load(CumoTestData.modelDir())) {
            for (Map.Entry<String, byte[]> image : CumoTestData.images().entrySet()) {
                CumoRequest request =
                        CumoRequest.of(image.getKey(), image.getValue(), CumoTestData.QUESTION, GenerationConfig.greedy(6));
                EXPECTED.put(image.getKey(), engine.answer(List.of(request)).get(0).answer());
                EXPECTED_SCORES.put(image.getKey(), engine.scoreLabels(List.of(request), LABELS).get(0));
            }
        }
    }

    @AfterEach
    void everyModelIsFreed() {
        assertThat(CumoService.registry().loadedCount()).isZero();
        assertThat(CumoTestData.liveNativeArrays()).isEqualTo(baselineArrays);
    }

    private static int sum(List<Integer> sizes) {
        return sizes.stream().mapToInt(Integer::intValue).sum();
    }

    private static CumoClient open(String... overrides) throws InterruptedException {
        return CumoClient.open(CumoRuntimeOptions.settings(CumoTestData.options(overrides)), DeviceSpec.CPU, null, "test");
    }

    @Test
    void concurrentRequestsAreBatchedAndAnswerAsDirectEngineCalls() throws Exception {
        RecordingListener listener = new RecordingListener();
        try (CumoClient client = open("max-batch-size", "4", "max-batch-wait", "200 ms");
                AutoCloseable ignored = client.service().attach(listener)) {
            List<String> names = new ArrayList<>();
            List<CompletableFuture<CumoReply>> outcomes = new ArrayList<>();
            for (int round = 0; round < 2; round++) {
                for (Map.Entry<String, byte[]> image : CumoTestData.images().entrySet()) {
                    names.add(image.getKey());
                    outcomes.add(client.ask(ImageRef.ofBytes(image.getValue()), CumoTestData.QUESTION));
                }
            }
            for (int i = 0; i < names.size(); i++) {
                CumoReply outcome = outcomes.get(i).get();
                assertThat(outcome.answer()).as(names.get(i)).isEqualTo(EXPECTED.get(names.get(i)));
                assertThat(outcome.error()).isNull();
                assertThat(outcome.generatedTokens()).isBetween(1, 6);
                assertThat(outcome.routingSummary().vision().layers()).isPositive();
                assertThat(outcome.routingSummary().llm()).isNull(); // a dense Mistral LLM has no experts
            }
            // a batch is reported after its futures complete: wait for the last report
            Eventually.await("every batch is reported", () -> sum(listener.batchSizes) >= names.size());
            assertThat(listener.batchSizes).anySatisfy(size -> assertThat(size).isGreaterThan(1));
            assertThat(sum(listener.batchSizes)).isEqualTo(names.size());
        }
    }

    @Test
    void labelScoringSharesTheBatcherWithGenerationAndScoresAsTheEngine() throws Exception {
        RecordingListener listener = new RecordingListener();
        try (CumoClient client = open("max-batch-size", "8", "max-batch-wait", "300 ms", "error-handling", "error-column");
                AutoCloseable ignored = client.service().attach(listener)) {
            List<String> names = new ArrayList<>(EXPECTED.keySet());
            List<CompletableFuture<CumoReply>> scores = new ArrayList<>();
            List<CompletableFuture<CumoReply>> answers = new ArrayList<>();
            for (String name : names) {
                ImageRef image = ImageRef.ofBytes(CumoTestData.images().get(name));
                scores.add(client.classify(image, CumoTestData.QUESTION, LABELS));
                answers.add(client.ask(image, CumoTestData.QUESTION));
            }
            CumoReply corrupt = client.classify(ImageRef.ofBytes(CumoTestData.CORRUPT), CumoTestData.QUESTION, LABELS).get();
            for (int i = 0; i < names.size(); i++) {
                LabelScores expected = EXPECTED_SCORES.get(names.get(i));
                CumoReply got = scores.get(i).get();
                assertThat(got.error()).isNull();
                assertThat(got.scores().labels()).isEqualTo(LABELS);
                for (int k = 0; k < LABELS.size(); k++) {
                    assertThat(got.scores().logProbs()[k]).as(names.get(i) + " " + LABELS.get(k))
                            .isCloseTo(expected.logProbs()[k], offset(1e-3));
                }
                assertThat(got.scores().best()).isEqualTo(expected.best());
                assertThat(got.scores().routing().layers()).isNotEmpty();
                assertThat(answers.get(i).get().answer()).isEqualTo(EXPECTED.get(names.get(i)));
            }
            assertThat(corrupt.scores()).isNull();
            assertThat(corrupt.error()).startsWith("invalid image");
            // generation and scoring requests met in shared batches (reported after their futures complete)
            Eventually.await("every batch is reported", () -> sum(listener.batchSizes) >= 2 * names.size());
            assertThat(listener.batchSizes).anySatisfy(size -> assertThat(size).isGreaterThan(2));
            assertThat(sum(listener.batchSizes)).isEqualTo(2 * names.size());
            assertThat(client.classify(new ImageRef(null, null), "?", LABELS).get()).isEqualTo(CumoReply.NULL_INPUT);
            assertThatThrownBy(() -> client.classify(ImageRef.ofBytes(CumoTestData.CORRUPT), "?", List.of(" ")))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void clientsOfOneOperatorShareItsMetricsUntilTheLastOneCloses() throws Exception {
        RecordingMetricGroup group = new RecordingMetricGroup(); // refuses a metric registered twice
        CumoSettings options = CumoRuntimeOptions.settings(CumoTestData.options());
        ImageRef image = ImageRef.ofBytes(CumoTestData.images().values().iterator().next());
        RecordingListener batches = new RecordingListener();
        try (CumoClient keeper = open(); AutoCloseable ignored = keeper.service().attach(batches)) {
            try (CumoClient first = CumoClient.open(options, DeviceSpec.CPU, group, "first");
                    CumoClient second = CumoClient.open(options, DeviceSpec.CPU, group, "second")) {
                assertThat(first.askAndWait(image, CumoTestData.QUESTION).succeeded()).isTrue();
                assertThat(second.askAndWait(image, CumoTestData.QUESTION).succeeded()).isTrue();
                assertThat(((Counter) group.get("cumo.requests")).getCount()).isEqualTo(2);
                first.close(); // the operator's other client still reports through the shared metrics
                assertThat(second.askAndWait(image, CumoTestData.QUESTION).succeeded()).isTrue();
                assertThat(((Counter) group.get("cumo.requests")).getCount()).isEqualTo(3);
                Eventually.await("the batches are reported", () -> sum(batches.batchSizes) >= 3);
                Eventually.await("the operator saw them", () -> ((Histogram) group.get("cumo.batchSize")).getCount() >= 3);
            }
            long seen = ((Histogram) group.get("cumo.batchSize")).getCount();
            assertThat(keeper.askAndWait(image, CumoTestData.QUESTION).succeeded()).isTrue();
            Eventually.await("the keeper's batch is reported", () -> sum(batches.batchSizes) >= 4);
            assertThat(((Histogram) group.get("cumo.batchSize")).getCount())
                    .as("the operator's metrics were detached with its last client").isEqualTo(seen);
        }
    }

    @Test
    void clientsWithTheSameModelShareOneLoad() throws Exception {
        long loads = CumoService.registry().loadCount();
        try (CumoClient first = open(); CumoClient second = open("max-new-tokens", "3")) {
            assertThat(second.service()).isSameAs(first.service());
            assertThat(CumoService.registry().loadCount()).isEqualTo(loads + 1);
            assertThat(CumoService.registry().refCount(first.service().spec().key())).isEqualTo(2);
        }
    }

    @Test
    void failStrategyNamesTheRowAndTheProblem() throws Exception {
        try (CumoClient client = open("error-handling", "fail")) {
            assertThatThrownBy(() -> client.askAndWait(ImageRef.ofBytes(CumoTestData.CORRUPT), "Why?"))
                    .isInstanceOf(CumoRequestException.class)
                    .hasMessageContaining("image of " + CumoTestData.CORRUPT.length + " bytes")
                    .hasMessageContaining("question \"Why?\"")
                    .hasMessageContaining("invalid image")
                    .satisfies(e -> assertThat(((CumoRequestException) e).isInputError()).isTrue());
            String name = EXPECTED.keySet().iterator().next();
            assertThat(client.askAndWait(ImageRef.ofBytes(CumoTestData.images().get(name)), CumoTestData.QUESTION)
                    .answer()).isEqualTo(EXPECTED.get(name));
        }
    }

    @Test
    void nullAndErrorColumnStrategiesKeepTheRow() throws Exception {
        try (CumoClient nulls = open("error-handling", "null");
                CumoClient errors = open("error-handling", "error-column")) {
            CumoReply nullOutcome = nulls.askAndWait(ImageRef.ofBytes(CumoTestData.CORRUPT), "Why?");
            assertThat(nullOutcome.answer()).isNull();
            assertThat(nullOutcome.error()).isNull();
            CumoReply errorOutcome = errors.askAndWait(ImageRef.ofBytes(CumoTestData.CORRUPT), "Why?");
            assertThat(errorOutcome.answer()).isNull();
            assertThat(errorOutcome.error()).startsWith("invalid image");
            assertThat(errors.askAndWait(ImageRef.ofBytes(CumoTestData.images().values().iterator().next()), " ")
                    .error()).startsWith("the question is empty");
        }
    }

    @Test
    void rejectedRowsLogOneLineAtWarnAndTheStackTraceOnlyAtDebug() throws Exception {
        try (io.flinkcumo.engine.LogCapture logs = io.flinkcumo.engine.LogCapture.of("DEBUG", CumoClient.class.getName());
                CumoClient client = open("error-handling", "error-column")) {
            for (int i = 0; i < 3; i++) {
                assertThat(client.askAndWait(ImageRef.ofBytes(CumoTestData.CORRUPT), "Why?").error()).startsWith("invalid image");
            }
            List<io.flinkcumo.engine.LogCapture.Event> warns = logs.at("WARN");
            assertThat(warns).as("one WARN for the first rejected row").hasSize(1);
            assertThat(warns.get(0).thrown()).as("no stack trace at WARN").isNull();
            assertThat(warns.get(0).message()).contains("invalid image").contains("error-handling=").doesNotContain("\n");
            List<io.flinkcumo.engine.LogCapture.Event> debugs = logs.at("DEBUG").stream()
                    .filter(e -> e.message().startsWith("CuMo failed on the row")).toList();
            assertThat(debugs).as("every rejected row at DEBUG, with its stack").hasSize(3)
                    .allSatisfy(e -> assertThat(e.thrown()).isNotNull());
        }
    }

    @Test
    void pathOnlyImagesAreReadFromTheirFile() throws Exception {
        String name = EXPECTED.keySet().iterator().next();
        String dir = CumoTestData.imagePath(name).getParent().toString();
        try (CumoClient client = open("error-handling", "error-column", "image-base", dir)) {
            CumoReply outcome =
                    client.askAndWait(ImageRef.ofPath(CumoTestData.imagePath(name).toString()), CumoTestData.QUESTION);
            assertThat(outcome.answer()).isEqualTo(EXPECTED.get(name));
            CumoReply relative = client.askAndWait(ImageRef.ofPath(name), CumoTestData.QUESTION);
            assertThat(relative.answer()).isEqualTo(EXPECTED.get(name));
            CumoReply missing = client.askAndWait(ImageRef.ofPath(dir + "/no-such-image.png"), CumoTestData.QUESTION);
            assertThat(missing.error()).contains("no-such-image.png' does not exist");
            CumoReply outside = client.askAndWait(ImageRef.ofPath("/no/such/image.png"), CumoTestData.QUESTION);
            assertThat(outside.error()).contains("is outside image-base");
        }
        try (CumoClient noBase = open("error-handling", "error-column")) {
            CumoReply refused =
                    noBase.askAndWait(ImageRef.ofPath(CumoTestData.imagePath(name).toString()), CumoTestData.QUESTION);
            assertThat(refused.error()).contains("no image-base is set");
        }
    }

    @Test
    void severalImagesAnswerAsTheEngineWithThoseImagesInOrder() throws Exception {
        List<byte[]> two = new java.util.ArrayList<>(CumoTestData.images().values()).subList(0, 2);
        String expected;
        try (CumoEngine engine = CumoEngine.load(CumoTestData.modelDir())) {
            CumoRequest request = new CumoRequest("two", two,
                    io.flinkcumo.engine.text.Conversation.singleTurn(CumoTestData.QUESTION, 2), GenerationConfig.greedy(6));
            expected = engine.answer(List.of(request)).get(0).answer();
        }
        try (CumoClient client = open("error-handling", "error-column")) {
            CumoReply outcome = client.ask(List.of(ImageRef.ofBytes(two.get(0)), ImageRef.ofBytes(two.get(1))),
                    CumoTestData.QUESTION).get();
            assertThat(outcome.error()).isNull();
            assertThat(outcome.answer()).isEqualTo(expected);
            CumoReply missing = client.ask(List.of(ImageRef.ofBytes(two.get(0)), new ImageRef(null, null)),
                    CumoTestData.QUESTION).get();
            assertThat(missing.error()).isEqualTo("image 2 of 2 is missing");
            CumoReply corrupt = client.ask(List.of(ImageRef.ofBytes(two.get(0)), ImageRef.ofBytes(CumoTestData.CORRUPT)),
                    CumoTestData.QUESTION).get();
            assertThat(corrupt.error()).startsWith("invalid image");
            assertThat(client.ask(List.of(), CumoTestData.QUESTION).get()).isEqualTo(CumoReply.NULL_INPUT);
        }
    }

    @Test
    void nullInputGivesNullWithoutAnError() throws Exception {
        try (CumoClient client = open("error-handling", "fail")) {
            assertThat(client.askAndWait(new ImageRef(null, null), CumoTestData.QUESTION))
                    .isEqualTo(CumoReply.NULL_INPUT);
            assertThat(client.askAndWait(ImageRef.ofBytes(CumoTestData.CORRUPT), null)).isEqualTo(CumoReply.NULL_INPUT);
        }
    }

    @Test
    void invalidOptionsAreReportedTogether() {
        assertThatThrownBy(() -> open("max-batch-size", "0", "device", "gpu"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("max-batch-size must be >= 1")
                .hasMessageContaining("device must be");
        assertThatThrownBy(() -> open("model-path", "/no/such/model"))
                .hasMessageContaining("model-path '/no/such/model' is not a directory");
    }
}

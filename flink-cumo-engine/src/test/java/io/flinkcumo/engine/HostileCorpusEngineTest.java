package io.flinkcumo.engine;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import java.util.List;

/** Every corpus entry either answers or fails with a clear, catchable error naming the problem. */
class HostileCorpusEngineTest {

    @Test
    void everyEntryAnswersOrFailsCleanly() throws Exception {
        List<HostileCorpus.Entry> corpus = HostileCorpus.entries();
        assertThat(corpus).hasSizeGreaterThanOrEqualTo(30);
        try (CumoEngine engine = CumoEngine.load(Conformance.modelDir("tiny-mistral"))) {
            int baseline = engine.model().manager().getManagedArrays().size();
            for (HostileCorpus.Entry e : corpus) {
                String outcome;
                try {
                    CumoResult r = engine.answer(List.of(CumoRequest.of(e.id(), e.image(), e.question(), GenerationConfig.greedy(3)))).get(0);
                    outcome = "answer";
                    assertThat(r.tokenIds()).as(e.id()).isNotEmpty();
                } catch (IllegalArgumentException bad) {
                    outcome = "error";
                    assertThat(bad.getMessage()).as(e.id() + " error message").isNotBlank();
                }
                if (HostileCorpus.outcomeFixed(e)) {
                    assertThat(outcome).as(e.id()).isEqualTo(e.valid() ? "answer" : "error");
                }
            }
            assertThat(engine.model().manager().getManagedArrays()).hasSize(baseline);
        }
    }
}

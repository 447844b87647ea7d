package io.flinkcumo.eval;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The VQA / EvalAI normalisation, rule by rule, with expectations worked out by hand from the rules. */
class EvalAiAnswerProcessorTest {

    @Test
    void numberWordsArticlesAndFinalPeriod() {
        assertThat(EvalAiAnswerProcessor.process("Two.")).isEqualTo("2");
        assertThat(EvalAiAnswerProcessor.process("none")).isEqualTo("0");
        assertThat(EvalAiAnswerProcessor.process("An apple")).isEqualTo("apple");
        assertThat(EvalAiAnswerProcessor.process("  The   Red  Car \n")).isEqualTo("red car");
        assertThat(EvalAiAnswerProcessor.process("3.5")).isEqualTo("3.5");
        assertThat(EvalAiAnswerProcessor.process("eleven")).isEqualTo("eleven");
    }

    @Test
    void possessiveIsSplitOffAndCommasAndQuestionMarksGo() {
        assertThat(EvalAiAnswerProcessor.process("the dog's ball")).isEqualTo("dog 's ball");
        assertThat(EvalAiAnswerProcessor.process("1,000?")).isEqualTo("1000");
    }

    @Test
    void contractionsGetTheirApostropheBack() {
        assertThat(EvalAiAnswerProcessor.process("dont know")).isEqualTo("don't know");
        assertThat(EvalAiAnswerProcessor.process("Whats")).isEqualTo("what's");
        // the table's capitalised keys never match: the words are lowercased first
        assertThat(EvalAiAnswerProcessor.process("Im")).isEqualTo("im");
        assertThat(EvalAiAnswerProcessor.CONTRACTIONS).hasSize(120);
    }

    @Test
    void punctuationIsRemovedNextToSpacesOrAfterADigitCommaElseReplacedByASpace() {
        assertThat(EvalAiAnswerProcessor.processPunctuation("t-shirt")).isEqualTo("t shirt");
        assertThat(EvalAiAnswerProcessor.processPunctuation("t - shirt")).isEqualTo("t  shirt");
        assertThat(EvalAiAnswerProcessor.processPunctuation("(t-shirt)")).isEqualTo(" t shirt ");
        // a digit-comma-digit anywhere: every mark is removed, not spaced
        assertThat(EvalAiAnswerProcessor.processPunctuation("1,000 t-shirts!")).isEqualTo("1000 tshirts");
        assertThat(EvalAiAnswerProcessor.process("t-shirt")).isEqualTo("t shirt");
    }

    @Test
    void atMost32PeriodsAreStrippedAsTheOriginalsCountArgumentHasIt() {
        assertThat(EvalAiAnswerProcessor.processPunctuation(".".repeat(40))).isEqualTo("........");
        assertThat(EvalAiAnswerProcessor.processPunctuation("a.b.1.5")).isEqualTo("ab.1.5"); // the period before a digit stays
    }
}

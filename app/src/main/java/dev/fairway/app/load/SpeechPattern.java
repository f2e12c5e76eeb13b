package dev.fairway.app.load;

import java.util.SplittableRandom;

/**
 * Makes speech-like text: sentences whose partial transcripts grow a few words at a time. Seeded, so
 * two runs with the same seed say the same things.
 */
final class SpeechPattern {

    private static final String[] WORDS = (
            "good morning everyone thank you for joining today we will talk about the quarterly results "
            + "and the plans for next year our team has grown a lot and the customers are happy with the "
            + "new product the weather is nice so we could walk to the station after the meeting please "
            + "send me the report before friday I think the price is too high for a small company let us "
            + "meet again next week to discuss the details how are you doing with the project the train "
            + "leaves at nine and arrives in the evening").split(" ");

    private final SplittableRandom random;
    private final StringBuilder sentence = new StringBuilder();

    SpeechPattern(long seed) {
        this.random = new SplittableRandom(seed);
    }

    /**
     * Adds words to the current sentence.
     *
     * @param words how many
     * @return the sentence so far (the partial transcript)
     */
    String grow(int words) {
        for (int i = 0; i < words; i++) {
            if (!sentence.isEmpty()) {
                sentence.append(' ');
            }
            String word = WORDS[random.nextInt(WORDS.length)];
            if (sentence.isEmpty()) {
                word = Character.toUpperCase(word.charAt(0)) + word.substring(1);
            }
            sentence.append(word);
        }
        return sentence.toString();
    }

    /**
     * Whether words were said since the last {@link #commit()}.
     *
     * @return true when a sentence is in progress
     */
    boolean speaking() {
        return !sentence.isEmpty();
    }

    /**
     * Ends the current sentence and starts a new one.
     *
     * @return the finished sentence, with a full stop (the final transcript)
     */
    String commit() {
        if (sentence.isEmpty()) {
            grow(1);
        }
        String done = sentence + ".";
        sentence.setLength(0);
        return done;
    }
}

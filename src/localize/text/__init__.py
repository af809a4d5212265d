"""Text primitives: sentences, word folding, word spans and citations; one idea of a word."""

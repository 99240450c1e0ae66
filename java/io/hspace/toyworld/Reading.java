package io.hspace.toyworld;

/**
 * What the {@link Reader} saw in one image, and the caption of it in the Toy World grammar.
 * An attribute the reader could not determine (no object found) is left out of both.
 */
public record Reading(Stated attributes, String caption) {}

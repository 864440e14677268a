/**
 * The pip package's examples, reproduced as examples of the Symile loss inside a user's own DL4J pipeline: a
 * {@code ComputationGraph} of encoders, L2 normalisation, a {@code MergeVertex} and
 * {@link org.symile.samediff.dl4j.SymileOutputLayer}, trained by DL4J's own {@code fit} with an AdamW-equivalent
 * updater ({@code symile example ...}).
 */
package org.symile.app.examples;

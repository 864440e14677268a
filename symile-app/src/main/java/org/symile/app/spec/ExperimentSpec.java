package org.symile.app.spec;

/**
 * The settings only one experiment has: its model's sizes and, for binary_xor, its data and p̂ sweep. One record
 * per experiment, each validated in its constructor.
 */
public sealed interface ExperimentSpec permits XorSpec, M3Spec, MimicSpec, CustomSpec {

    /** The experiment these settings belong to. */
    ExperimentKind kind();

    /** {@code --d}: the width of every projection head. */
    int d();
}

package org.symile.app.run;

/** Which validation checkpoints a run keeps (upstream §2.5); {@code last.ckpt} is always written every epoch. */
public enum CheckpointPolicy {
    /** One {@code epoch=E-val_loss=V.ckpt}: the lowest validation loss so far (binary_xor, per p̂). */
    KEEP_BEST,
    /** An {@code epoch=E-val_loss=V.ckpt} after every validation (symile_m3, symile_mimic). */
    KEEP_ALL
}

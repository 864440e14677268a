/**
 * The Symile maths as SameDiff graphs (Saporta et al. 2024) and as eager closed forms: the Symile and CLIP losses,
 * the GRAM and TRIANGLE objectives ({@link org.symile.samediff.TupleObjectiveLoss}), the logit scale and zero-shot
 * scoring. No I/O and no backend choice.
 */
package org.symile.samediff;

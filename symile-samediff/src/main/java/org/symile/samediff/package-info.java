/**
 * The Symile maths as SameDiff graphs (Saporta et al. 2024): the Symile and CLIP losses, the logit scale and
 * zero-shot scoring. No I/O and no backend choice.
 */
package org.symile.samediff;

/**
 * Symile-M3's split layout (upstream §5.3): tensor names, languages, missingness files.
 */
package org.symile.data.m3;

/**
 * Files written atomically: a temporary name, then a rename.
 */
package org.symile.data.io;

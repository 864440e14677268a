/**
 * Run directories named as upstream's ({@code <yyyyMMdd_HHmmss>_<rand4>}).
 */
package org.symile.app.io;

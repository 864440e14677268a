/**
 * picocli commands only: each maps its options onto a spec or config and calls a plain Java API.
 */
package org.symile.app.cli;
